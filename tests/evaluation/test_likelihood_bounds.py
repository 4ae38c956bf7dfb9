"""The IWAE bound against exact references (tiny networks, no training)."""

import math

import keras
import numpy as np
import pytest

import keras_vae
from keras_vae import evaluation

SHAPE = (6,)
LATENT_DIM = 2


def make_vae(binarize=False):
    keras.utils.set_random_seed(3)
    encoder = keras_vae.build_mlp_encoder(SHAPE, LATENT_DIM, hidden_units=(8,))
    decoder = keras_vae.build_mlp_decoder(LATENT_DIM, SHAPE, hidden_units=(8,))
    likelihood = keras_vae.BernoulliLikelihood(binarize=binarize, seed=0)
    vae = keras_vae.VAE(encoder, decoder, likelihood=likelihood, seed=0)
    vae.compile()
    return vae


def equal_weights_vae(binarize=False):
    """q(z|x) = N(0, I) = p(z) and a decoder that ignores z: every
    importance weight p(x, z) / q(z|x) equals p(x)."""
    vae = make_vae(binarize)
    for name in ("z_mean", "z_log_var"):
        layer = vae.encoder.get_layer(name)
        layer.set_weights([np.zeros_like(w) for w in layer.get_weights()])
    first = vae.decoder.layers[1]
    kernel, bias = first.get_weights()
    first.set_weights([np.zeros_like(kernel), bias])
    last = vae.decoder.layers[2]
    kernel, bias = last.get_weights()
    last.set_weights([kernel, np.linspace(-2.0, 2.0, bias.size, dtype="float32")])
    return vae


def bernoulli_log_likelihood(vae, x):
    """log p(x) of the equal-weights model, in numpy: the decoder's logits
    do not depend on z, so decode z = 0."""
    logits = vae.decoder.predict(np.zeros((1, LATENT_DIM), "float32"), verbose=0)
    log_p = -np.logaddexp(0.0, -logits.astype("float64"))  # log sigmoid
    log_not_p = -np.logaddexp(0.0, logits.astype("float64"))
    return (x * log_p + (1 - x) * log_not_p).reshape(len(x), -1).sum(axis=1)


def images(count=5, seed=0):
    return np.random.default_rng(seed).uniform(size=(count,) + SHAPE).astype("float32")


@pytest.mark.parametrize("k", [1, 2, 7, 50])
def test_equal_importance_weights_give_the_elbo_for_every_k(k):
    vae = equal_weights_vae()
    x = images()
    expected = bernoulli_log_likelihood(vae, x)
    estimate = evaluation.importance_weighted_log_likelihood(vae, x, k, seed=1)
    # A missing or doubled `- log k` moves the estimate by log k.
    np.testing.assert_allclose(estimate, expected, rtol=0, atol=1e-4)
    elbo = evaluation.elbo(vae, x, seed=1)
    assert elbo["kl_loss"] == pytest.approx(0.0, abs=1e-6)
    assert -elbo["negative_elbo"] == pytest.approx(expected.mean(), abs=1e-4)


def independent_iwae(vae, x, k, seed):
    """log (1/k) sum_i p(x|z_i) p(z_i) / q(z_i|x), with numpy densities and
    the same per-image noise streams as the library
    (`default_rng([seed, image index])`)."""
    z_mean, z_log_var = vae.encoder.predict(x, verbose=0)
    estimates = []
    for i in range(len(x)):
        epsilon = np.random.default_rng([seed, i]).standard_normal(
            (k, LATENT_DIM), dtype=np.float32
        )
        std = np.exp(0.5 * z_log_var[i].astype("float64"))
        z = z_mean[i] + std * epsilon
        logits = vae.decoder.predict(z.astype("float32"), verbose=0).astype("float64")
        log_px = x[i] * -np.logaddexp(0, -logits) + (1 - x[i]) * -np.logaddexp(
            0, logits
        )
        log_px = log_px.reshape(k, -1).sum(axis=1)
        log_pz = -0.5 * (z**2 + math.log(2 * math.pi)).sum(axis=1)
        log_qz = (
            -0.5 * (((z - z_mean[i]) / std) ** 2 + math.log(2 * math.pi)).sum(axis=1)
            - np.log(std).sum()
        )
        log_w = log_px + log_pz - log_qz
        peak = log_w.max()
        estimates.append(peak + math.log(np.exp(log_w - peak).mean()))
    return np.array(estimates)


def test_iwae_matches_an_independent_computation():
    vae = make_vae()
    layer = vae.encoder.get_layer("z_log_var")
    kernel, bias = layer.get_weights()
    layer.set_weights([kernel, bias - 1.0])  # posterior narrower than the prior
    x = images(3)
    estimate = evaluation.importance_weighted_log_likelihood(vae, x, 40, seed=2)
    np.testing.assert_allclose(estimate, independent_iwae(vae, x, 40, 2), atol=1e-4)
    # The weights differ here, so the bound rises above the one-sample value.
    one = evaluation.importance_weighted_log_likelihood(vae, x, 1, seed=2)
    assert not np.allclose(estimate, one, atol=1e-3)


def test_samples_split_over_many_chunks_give_the_one_chunk_estimate():
    vae = make_vae()
    x = images(4)
    whole = evaluation.importance_weighted_log_likelihood(vae, x, 50, seed=3)
    # 50 samples in chunks of 16, 16, 16 and 2; one image per call.
    chunked = evaluation.importance_weighted_log_likelihood(
        vae, x, 50, seed=3, rows_per_call=16
    )
    np.testing.assert_allclose(chunked, whole, rtol=1e-6, atol=1e-6)
    # Several images per call, one chunk each.
    grouped = evaluation.importance_weighted_log_likelihood(
        vae, x, 50, seed=3, rows_per_call=100
    )
    np.testing.assert_allclose(grouped, whole, rtol=1e-6, atol=1e-6)


def test_binarising_models_are_evaluated_on_images_binarised_once():
    x = images(6)
    binarized = evaluation.fixed_binarization(x, seed=4)
    assert set(np.unique(binarized)) <= {0.0, 1.0}
    np.testing.assert_array_equal(binarized, evaluation.fixed_binarization(x, seed=4))
    assert not np.array_equal(binarized, evaluation.fixed_binarization(x, seed=5))
    vae = equal_weights_vae(binarize=True)
    expected = bernoulli_log_likelihood(vae, binarized)
    grey = bernoulli_log_likelihood(vae, x)
    assert np.abs(expected - grey).max() > 0.1
    for k in (1, 9):
        estimate = evaluation.importance_weighted_log_likelihood(vae, x, k, seed=4)
        np.testing.assert_allclose(estimate, expected, atol=1e-4)
    negative_elbo = evaluation.elbo(vae, x, seed=4)["negative_elbo"]
    assert -negative_elbo == pytest.approx(expected.mean(), abs=1e-4)
    # A model trained on grey levels is measured on the images as given.
    plain = equal_weights_vae(binarize=False)
    np.testing.assert_allclose(
        evaluation.importance_weighted_log_likelihood(plain, x, 3, seed=4),
        bernoulli_log_likelihood(plain, x),
        atol=1e-4,
    )
