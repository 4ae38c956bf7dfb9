import keras
import numpy as np
import pytest

import keras_vae
from tests.roundtrip import run_model_saving_test


def make_autoencoder(shape=(28, 28, 1), latent_dim=4):
    encoder = keras_vae.build_mlp_encoder(
        shape, latent_dim, hidden_units=(64,), variational=False
    )
    decoder = keras_vae.build_mlp_decoder(latent_dim, shape, hidden_units=(64,))
    autoencoder = keras_vae.Autoencoder(encoder, decoder)
    autoencoder.compile(optimizer=keras.optimizers.Adam(1e-3))
    return autoencoder


def test_autoencoder_trains_on_reconstruction_alone(mnist_small, tmp_path):
    train, test = mnist_small
    autoencoder = make_autoencoder()
    history = autoencoder.fit(
        train, batch_size=64, epochs=3, validation_data=test, verbose=0
    )
    assert set(history.history) == {
        "loss",
        "reconstruction_loss",
        "val_loss",
        "val_reconstruction_loss",
    }
    assert history.history["loss"][-1] < history.history["loss"][0] - 100
    # Deterministic: no sampling anywhere.
    np.testing.assert_array_equal(
        autoencoder.predict(test[:4], verbose=0),
        autoencoder.predict(test[:4], verbose=0),
    )
    assert autoencoder.encode(test[:4]).shape == (4, 4)
    assert autoencoder.interpolate(test[0], test[1], 4).shape == (4, 28, 28, 1)
    run_model_saving_test(autoencoder, test[:8], tmp_path)


def test_autoencoder_refuses_a_variational_encoder():
    encoder, decoder = keras_vae.build_encoder_decoder("mlp", (4,), 2)
    with pytest.raises(ValueError, match=r"variational=False.*z_mean"):
        keras_vae.Autoencoder(encoder, decoder)
