"""The graphs that every format exports.

- The decoder, `decode`: `z` (and the label of a conditional model) to the
  decoder's mean image.
- The sampler, `sample`: uniform noise (and the label) to an image, the
  fitted latent mixture (or the prior) inside the graph as constants; see
  `keras_vae_sampler.uniform_noise` for the noise contract.

Built from the decoder alone (the encoder is never traced or tracked), in
float32 whatever policy the model trained with, ending in the model's own
likelihood (its `mean`: sigmoid for Bernoulli, the continuous Bernoulli
mean, the identity for Gaussian, or a user's own), with an optional uint8
image output.
"""

import keras
import numpy as np
from keras import ops

from keras_vae_sampler import uniform_noise
from keras_vae_sampler.manifest import GRAPH_INPUTS

GRAPHS = tuple(GRAPH_INPUTS)


@keras.saving.register_keras_serializable(package="keras_vae")
class Uint8Image(keras.layers.Layer):
    """Maps an image in [0, 1] to uint8 pixels (clipped, rounded)."""

    def call(self, image):
        return ops.cast(ops.round(ops.clip(image, 0.0, 1.0) * 255.0), "uint8")

    def compute_output_shape(self, input_shape):
        return input_shape


# Fixed-point tables keep 24 bits (float32's precision) of their largest
# value; their scale is applied as two factors, SCALE_BASE and a second one,
# each a power of two that float16 holds exactly (tflite-fp16 stores float
# constants in float16, whose smallest normal number is 2**-14).
FIXED_POINT_BITS = 24
SCALE_BASE = 2.0**-14
SMALLEST_EXPONENT = -4


def fixed_point(table):
    """A float table as int32 values times a power of two.

    Args:
        table: float array.

    Returns:
        `(values, scale)`: int32 `values` with `values * scale` within
        `scale / 2` of `table`; the largest magnitude uses 24 bits (fewer
        for a table smaller than 2**-4 throughout, whose error is then
        below 2**-29), and `scale / SCALE_BASE` is a float16 normal number.
    """
    table = np.asarray(table, "float64")
    largest = float(np.max(np.abs(table))) if table.size else 0.0
    exponent = int(np.ceil(np.log2(largest))) if largest > 0 else 0
    exponent = max(exponent, SMALLEST_EXPONENT)
    scale = 2.0 ** (exponent - FIXED_POINT_BITS)
    return np.round(table / scale).astype("int32"), scale


@keras.saving.register_keras_serializable(package="keras_vae")
class UniformNoiseLatent(keras.layers.Layer):
    """Uniform noise to latents of a Gaussian mixture, in builtin ops.

    The graph form of `keras_vae_sampler.uniform_noise.latents_from_noise`:
    integer thresholds pick the component (of the label's mixture), a
    Box-Muller transform makes the normals, the component's Cholesky factor
    shapes them. No random op: the randomness is the `noise` input.

    Args:
        latent_dim: int. Size of the latent space.
        num_components: int. Components K of each mixture.
        num_mixtures: int. 1, or one per class. Defaults to `1`.
        **kwargs: base layer arguments.

    Call arguments:
        noise: float32 `(batch, 1 + 2 * latent_dim)` in [0, 1).
        labels: int32 `(batch,)` for several mixtures, else `None`. A label
            out of range is clipped here; the sampling model blanks its
            image.

    Example:
    ```python
    tables = uniform_noise.mixture_tables(None, latent_dim=2)  # the prior
    layer = UniformNoiseLatent(2, 1)
    layer.set_tables(tables)
    z = layer(np.full((3, 5), 0.5, "float32"))
    ```

    The means and Cholesky factors are held as int32 fixed-point tables
    with a power-of-two scale each (`fixed_point`): quantisers (dynamic-range
    int8, ai-edge-quantizer's weight-only recipes) rewrite only float
    constants, so the mixture keeps float32's precision in every format,
    while the decoder's weights are quantised as asked.
    """

    def __init__(self, latent_dim, num_components, num_mixtures=1, **kwargs):
        super().__init__(**kwargs)
        self.latent_dim = int(latent_dim)
        self.num_components = int(num_components)
        self.num_mixtures = int(num_mixtures)
        m, k, d = self.num_mixtures, self.num_components, self.latent_dim
        self.thresholds = self.add_weight(
            shape=(m, k), initializer="zeros", trainable=False, dtype="int32",
            name="thresholds",
        )  # fmt: skip
        self.means = self.add_weight(
            shape=(m * k, d), initializer="zeros", trainable=False,
            dtype="int32", name="means",
        )  # fmt: skip
        self.cholesky = self.add_weight(
            shape=(m * k, d, d), initializer="zeros", trainable=False,
            dtype="int32", name="cholesky",
        )  # fmt: skip
        self.scales = self.add_weight(
            shape=(3,), initializer="ones", trainable=False, dtype="float32",
            name="scales",
        )  # fmt: skip
        self.built = True

    def set_tables(self, tables):
        """Sets the mixture from `uniform_noise.mixture_tables(...)`."""
        means, means_scale = fixed_point(tables["means"])
        cholesky, cholesky_scale = fixed_point(tables["cholesky"])
        self.set_weights(
            [
                tables["thresholds"],
                means.reshape(self.means.shape),
                cholesky.reshape(self.cholesky.shape),
                np.array(
                    [SCALE_BASE, means_scale / SCALE_BASE, cholesky_scale / SCALE_BASE],
                    "float32",
                ),
            ]
        )

    def call(self, noise, labels=None):
        d, k = self.latent_dim, self.num_components
        # floor(u0 * 2**24) in two exact steps of 2**12 (float16-safe).
        high = ops.clip(noise[:, 0], 0.0, 1.0) * 4096.0
        coarse = ops.floor(high)
        fine = ops.floor((high - coarse) * 4096.0)
        steps = ops.cast(coarse, "int32") * 4096 + ops.cast(fine, "int32")
        steps = ops.minimum(steps, (1 << uniform_noise.NOISE_BITS) - 1)[:, None]
        if labels is None:
            rows = ops.zeros_like(steps[:, 0])
            thresholds = self.thresholds[:1]
        else:
            rows = ops.clip(ops.cast(labels, "int32"), 0, self.num_mixtures - 1)
            thresholds = ops.take(self.thresholds, rows, axis=0)
        components = ops.sum(ops.cast(steps >= thresholds, "int32"), axis=1)
        index = rows * k + components
        u1 = ops.clip(noise[:, 1 : 1 + d], 0.0, 1.0)
        u2 = ops.clip(noise[:, 1 + d :], 0.0, 1.0)
        gap = ops.maximum(1.0 - u1, float(uniform_noise.SMALLEST_GAP))
        angle = u2 * float(uniform_noise.TWO_PI_HIGH) + u2 * float(
            uniform_noise.TWO_PI_LOW
        )
        eps = ops.sqrt(-2.0 * ops.log(gap)) * ops.cos(angle)
        factors = ops.cast(ops.take(self.cholesky, index, axis=0), "float32")
        means = ops.cast(ops.take(self.means, index, axis=0), "float32")
        means = means * self.scales[0] * self.scales[1]
        factors = factors * self.scales[0] * self.scales[2]
        return means + ops.sum(factors * eps[:, None, :], axis=-1)

    def compute_output_shape(self, noise_shape, labels_shape=None):
        return (noise_shape[0], self.latent_dim)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "latent_dim": self.latent_dim,
                "num_components": self.num_components,
                "num_mixtures": self.num_mixtures,
            }
        )
        return config


@keras.saving.register_keras_serializable(package="keras_vae")
class LabelMask(keras.layers.Layer):
    """Blanks (zeros) the images of labels outside `[0, num_classes)`.

    What the exported graphs do with such a label, documented and tested:
    an all-zero image, in every format, instead of an image of no class.

    Args:
        num_classes: int. Number of classes.
        **kwargs: base layer arguments.
    """

    def __init__(self, num_classes, **kwargs):
        super().__init__(**kwargs)
        self.num_classes = int(num_classes)

    def call(self, image, labels):
        labels = ops.cast(labels, "int32")
        valid = ops.logical_and(labels >= 0, labels < self.num_classes)
        shape = (-1,) + (1,) * (len(image.shape) - 1)
        return image * ops.reshape(ops.cast(valid, image.dtype), shape)

    def compute_output_shape(self, image_shape, labels_shape):
        return image_shape

    def get_config(self):
        config = super().get_config()
        config.update({"num_classes": self.num_classes})
        return config


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


def input_entries(vae, graph="decode", batch_size=None):
    """The inputs of an exported graph, in order, as the manifest lists them.

    Args:
        vae: the model.
        graph: `"decode"` (inputs `z`, `label`) or `"sample"` (inputs
            `noise`, `label`).
        batch_size: int, or `None` for any batch (`-1` in the shapes).

    Returns:
        A list of dicts with `role`, `name`, `shape` and `dtype`; `label`
        comes last and only for a conditional model.
    """
    batch = -1 if batch_size is None else int(batch_size)
    role = GRAPH_INPUTS[graph]  # z or noise
    entry = {"role": role, "name": role, "dtype": "float32"}
    if graph == "decode":
        entries = [{**entry, "shape": [batch, vae.latent_dim]}]
    else:
        width = uniform_noise.noise_size(vae.latent_dim)
        entries = [{**entry, "shape": [batch, width], "distribution": "uniform [0, 1)"}]
    if vae.num_classes is not None:
        entries.append(
            {"role": "label", "name": "label", "shape": [batch], "dtype": "int32"}
        )
    return entries


def output_roles(uint8_output, graph="decode"):
    """An exported graph's output names, in order: `image`, `image_uint8`
    (when asked for), and for the sampling graph the latent it drew, `z`."""
    roles = ["image", "image_uint8"] if uint8_output else ["image"]
    return roles + ["z"] if graph == "sample" else roles


def sampler_tables(vae):
    """The sampling graph's constants: the fitted mixture, else the prior."""
    sampler = getattr(vae, "latent_sampler", None)
    mixtures = None if sampler is None else sampler.mixtures()
    return uniform_noise.mixture_tables(mixtures, vae.latent_dim, vae.num_classes)


def build_export_model(vae, graph="decode", uint8_output=False, batch_size=None):
    """Builds an exported graph, with named outputs.

    `decode`: `[z, label?] -> {"image", "image_uint8"?}`; `sample`:
    `[noise, label?] -> {"image", "image_uint8"?, "z"}` (`z`: the latent it
    drew, for apps that edit or interpolate it). A label out of range
    gives an all-zero image. With a `batch_size`, every shape in the graph
    is static (the image reshape included), for runtimes and delegates that
    refuse dynamic shapes.

    Args:
        vae: a trained `keras_vae.VAE` (or `ConditionalVAE`).
        graph: `"decode"` or `"sample"`. Defaults to `"decode"`.
        uint8_output: bool. Add a uint8 image output.
        batch_size: int or None. A fixed batch size.

    Returns:
        A called functional `keras.Model` named after the graph.
    """
    if graph not in GRAPHS:
        raise ValueError(f"graph must be in {GRAPHS}. Received: graph={graph!r}")
    decoder = float32_copy(vae.decoder)
    likelihood = float32_copy(vae.likelihood)
    entries = input_entries(vae, graph, batch_size)
    inputs = [
        keras.Input(
            tuple(e["shape"][1:]),
            batch_size=batch_size,
            name=e["name"],
            dtype=e["dtype"],
        )
        for e in entries
    ]
    label = inputs[1] if len(inputs) == 2 else None
    if graph == "decode":
        z = inputs[0]
    else:
        tables = sampler_tables(vae)
        mixtures, components = tables["thresholds"].shape
        layer = UniformNoiseLatent(
            vae.latent_dim, components, mixtures, name="latent_sampler"
        )
        layer.set_tables(tables)
        z = layer(inputs[0], label)
    image = likelihood(decoder(z if label is None else [z, label]))
    if label is not None:
        image = LabelMask(vae.num_classes, name="label_mask")(image, label)
    outputs = {"image": image}
    if uint8_output:
        outputs["image_uint8"] = Uint8Image(name="image_uint8")(image)
    if graph == "sample":
        outputs["z"] = z
    model = keras.Model(inputs, outputs, name=graph)
    model(example_inputs(entries, batch_size or 1, num_classes=vae.num_classes))
    return model


def example_inputs(entries, batch_size, seed=0, num_classes=None):
    """Fixed inputs of an exported graph for `batch_size` examples.

    Latents come from N(0, I) and noise from U[0, 1) with numpy's generator
    seeded `seed`; labels cycle through the classes.

    Returns:
        A list of arrays in `entries` order.
    """
    rng = np.random.default_rng(seed)
    arrays = []
    for entry in entries:
        shape = (batch_size, *entry["shape"][1:])
        if entry["role"] == "label":
            arrays.append(np.arange(batch_size, dtype="int32") % (num_classes or 1))
        elif entry["role"] == "noise":
            arrays.append(rng.random(shape, dtype=np.float32))
        else:
            arrays.append(rng.standard_normal(shape, dtype=np.float32))
    return arrays
