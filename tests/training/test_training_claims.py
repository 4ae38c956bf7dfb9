"""What `fit` and `evaluate` report and do, against independent references:
the reported loss under beta, free bits and warm-up, mixed-precision loss
scaling, KL warm-up by steps, and refused sample weights."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_vae


def make_vae(shape=(8,), latent_dim=3, optimizer=None, **kwargs):
    keras.utils.set_random_seed(0)
    encoder = keras_vae.build_mlp_encoder(shape, latent_dim, hidden_units=(16,))
    decoder = keras_vae.build_mlp_decoder(latent_dim, shape, hidden_units=(16,))
    vae = keras_vae.VAE(encoder, decoder, seed=0, **kwargs)
    vae.compile(optimizer=optimizer or keras.optimizers.Adam(1e-2))
    return vae


def uniform(count, shape=(8,), seed=0):
    rng = np.random.default_rng(seed)
    return rng.uniform(size=(count,) + shape).astype("float32")


def numpy_kl(vae, x):
    """KL(q(z|x) || N(0, I)) summed over latents, averaged over the batch."""
    z_mean, z_log_var = (np.asarray(t, "float64") for t in vae.encoder(x))
    per_example = 0.5 * (z_mean**2 + np.exp(z_log_var) - 1.0 - z_log_var).sum(-1)
    return per_example.mean()


class CheckReportedLoss(keras.callbacks.Callback):
    """Before each step, computes the KL of the batch with numpy; after it,
    checks the reported `kl_loss` and `loss` (one step per epoch, so the
    logs hold that step's values)."""

    def __init__(self, x):
        super().__init__()
        self.x = x
        self.checked = []

    def on_train_batch_begin(self, batch, logs=None):
        self.expected_kl = numpy_kl(self.model, self.x)

    def on_train_batch_end(self, batch, logs=None):
        kl_weight = float(self.model.kl_weight.numpy())
        self.checked.append((kl_weight, self.expected_kl, dict(logs)))


def test_reported_loss_is_the_negative_elbo_whatever_beta_free_bits_or_warmup():
    x = uniform(16)
    # beta = 3 and 2 nats of free bits per dimension: a fresh encoder's KL
    # is far below the free bits, so the objective's KL term is 3 * 3 * 2
    # = 18 nats while the ELBO's is the true KL (about 0.1 nats).
    vae = make_vae(beta=3.0, free_bits=2.0)
    check = CheckReportedLoss(x)
    vae.fit(
        x,
        batch_size=16,
        epochs=5,
        shuffle=False,
        verbose=0,
        callbacks=[keras_vae.KLWarmup(steps=4), check],
    )
    weights = [weight for weight, _, _ in check.checked]
    np.testing.assert_allclose(weights, [0.0, 0.75, 1.5, 2.25, 3.0], atol=1e-6)
    for _, expected_kl, logs in check.checked:
        assert expected_kl < 2.0  # free bits are active in every dimension
        assert logs["kl_loss"] == pytest.approx(expected_kl, rel=1e-4, abs=1e-5)
        assert logs["loss"] == pytest.approx(
            logs["reconstruction_loss"] + expected_kl, rel=1e-5
        )
    # evaluate reports the same quantities with the weight at beta.
    results = vae.evaluate(x, batch_size=16, verbose=0, return_dict=True)
    assert results["kl_loss"] == pytest.approx(numpy_kl(vae, x), rel=1e-4)
    assert results["loss"] == pytest.approx(
        results["reconstruction_loss"] + numpy_kl(vae, x), rel=1e-5
    )


def loss_drop(policy, x, steps):
    keras.config.set_dtype_policy(policy)
    vae = make_vae((28, 28, 1), 4, optimizer=keras.optimizers.SGD(3e-3))
    before = vae.evaluate(x, batch_size=64, verbose=0, return_dict=True)
    vae.fit(x, batch_size=64, epochs=steps // (len(x) // 64), verbose=0)
    after = vae.evaluate(x, batch_size=64, verbose=0, return_dict=True)
    keras.config.set_dtype_policy("float32")
    return before["reconstruction_loss"] - after["reconstruction_loss"]


def test_mixed_float16_training_lowers_the_loss_as_float32_does(mnist_small):
    x = mnist_small[0][:256]
    # SGD at 3e-3 for 32 steps stays clear of the unstable regime, where
    # noise alone (XLA draws other normals) makes drops differ by 30%.
    reference = loss_drop("float32", x, 32)
    mixed = loss_drop("mixed_float16", x, 32)
    assert reference > 100.0
    # Without loss scaling (or with the scale left on the gradients) the
    # updates are 2**15 times off and the drop is ~0 or diverges.
    assert mixed == pytest.approx(reference, rel=0.25)


def test_kl_warmup_by_steps_under_steps_per_execution():
    x = uniform(64)
    vae = make_vae(beta=0.5)
    vae.compile(optimizer=keras.optimizers.Adam(1e-3), steps_per_execution=8)
    history = vae.fit(
        x,
        batch_size=4,
        epochs=3,
        verbose=0,
        callbacks=[keras_vae.KLWarmup(steps=40)],
    )
    # 16 steps per epoch run as two executions of 8; the weight is set
    # before each execution, from the optimizer's step count: the last
    # settings of the three epochs are at steps 8, 24 and 40.
    np.testing.assert_allclose(
        history.history["kl_weight"], [0.5 * 8 / 40, 0.5 * 24 / 40, 0.5], atol=1e-6
    )
    assert int(vae.optimizer.iterations.numpy()) == 48


def test_kl_warmup_errors():
    with pytest.raises(ValueError, match="Received: epochs=2, steps=3"):
        keras_vae.KLWarmup(epochs=2, steps=3)
    with pytest.raises(ValueError, match="Received: steps=0"):
        keras_vae.KLWarmup(steps=0)
    with pytest.raises(ValueError, match="Received: epochs=-1"):
        keras_vae.KLWarmup(epochs=-1)
    x = uniform(8)
    unknown_length = (
        tf.data.Dataset.from_tensor_slices(x).filter(lambda image: True).batch(4)
    )
    vae = make_vae()
    with pytest.raises(ValueError, match="Received: steps per epoch=None"):
        vae.fit(unknown_length, epochs=1, verbose=0, callbacks=[keras_vae.KLWarmup(2)])
    encoder = keras_vae.build_mlp_encoder((8,), 3, variational=False)
    decoder = keras_vae.build_mlp_decoder(3, (8,))
    autoencoder = keras_vae.Autoencoder(encoder, decoder)
    autoencoder.compile()
    with pytest.raises(ValueError, match="Received: model of type Autoencoder"):
        autoencoder.fit(x, epochs=1, verbose=0, callbacks=[keras_vae.KLWarmup(1)])


def test_sample_weights_are_refused():
    x = uniform(8)
    vae = make_vae()
    with pytest.raises(ValueError, match="does not support sample weights"):
        vae.fit(x, sample_weight=np.ones(8), epochs=1, verbose=0)
    with pytest.raises(ValueError, match="does not support sample weights"):
        vae.evaluate(x, sample_weight=np.ones(8), verbose=0)
    weighted = tf.data.Dataset.from_tensor_slices((x, x, np.ones(8))).batch(4)
    with pytest.raises(ValueError, match="does not support sample weights"):
        vae.fit(weighted, epochs=1, verbose=0)


def test_autoencoder_evaluate_reports_the_bernoulli_nll():
    x = uniform(12, seed=1)
    keras.utils.set_random_seed(0)
    encoder = keras_vae.build_mlp_encoder(
        (8,), 3, hidden_units=(16,), variational=False
    )
    decoder = keras_vae.build_mlp_decoder(3, (8,), hidden_units=(16,))
    autoencoder = keras_vae.Autoencoder(encoder, decoder)
    autoencoder.compile()
    autoencoder.fit(x, batch_size=4, epochs=2, verbose=0)
    results = autoencoder.evaluate(x, batch_size=12, verbose=0, return_dict=True)
    assert set(results) == {"loss", "reconstruction_loss"}
    logits = np.asarray(decoder(encoder(x)), "float64")
    # Bernoulli NLL: softplus(l) - x * l, summed over pixels.
    nll = (np.logaddexp(0.0, logits) - x * logits).sum(-1).mean()
    assert results["loss"] == pytest.approx(nll, rel=1e-5)
    assert results["reconstruction_loss"] == pytest.approx(nll, rel=1e-5)
