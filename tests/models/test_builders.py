import numpy as np
import pytest

import keras_vae
from keras_vae.models import builders

SHAPES = [(28, 28, 1), (30, 20, 3), (7, 9, 1)]


@pytest.mark.parametrize("shape", SHAPES + [(784,)])
def test_mlp_shapes(shape):
    encoder = builders.build_mlp_encoder(shape, 4, hidden_units=(8,))
    decoder = builders.build_mlp_decoder(4, shape, hidden_units=(8,))
    x = np.zeros((2,) + shape, "float32")
    z_mean, z_log_var = encoder(x)
    assert z_mean.shape == (2, 4) and z_log_var.shape == (2, 4)
    assert decoder(z_mean).shape == (2,) + shape
    assert encoder.output_names == ["z_mean", "z_log_var"]


@pytest.mark.parametrize("shape", SHAPES)
def test_conv_shapes_include_non_powers_of_two(shape):
    encoder = builders.build_conv_encoder(shape, 3, filters=(4, 8), dense_units=(8,))
    decoder = builders.build_conv_decoder(3, shape, filters=(8, 4))
    z_mean, _ = encoder(np.zeros((2,) + shape, "float32"))
    assert decoder(z_mean).shape == (2,) + shape
    assert decoder.output_shape == (None,) + shape


def test_plain_autoencoder_encoder_has_one_output():
    encoder, _ = builders.build_encoder_decoder("mlp", (6, 6, 1), 2, variational=False)
    assert encoder.output_names == ["z"]


def test_decoder_outputs_float32_under_mixed_precision():
    import keras

    keras.config.set_dtype_policy("mixed_float16")
    decoder = builders.build_conv_decoder(3, (10, 10, 1), filters=(4,))
    assert decoder(np.zeros((1, 3), "float32")).dtype == "float32"


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: builders.build_mlp_encoder((28, 28), 0), "Received: latent_dim=0"),
        (lambda: builders.build_mlp_decoder(-2, (4,)), "Received: latent_dim=-2"),
        (lambda: builders.build_mlp_encoder((0, 3), 2), "Received: input_shape="),
        (
            lambda: builders.build_conv_encoder((28, 28), 2),
            r"Received: input_shape=\(28, 28\)",
        ),
        (
            lambda: builders.build_encoder_decoder("rnn", (4,), 2),
            "Received: architecture='rnn'",
        ),
        (
            lambda: builders.build_mlp_encoder((4,), 2, hidden_units=(0,)),
            "Received: hidden_units=0",
        ),
    ],
)
def test_bad_builder_arguments(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_builders_are_public():
    assert keras_vae.build_conv_decoder is builders.build_conv_decoder
