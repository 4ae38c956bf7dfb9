"""The graph that every format exports: `z` to the decoder's mean image.

Built from the decoder alone (the encoder is never traced or tracked), in
float32 whatever policy the VAE trained with, with the likelihood's mean
applied (sigmoid for Bernoulli) and an optional uint8 image output.
"""

import keras
import numpy as np
from keras import ops

MEAN_FUNCTIONS = ("bernoulli", "gaussian")


@keras.saving.register_keras_serializable(package="keras_vae")
class MeanImage(keras.layers.Layer):
    """Turns decoder parameters into the mean image.

    Args:
        likelihood: `"bernoulli"` (sigmoid of logits) or `"gaussian"`
            (identity).
        **kwargs: base layer arguments.
    """

    def __init__(self, likelihood, **kwargs):
        super().__init__(**kwargs)
        if likelihood not in MEAN_FUNCTIONS:
            raise ValueError(
                f"likelihood must be one of {MEAN_FUNCTIONS}. Received: "
                f"likelihood={likelihood!r}"
            )
        self.likelihood = likelihood

    def call(self, params):
        params = ops.cast(params, "float32")
        return ops.sigmoid(params) if self.likelihood == "bernoulli" else params

    def get_config(self):
        config = super().get_config()
        config.update({"likelihood": self.likelihood})
        return config


@keras.saving.register_keras_serializable(package="keras_vae")
class Uint8Image(keras.layers.Layer):
    """Maps an image in [0, 1] to uint8 pixels (clipped, rounded)."""

    def call(self, image):
        return ops.cast(ops.round(ops.clip(image, 0.0, 1.0) * 255.0), "uint8")


def _float32_policies(config):
    if isinstance(config, dict):
        if "DTypePolicy" in str(config.get("class_name", "")):
            return "float32"
        return {key: _float32_policies(value) for key, value in config.items()}
    if isinstance(config, list):
        return [_float32_policies(value) for value in config]
    return config


def float32_decoder(decoder):
    """A float32 copy of a functional decoder, with the same weights."""
    config = _float32_policies(decoder.get_config())
    copy = keras.Model.from_config(config)
    copy.set_weights(decoder.get_weights())
    return copy


def likelihood_name(vae):
    """`"bernoulli"` or `"gaussian"`: the VAE's observation model."""
    return type(vae.likelihood).name_in_config


def build_decode_model(vae, uint8_output=False):
    """Builds the exported graph `z -> [image, image_uint8?]`.

    Args:
        vae: a trained `keras_vae.VAE`.
        uint8_output: bool. Add a second output with uint8 pixels.

    Returns:
        A called functional `keras.Model` named `"decode"`.
    """
    decoder = float32_decoder(vae.decoder)
    z = keras.Input((vae.latent_dim,), name="z", dtype="float32")
    image = MeanImage(likelihood_name(vae), name="image")(decoder(z))
    outputs = [image, Uint8Image(name="image_uint8")(image)] if uint8_output else image
    model = keras.Model(z, outputs, name="decode")
    model(np.zeros((1, vae.latent_dim), "float32"))
    return model
