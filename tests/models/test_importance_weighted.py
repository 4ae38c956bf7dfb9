"""The importance-weighted (IWAE) objective of `VAE(objective="iwae")`:
k = 1 is the ELBO on the same noise, the bound rises with k, DReG
gradients equal plain IWAE gradients in expectation, replicas scale the
objective correctly, and the options are checked and saved."""

import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf
from keras import ops

import keras_vae
from keras_vae.evaluation.likelihood_bounds import importance_weighted_log_likelihood
from tests.paths import ROOT
from tests.small_networks import small_encoder_decoder

SHAPE = (8, 8, 1)
LOG_2PI = np.log(2.0 * np.pi)


def _images(count=8, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.uniform(size=(count,) + SHAPE) < 0.3).astype("float32")


def _networks(latent_dim=2, seed=0):
    keras.utils.set_random_seed(seed)
    return small_encoder_decoder("mlp", SHAPE, latent_dim)


def _terms(model, x, conditions, training, epsilon=None):
    """The IWAE objective's terms: `(loss, values, z, log_weights)`."""
    return model.training_objective.importance_weighted_terms(
        model, x, conditions, training, epsilon=epsilon
    )


def _dreg_gradients(model, tape, loss, encoder_penalty, z, log_weights):
    return model.training_objective.dreg_gradients(
        model, tape, loss, encoder_penalty, z, log_weights
    )


def _gradients(vae, x, epsilon):
    """The gradients `fit` would apply on this noise, one per trainable
    variable, through the model's own train-step code path (tensors)."""
    if vae.dreg:
        with tf.GradientTape(persistent=True) as tape:
            objective, _, z, log_weights = _terms(
                vae, x, [], training=True, epsilon=epsilon
            )
        gradients = _dreg_gradients(vae, tape, objective, [], z, log_weights)
    else:
        with tf.GradientTape() as tape:
            objective = _terms(vae, x, [], training=True, epsilon=epsilon)[0]
        gradients = tape.gradient(objective, vae.trainable_variables)
    return gradients


def test_one_sample_bound_is_the_elbo_on_the_same_noise():
    x = ops.convert_to_tensor(_images())
    encoder, decoder = _networks()
    iwae = keras_vae.VAE(encoder, decoder, objective="iwae", dreg=False)
    elbo = keras_vae.VAE(encoder, decoder)  # the same networks and weights
    epsilon = np.random.default_rng(1).standard_normal((1, 8, 2)).astype("float32")

    # The ELBO written out by hand: one sample, the KL estimated on it.
    with tf.GradientTape() as tape:
        z_mean, z_log_var = encoder(x)
        z = z_mean + ops.exp(0.5 * z_log_var) * epsilon[0]
        logits = decoder(z)
        softplus = ops.log1p(ops.exp(-ops.abs(logits)))
        per_pixel = ops.maximum(logits, 0) - logits * x + softplus
        nll = ops.sum(ops.reshape(per_pixel, (8, -1)), axis=1)
        log_q = -0.5 * ops.sum(epsilon[0] ** 2 + z_log_var + LOG_2PI, axis=1)
        log_p = -0.5 * ops.sum(z**2 + LOG_2PI, axis=1)
        reference = ops.mean(nll + log_q - log_p)
    expected = tape.gradient(reference, iwae.trainable_variables)

    objective, values, _, _ = _terms(iwae, x, [], training=True, epsilon=epsilon)
    np.testing.assert_allclose(float(objective), float(reference), rtol=1e-6)
    np.testing.assert_allclose(float(values["loss"]), float(reference), rtol=1e-6)
    for got, want in zip(_gradients(iwae, x, epsilon), expected):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-6)

    # Against the package's ELBO path on the same noise (its Sampling layer
    # patched to draw `epsilon`): the same reconstruction term, hence the
    # same decoder gradients; the ELBO's KL is the closed form, which the
    # reported `negative_elbo` of the IWAE model uses too.
    elbo.sampling.call = lambda inputs: (
        inputs[0] + ops.exp(0.5 * inputs[1]) * (epsilon[0])
    )
    with tf.GradientTape() as tape:
        elbo_objective, elbo_values = elbo._loss_terms(x, [], training=True)
    elbo_gradients = tape.gradient(elbo_objective, decoder.trainable_variables)
    iwae_gradients = _gradients(iwae, x, epsilon)
    decoder_ids = {id(v) for v in decoder.trainable_variables}
    iwae_decoder = [
        g
        for v, g in zip(iwae.trainable_variables, iwae_gradients)
        if id(v) in decoder_ids
    ]
    for got, want in zip(iwae_decoder, elbo_gradients):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-7)
    for key in ("reconstruction_loss", "kl_loss"):
        np.testing.assert_allclose(
            float(values[key]), float(elbo_values[key]), rtol=1e-6
        )
    np.testing.assert_allclose(
        float(values["negative_elbo"]), float(elbo_values["loss"]), rtol=1e-6
    )


def _patterns(count, seed):
    """Three binary patterns with a few pixels flipped: a posterior that
    carries information, so the bounds differ."""
    rng = np.random.default_rng(seed)
    patterns = rng.uniform(size=(3,) + SHAPE) < 0.5
    flips = rng.uniform(size=(count,) + SHAPE) < 0.1
    return (patterns[np.arange(count) % 3] ^ flips).astype("float32")


@pytest.mark.slow
def test_bound_rises_with_k_on_a_trained_model():
    images = _patterns(64, seed=2)
    encoder, decoder = _networks(latent_dim=3)
    trained = keras_vae.VAE(encoder, decoder, seed=0)
    trained.compile(optimizer=keras.optimizers.Adam(3e-3))
    trained.fit(images, epochs=40, batch_size=16, verbose=0)
    x = ops.convert_to_tensor(images)
    models = {
        k: keras_vae.VAE(encoder, decoder, objective="iwae", importance_samples=k)
        for k in (1, 5, 50)
    }
    rng = np.random.default_rng(3)
    bounds = []  # per draw: the bounds for k = 1, 5, 50 on nested samples
    for _ in range(20):
        epsilon = rng.standard_normal((50, 64, 3)).astype("float32")
        bounds.append(
            [
                -float(
                    _terms(model, x, [], training=False, epsilon=epsilon[:k])[1]["loss"]
                )
                for k, model in models.items()
            ]
        )
    bounds = np.array(bounds)
    gains = np.diff(bounds, axis=1)  # (k=5) - (k=1), (k=50) - (k=5)
    standard_errors = gains.std(axis=0) / np.sqrt(len(gains))
    assert np.all(gains.mean(axis=0) > 4 * standard_errors), (bounds.mean(0), gains)
    b50, s50 = bounds[:, 2].mean(), bounds[:, 2].std() / np.sqrt(len(bounds))
    # The evaluation module's independent IWAE (numpy noise, chunked) agrees.
    evaluated = importance_weighted_log_likelihood(trained, images, num_samples=50)
    assert abs(evaluated.mean() - b50) < 4 * s50 + 0.05, (evaluated.mean(), b50)
    # `evaluate` reports the k-sample bound as `loss` (negative) and the ELBO.
    model = models[50]
    model.compile()
    report = model.evaluate(images, batch_size=64, return_dict=True, verbose=0)
    assert abs(-report["loss"] - b50) < 6 * s50 * np.sqrt(len(bounds)) + 0.05
    assert report["negative_elbo"] > report["loss"]


@pytest.mark.slow
@pytest.mark.parametrize("kl_weight", [1.0, 0.5])
def test_dreg_gradients_equal_iwae_gradients_in_expectation(kl_weight):
    x = ops.convert_to_tensor(_images(4, seed=4))
    encoder, decoder = _networks(latent_dim=2, seed=5)
    models = {
        dreg: keras_vae.VAE(
            encoder, decoder, objective="iwae", importance_samples=5, dreg=dreg
        )
        for dreg in (False, True)
    }
    for model in models.values():
        model.kl_weight.assign(kl_weight)  # what KL warm-up does mid-way
    encoder_ids = {id(v) for v in encoder.trainable_variables}
    is_encoder = [id(v) in encoder_ids for v in models[True].trainable_variables]

    @tf.function
    def draw(epsilon):
        plain, doubly = (_gradients(models[d], x, epsilon) for d in (False, True))
        flat = [
            tf.concat([tf.reshape(g, [-1]) for g, e in zip(grads, is_encoder) if e], 0)
            for grads in (plain, doubly)
        ]
        decoder_gap = tf.reduce_max(
            [
                tf.reduce_max(tf.abs(a - b))
                for a, b, e in zip(plain, doubly, is_encoder)
                if not e
            ]
        )
        return flat[0], flat[1], decoder_gap

    rng = np.random.default_rng(6)
    draws = {False: [], True: []}
    for _ in range(1000):
        epsilon = rng.standard_normal((5, 4, 2)).astype("float32")
        plain, doubly, decoder_gap = draw(epsilon)
        draws[False].append(plain.numpy())
        draws[True].append(doubly.numpy())
        # The decoder's gradient is the same on the same noise.
        assert float(decoder_gap) < 1e-5
    plain, doubly = np.array(draws[False]), np.array(draws[True])
    difference = doubly - plain
    standard_error = difference.std(axis=0) / np.sqrt(len(difference))
    informative = standard_error > 0
    z_scores = (
        np.abs(difference.mean(axis=0))[informative] / (standard_error[informative])
    )
    # Several hundred coordinates: under equal expectations |z| > 5 has
    # probability 6e-7 each.
    assert z_scores.max() < 5.0, z_scores.max()
    # The test has power: the mean gradient stands out of its noise ...
    noise = plain.std(axis=0) / np.sqrt(len(plain))
    signal = np.abs(plain.mean(axis=0))[noise > 0] / noise[noise > 0]
    assert (signal > 5).sum() > 10
    # ... and DReG has lower variance, its reason to exist.
    assert doubly.var(axis=0).sum() < plain.var(axis=0).sum()


def test_objective_options_are_checked_and_saved():
    encoder, decoder = _networks()
    vae = keras_vae.VAE(
        encoder, decoder, objective="iwae", importance_samples=7, dreg=False
    )
    restored = keras_vae.VAE.from_config(vae.get_config())
    assert (restored.objective, restored.importance_samples, restored.dreg) == (
        "iwae",
        7,
        False,
    )
    assert [m.name for m in restored.metrics] == [
        "loss",
        "negative_elbo",
        "reconstruction_loss",
        "kl_loss",
    ]
    with pytest.raises(ValueError, match="Received: objective='mle'"):
        keras_vae.VAE(encoder, decoder, objective="mle")
    with pytest.raises(ValueError, match="Received: importance_samples=5"):
        keras_vae.VAE(encoder, decoder, importance_samples=5)
    with pytest.raises(ValueError, match="Received: importance_samples=0"):
        keras_vae.VAE(encoder, decoder, objective="iwae", importance_samples=0)
    with pytest.raises(ValueError, match="Received: free_bits=0.5"):
        keras_vae.VAE(encoder, decoder, objective="iwae", free_bits=0.5)
    with pytest.raises(ValueError, match="Received: dreg='yes'"):
        keras_vae.VAE(encoder, decoder, objective="iwae", dreg="yes")


def test_evaluation_elbo_of_an_iwae_model_is_the_elbo_not_the_bound():
    encoder, decoder = _networks()
    vae = keras_vae.VAE(
        encoder, decoder, objective="iwae", importance_samples=50, seed=0
    )
    vae.compile(optimizer="adam")
    x = _images(count=32)
    elbo = keras_vae.evaluation.elbo(vae, x, seed=3)
    keras.utils.set_random_seed(3)
    bound = vae.evaluate(x, batch_size=500, verbose=0, return_dict=True)["loss"]
    assert elbo["negative_elbo"] == pytest.approx(
        elbo["reconstruction_loss"] + elbo["kl_loss"], rel=1e-5
    )
    # The k = 50 bound is far tighter than the ELBO of untrained networks.
    assert elbo["negative_elbo"] > bound + 0.1


@pytest.mark.slow
def test_mirrored_strategy_scales_the_iwae_objective():
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    result = subprocess.run(
        [sys.executable, "-m", "tests.mirrored_iwae_training"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    line = next(t for t in result.stdout.splitlines() if t.startswith("RESULTS "))
    results = json.loads(line[len("RESULTS ") :])
    for dreg in ("plain", "dreg"):
        single, mirrored = results[f"{dreg}_single"], results[f"{dreg}_mirrored"]
        assert mirrored["replicas"] == 2 and single["replicas"] == 1
        for key in ("loss", "negative_elbo", "kl_loss"):
            np.testing.assert_allclose(
                mirrored["history"][key], single["history"][key], rtol=1e-5
            )
        gap = np.abs(np.subtract(mirrored["weights"], single["weights"])).max()
        assert gap < 1e-6, (dreg, gap)
        # An objective summed, not averaged, over replicas is a doubled
        # step under SGD: far further off.
        wrong = results[f"{dreg}_single_double_step"]
        wrong_gap = np.abs(np.subtract(wrong["weights"], single["weights"])).max()
        assert wrong_gap > 1e-3 and wrong_gap > 100 * gap, (dreg, wrong_gap, gap)


def test_dreg_keeps_the_networks_regularisers():
    x = ops.convert_to_tensor(_images(4))
    epsilon = np.random.default_rng(7).standard_normal((3, 4, 2)).astype("float32")

    def vae(regularizer):
        keras.utils.set_random_seed(0)
        inputs = keras.Input(SHAPE)
        hidden = keras.layers.Dense(8, kernel_regularizer=regularizer)(
            keras.layers.Flatten()(inputs)
        )
        encoder = keras.Model(
            inputs,
            [
                keras.layers.Dense(2, name="z_mean")(hidden),
                keras.layers.Dense(2)(hidden),
            ],
        )
        decoder = small_encoder_decoder("mlp", SHAPE, 2)[1]
        return keras_vae.VAE(encoder, decoder, objective="iwae", importance_samples=3)

    plain, penalised = vae(None), vae(keras.regularizers.L2(0.5))

    def dreg_gradients(model):
        with tf.GradientTape(persistent=True) as tape:
            objective, _, z, log_weights = _terms(
                model, x, [], training=True, epsilon=epsilon
            )
            penalty = [ops.sum(loss) for loss in model.encoder.losses]
        return _dreg_gradients(model, tape, objective, penalty, z, log_weights)

    kernel = penalised.encoder.layers[2].kernel
    without, with_penalty = dreg_gradients(plain), dreg_gradients(penalised)
    index = [id(v) for v in penalised.trainable_variables].index(id(kernel))
    np.testing.assert_allclose(
        with_penalty[index], without[index] + 2 * 0.5 * np.asarray(kernel), rtol=1e-5
    )
    # And `fit` takes that path: the penalty lowers the kernel's norm.
    penalised.compile(optimizer=keras.optimizers.SGD(0.1))
    before = float(ops.sum(kernel**2))
    penalised.fit(_images(16), epochs=3, batch_size=8, verbose=0)
    assert float(ops.sum(kernel**2)) < 0.8 * before


@pytest.mark.parametrize("conditional", [False, True])
def test_log_weights_match_the_evaluation_module(conditional):
    """The training objective's log weights against the independent ones
    of `keras_vae.evaluation` (which tile the labels their own way)."""
    from keras_vae.evaluation.likelihood_bounds import _log_weight_function

    x = _images(6)
    labels = np.array([0, 1, 2, 0, 1, 2], "int32")
    keras.utils.set_random_seed(0)
    encoder, decoder = small_encoder_decoder(
        "mlp", SHAPE, 2, num_classes=3 if conditional else None
    )
    model_class = keras_vae.ConditionalVAE if conditional else keras_vae.VAE
    epsilon = np.random.default_rng(8).standard_normal((4, 6, 2)).astype("float32")
    for dreg in (False, True):
        vae = model_class(
            encoder, decoder, objective="iwae", importance_samples=4, dreg=dreg
        )
        conditions = [ops.convert_to_tensor(labels)] if conditional else []
        _, values, _, log_weights = _terms(
            vae, ops.convert_to_tensor(x), conditions, training=True, epsilon=epsilon
        )
        z_mean, z_log_var = vae.encode(x, labels=labels if conditional else None)
        expected = _log_weight_function(vae)(
            x, z_mean, z_log_var, epsilon, labels if conditional else labels[:0]
        )
        np.testing.assert_allclose(log_weights, expected, rtol=1e-5, atol=1e-4)
        bound = np.log(np.mean(np.exp(np.asarray(expected, "float64")), axis=0))
        np.testing.assert_allclose(-float(values["loss"]), bound.mean(), rtol=1e-5)
