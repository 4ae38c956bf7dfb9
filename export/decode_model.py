"""The graph that every format exports: `z` (and the label of a conditional
model) to the decoder's mean image.

Built from the decoder alone (the encoder is never traced or tracked), in
float32 whatever policy the model trained with, ending in the model's own
likelihood (its `mean`: sigmoid for Bernoulli, the continuous Bernoulli
mean, the identity for Gaussian, or a user's own), with an optional uint8
image output.
"""

import keras
import numpy as np
from keras import ops

from keras_vae import likelihoods


@keras.saving.register_keras_serializable(package="keras_vae")
class Uint8Image(keras.layers.Layer):
    """Maps an image in [0, 1] to uint8 pixels (clipped, rounded)."""

    def call(self, image):
        return ops.cast(ops.round(ops.clip(image, 0.0, 1.0) * 255.0), "uint8")

    def compute_output_shape(self, input_shape):
        return input_shape


def _float32_policies(config):
    if isinstance(config, dict):
        if "DTypePolicy" in str(config.get("class_name", "")):
            return "float32"
        return {key: _float32_policies(value) for key, value in config.items()}
    if isinstance(config, list):
        return [_float32_policies(value) for value in config]
    return config


def float32_copy(layer):
    """A float32 copy of a functional network or layer, same weights."""
    config = keras.layers.serialize(layer)
    copy = keras.layers.deserialize(_float32_policies(config))
    if not copy.built and hasattr(layer, "_build_shapes_dict"):
        copy.build_from_config(layer.get_build_config() or {})
    copy.set_weights(layer.get_weights())
    return copy


def input_entries(vae):
    """The exported graph's inputs, in order, as the manifest lists them.

    Returns:
        A list of dicts with `role`, `name`, `shape` (-1 for the batch) and
        `dtype`: `z` first, then `label` for a conditional model.
    """
    entries = [
        {"role": "z", "name": "z", "shape": [-1, vae.latent_dim], "dtype": "float32"}
    ]
    if vae.num_classes is not None:
        entries.append(
            {"role": "label", "name": "label", "shape": [-1], "dtype": "int32"}
        )
    return entries


def build_decode_model(vae, uint8_output=False):
    """Builds the exported graph `[z, label?] -> [image, image_uint8?]`.

    Args:
        vae: a trained `keras_vae.VAE` (or `ConditionalVAE`).
        uint8_output: bool. Add a second output with uint8 pixels.

    Returns:
        A called functional `keras.Model` named `"decode"`.
    """
    decoder = float32_copy(vae.decoder)
    likelihood = float32_copy(vae.likelihood)
    inputs = [
        keras.Input(tuple(e["shape"][1:]), name=e["name"], dtype=e["dtype"])
        for e in input_entries(vae)
    ]
    network_inputs = inputs[0] if len(inputs) == 1 else inputs
    image = likelihood(decoder(network_inputs))
    outputs = [image, Uint8Image(name="image_uint8")(image)] if uint8_output else image
    model = keras.Model(network_inputs, outputs, name="decode")
    model(example_inputs(input_entries(vae), 1))
    return model


def example_inputs(entries, batch_size, seed=0, num_classes=None):
    """Fixed inputs of the exported graph for `batch_size` examples.

    Latents come from N(0, I) with numpy's generator seeded `seed`; labels
    cycle through the classes.

    Returns:
        One array, or a list of arrays in `entries` order.
    """
    rng = np.random.default_rng(seed)
    arrays = []
    for entry in entries:
        if entry["role"] == "label":
            arrays.append(np.arange(batch_size, dtype="int32") % (num_classes or 1))
        else:
            shape = (batch_size, *entry["shape"][1:])
            arrays.append(rng.standard_normal(shape, dtype=np.float32))
    return arrays[0] if len(arrays) == 1 else arrays


def likelihood_name(vae):
    """The registered name of the model's likelihood (its class name when
    it is not a built-in)."""
    return likelihoods.name_of(vae.likelihood)
