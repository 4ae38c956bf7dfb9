import keras
import numpy as np
import pytest
import tensorflow as tf
from keras import ops

import keras_vae
from keras_vae.losses import free_bits_kl
from tests.roundtrip import run_model_saving_test
from tests.roundtrip import run_serialization_test
from tests.small_networks import small_encoder_decoder


def make_vae(shape=(28, 28, 1), latent_dim=4, architecture="mlp", **kwargs):
    encoder, decoder = small_encoder_decoder(architecture, shape, latent_dim)
    vae = keras_vae.VAE(encoder, decoder, seed=0, **kwargs)
    vae.compile(optimizer=keras.optimizers.Adam(1e-3))
    return vae


def test_fit_lowers_the_loss_on_real_mnist(mnist_small):
    train, _ = mnist_small
    vae = make_vae()
    history = vae.fit(train, batch_size=64, epochs=4, verbose=0)
    losses = history.history["loss"]
    assert set(history.history) == {"loss", "reconstruction_loss", "kl_loss"}
    assert losses[-1] < losses[0] - 100
    np.testing.assert_allclose(
        losses,
        np.add(history.history["reconstruction_loss"], history.history["kl_loss"]),
        rtol=1e-4,
    )


def test_validation_data_and_evaluate(mnist_small):
    train, test = mnist_small
    vae = make_vae()
    dataset = keras_vae.data.load_dataset(train, batch_size=128, seed=0)
    history = vae.fit(dataset, epochs=2, validation_data=test, verbose=0)
    assert {"val_loss", "val_reconstruction_loss", "val_kl_loss"} <= set(
        history.history
    )
    results = vae.evaluate(test, batch_size=128, verbose=0, return_dict=True)
    assert results["loss"] == pytest.approx(
        results["reconstruction_loss"] + results["kl_loss"], rel=1e-4
    )
    assert results["kl_loss"] > 0


def test_predict_decodes_the_posterior_mean(mnist_small):
    _, test = mnist_small
    vae = make_vae()
    x = test[:8]
    first = vae.predict(x, verbose=0)
    np.testing.assert_array_equal(first, vae.predict(x, verbose=0))
    z_mean, _ = vae.encode(x)
    np.testing.assert_allclose(first, vae.decoder.predict(z_mean, verbose=0), atol=1e-5)
    sampled = ops.convert_to_numpy(vae(x, training=True))
    assert not np.allclose(sampled, first)


def test_beta_zero_collapses_variances_and_beta_one_keeps_them(mnist_small):
    train, test = mnist_small
    variances = {}
    for beta in (0.0, 1.0):
        keras.utils.set_random_seed(0)
        vae = make_vae(latent_dim=16, beta=beta)
        vae.fit(train, batch_size=32, epochs=10, verbose=0)
        _, z_log_var = vae.encode(test)
        variances[beta] = float(np.exp(z_log_var).mean())
    assert variances[0.0] < 0.1
    assert variances[1.0] > 0.25
    assert variances[1.0] > 5 * variances[0.0]


def test_kl_term_reaches_losses_with_beta_and_free_bits():
    vae = make_vae(beta=2.5, free_bits=0.5)
    x = np.random.default_rng(0).uniform(size=(16, 28, 28, 1)).astype("float32")
    vae(x, training=True)
    assert len(vae.losses) == 1
    z_mean, z_log_var = vae.encoder(x)
    expected = 2.5 * float(ops.convert_to_numpy(free_bits_kl(z_mean, z_log_var, 0.5)))
    assert float(ops.convert_to_numpy(vae.losses[0])) == pytest.approx(
        expected, rel=1e-5
    )


def test_user_methods(mnist_small):
    _, test = mnist_small
    vae = make_vae()
    z_mean, z_log_var = vae.encode(test[:5])
    assert z_mean.shape == z_log_var.shape == (5, 4)
    images = vae.decode(z_mean)
    assert images.shape == (5, 28, 28, 1)
    assert images.min() >= 0 and images.max() <= 1
    np.testing.assert_allclose(vae.reconstruct(test[:5]), images, atol=1e-5)
    np.testing.assert_array_equal(vae.sample(3, seed=5), vae.sample(3, seed=5))
    assert not np.allclose(vae.sample(3, seed=5), vae.sample(3, seed=6))
    assert not np.allclose(vae.sample(3), vae.sample(3))
    path = vae.interpolate(test[0], test[1], steps=5)
    assert path.shape == (5, 28, 28, 1)
    np.testing.assert_allclose(path[0], images[0], atol=1e-5)
    np.testing.assert_allclose(path[-1], images[1], atol=1e-5)
    assert vae.interpolate(test[:2], test[2:4], steps=3).shape == (2, 3, 28, 28, 1)


@pytest.mark.parametrize("likelihood", ["bernoulli", "gaussian"])
@pytest.mark.parametrize("architecture", ["mlp", "conv"])
def test_likelihoods_architectures_and_non_square_inputs(likelihood, architecture):
    shape = (10, 7, 3)
    x = np.random.default_rng(0).uniform(size=(32,) + shape).astype("float32")
    vae = make_vae(shape, 3, architecture, likelihood=likelihood)
    history = vae.fit(x, batch_size=16, epochs=2, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert vae.sample(2, seed=0).shape == (2,) + shape


def test_learned_gaussian_scale_is_trained():
    x = np.random.default_rng(0).uniform(size=(64, 8)).astype("float32")
    likelihood = keras_vae.GaussianLikelihood(scale=1.0, learn_scale=True)
    vae = make_vae((8,), 2, likelihood=likelihood)
    assert any(w is likelihood.log_scale for w in vae.trainable_weights)
    vae.fit(x, batch_size=16, epochs=3, verbose=0)
    assert float(likelihood.log_scale.numpy()) < -0.01


def test_keras_file_round_trip(mnist_small, tmp_path):
    train, test = mnist_small
    vae = make_vae(likelihood=keras_vae.BernoulliLikelihood(binarize=True, seed=2))
    vae.fit(train[:256], batch_size=64, epochs=1, verbose=0)
    loaded = run_model_saving_test(vae, test[:16], tmp_path)
    assert loaded.likelihood.binarize
    np.testing.assert_allclose(
        loaded.sample(4, seed=9), vae.sample(4, seed=9), atol=1e-6
    )
    # The random streams continue where the saved model left them.
    np.testing.assert_allclose(loaded.sample(4), vae.sample(4), atol=1e-6)
    # Further training continues from the same weights and optimizer state.
    results = []
    for model in (vae, loaded):
        keras.utils.set_random_seed(3)
        history = model.fit(
            train[:256], batch_size=64, epochs=1, shuffle=False, verbose=0
        )
        results.append(history.history["loss"][0])
    assert results[0] == pytest.approx(results[1], rel=1e-5)


def test_config_round_trip_of_every_class():
    vae = make_vae(beta=0.5, free_bits=0.1, likelihood="gaussian")
    revived = run_serialization_test(vae)
    assert (revived.beta, revived.free_bits, revived.seed) == (0.5, 0.1, 0)
    encoder, decoder = keras_vae.build_encoder_decoder("conv", (9, 9, 1), 2, False)
    run_serialization_test(keras_vae.Autoencoder(encoder, decoder))


def test_keras_callbacks_work(mnist_small, tmp_path):
    train, test = mnist_small
    vae = make_vae()
    callbacks = [
        keras.callbacks.EarlyStopping(monitor="val_loss", patience=1),
        keras.callbacks.ModelCheckpoint(tmp_path / "best.keras", save_best_only=True),
        keras.callbacks.BackupAndRestore(tmp_path / "backup"),
        keras.callbacks.TensorBoard(tmp_path / "logs"),
    ]
    vae.fit(
        train[:256],
        batch_size=64,
        epochs=2,
        validation_data=test[:64],
        callbacks=callbacks,
        verbose=0,
    )
    best = keras.saving.load_model(tmp_path / "best.keras")
    assert isinstance(best, keras_vae.VAE)
    assert list((tmp_path / "logs").rglob("events.out.tfevents*"))


def test_kl_warmup_ramps_to_beta(mnist_small):
    train, _ = mnist_small
    vae = make_vae(beta=0.8)
    # One step per execution: the weight changes every step (under the
    # default 8 it changes every 8; test_training_claims covers that).
    vae.compile(optimizer=keras.optimizers.Adam(1e-3), steps_per_execution=1)
    history = vae.fit(
        train[:256],
        batch_size=64,
        epochs=3,
        verbose=0,
        callbacks=[keras_vae.KLWarmup(epochs=2)],
    )
    weights = history.history["kl_weight"]
    # 4 steps per epoch: the last step of epoch 1 uses 3/8, of epoch 2 7/8.
    np.testing.assert_allclose(weights, [0.8 * 3 / 8, 0.8 * 7 / 8, 0.8], rtol=1e-5)
    with pytest.raises(ValueError, match="Received: epochs=None, steps=None"):
        keras_vae.KLWarmup()


@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"])
def test_mixed_precision_trains_with_float32_outputs(mnist_small, policy):
    train, _ = mnist_small
    keras.config.set_dtype_policy(policy)
    vae = make_vae()
    # Loss scaling where float16 needs it; bfloat16 has float32's range.
    assert isinstance(vae.optimizer, keras.optimizers.LossScaleOptimizer) == (
        policy == "mixed_float16"
    )
    assert vae.encoder.layers[2].compute_dtype == policy.split("_")[1]
    history = vae.fit(train[:256], batch_size=64, epochs=2, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))
    assert vae.decoder.output.dtype == "float32"


def bad_fit_inputs():
    good = np.full((4, 28, 28, 1), 0.5, "float32")
    nan = good.copy()
    nan[1, 2, 3, 0] = np.nan
    inf = good.copy()
    inf[0, 0, 0, 0] = np.inf
    return [
        (good[..., 0], r"Received: x.shape=\(4, 28, 28\)"),
        (good.reshape(4, -1), r"Received: x.shape=\(4, 784\)"),
        (nan, r"NaN or Inf.*index \(1, 2, 3, 0\)"),
        (inf, "NaN or Inf"),
        (good * 3, r"Received: x with min=1.5, max=1.5"),
        (good[:0], r"empty. Received: x.shape=\(0, 28, 28, 1\)"),
        (good.astype("complex64"), "Received: x.dtype=complex64"),
        (
            tf.data.Dataset.from_tensor_slices(good),
            "Batch an unbatched dataset",
        ),
        (
            tf.data.Dataset.from_tensor_slices(good.astype("uint8")).batch(2),
            "Received: x element dtype uint8",
        ),
    ]


@pytest.mark.parametrize("x, message", bad_fit_inputs())
def test_bad_training_data_is_refused(x, message):
    vae = make_vae()
    with pytest.raises(ValueError, match=message):
        vae.fit(x, epochs=1, verbose=0)


def test_bad_validation_data_is_refused():
    vae = make_vae()
    good = np.full((4, 28, 28, 1), 0.5, "float32")
    with pytest.raises(ValueError, match="Received: validation_data.shape"):
        vae.fit(good, validation_data=good[:, :27], epochs=1, verbose=0)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"beta": -1.0}, "Received: beta=-1.0"),
        ({"beta": float("nan")}, "Received: beta=nan"),
        ({"free_bits": -0.1}, "Received: free_bits=-0.1"),
        ({"likelihood": "laplace"}, "Received: likelihood='laplace'"),
    ],
)
def test_bad_model_arguments(kwargs, message):
    encoder, decoder = keras_vae.build_encoder_decoder("mlp", (4,), 2)
    with pytest.raises(ValueError, match=message):
        keras_vae.VAE(encoder, decoder, **kwargs)


def test_mismatched_networks_are_refused():
    encoder, _ = keras_vae.build_encoder_decoder("mlp", (4,), 2)
    _, other_decoder = keras_vae.build_encoder_decoder("mlp", (4,), 3)
    with pytest.raises(ValueError, match=r"Received: encoder outputs \[\(2,\)\]"):
        keras_vae.VAE(encoder, other_decoder)
    _, wrong_shape = keras_vae.build_encoder_decoder("mlp", (5,), 2)
    with pytest.raises(ValueError, match=r"decoder output \(5,\)"):
        keras_vae.VAE(encoder, wrong_shape)
    ae_encoder, decoder = keras_vae.build_encoder_decoder("mlp", (4,), 2, False)
    with pytest.raises(ValueError, match=r"variational=True.*\['z'\]"):
        keras_vae.VAE(ae_encoder, decoder)
    with pytest.raises(ValueError, match="Received: encoder="):
        keras_vae.VAE(keras.layers.Dense(2), decoder)


def test_compile_refuses_a_loss():
    encoder, decoder = keras_vae.build_encoder_decoder("mlp", (4,), 2)
    with pytest.raises(ValueError, match="Received: loss='mse'"):
        keras_vae.VAE(encoder, decoder).compile(loss="mse")


def test_sample_and_interpolate_arguments_are_checked():
    vae = make_vae((4,), 2)
    with pytest.raises(ValueError, match="Received: n=0"):
        vae.sample(0)
    with pytest.raises(ValueError, match="Received: steps=1"):
        vae.interpolate(np.zeros(4), np.zeros(4), steps=1)
    with pytest.raises(ValueError, match=r"x_b.shape=\(3,\)"):
        vae.interpolate(np.zeros(4), np.zeros(3))
    with pytest.raises(ValueError, match=r"Received: z.shape=\(2, 3\)"):
        vae.decode(np.zeros((2, 3)))
