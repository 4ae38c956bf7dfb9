"""Observation models p(x | z): what the decoder's outputs parameterise.

A likelihood turns the decoder's output (its distribution parameters) into a
per-example negative log-likelihood and into the mean image. Likelihoods are
Keras layers so that a learned scale is a tracked, saved weight.
"""

import math

import keras
import numpy as np
from keras import ops

from keras_vae.input_checks import check_choice
from keras_vae.input_checks import check_positive_float
from keras_vae.seed_state import SavesSeedState


def _sum_over_non_batch_axes(values):
    return ops.sum(ops.reshape(values, (ops.shape(values)[0], -1)), axis=-1)


@keras.saving.register_keras_serializable(package="keras_vae")
class BernoulliLikelihood(SavesSeedState, keras.layers.Layer):
    """Independent Bernoulli pixels; the decoder emits logits.

    Data must lie in [0, 1]. Grey values are allowed (the NLL is then the
    binary cross-entropy, as in most Keras VAE code); with `binarize=True`
    each training and evaluation batch is binarised by sampling every pixel
    from a Bernoulli of its intensity (dynamic binarisation, as in Burda et
    al. 2016), and the NLL is an honest log-likelihood in nats.

    Args:
        binarize: bool. Dynamically binarise batches in `fit` and
            `evaluate`. Defaults to `False`.
        seed: int or None. Seed of the binarisation noise. Defaults to
            `None`.
        **kwargs: base layer arguments.

    Example:
    ```python
    vae = keras_vae.VAE(encoder, decoder, likelihood=BernoulliLikelihood())
    ```
    """

    name_in_config = "bernoulli"

    def __init__(self, binarize=False, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.binarize = bool(binarize)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.built = True

    def persistent_seed_generators(self):
        return [self.seed_generator]

    def prepare_batch(self, x):
        """Returns the batch the model trains on (binarised if asked)."""
        if not self.binarize:
            return x
        noise = keras.random.uniform(
            ops.shape(x), dtype=x.dtype, seed=self.seed_generator
        )
        return ops.cast(noise < x, x.dtype)

    def negative_log_likelihood(self, x, params):
        """Per-example NLL in nats, summed over every non-batch axis.

        Args:
            x: tensor of targets in [0, 1].
            params: tensor of logits, same shape as `x`.

        Returns:
            A float32 tensor of shape `(batch,)`.
        """
        x = ops.cast(x, "float32")
        logits = ops.cast(params, "float32")
        # Stable form of -[x log sigmoid(l) + (1 - x) log(1 - sigmoid(l))].
        nll = ops.relu(logits) - logits * x + ops.softplus(-ops.abs(logits))
        return _sum_over_non_batch_axes(nll)

    def mean(self, params):
        """The mean image: `sigmoid(logits)`, in [0, 1]."""
        return ops.sigmoid(ops.cast(params, "float32"))

    def check_data(self, name, array):
        """Raises a `ValueError` unless every value lies in [0, 1]."""
        low, high = float(np.min(array)), float(np.max(array))
        if low < 0.0 or high > 1.0:
            raise ValueError(
                f"The Bernoulli likelihood needs data in [0, 1]; {name} has "
                f"values in [{low:g}, {high:g}]. Scale images to [0, 1] "
                f"(divide uint8 pixels by 255) or use "
                f"likelihood='gaussian'. Received: {name} with "
                f"min={low:g}, max={high:g}"
            )

    def get_config(self):
        config = super().get_config()
        config.update({"binarize": self.binarize, "seed": self.seed})
        return config


@keras.saving.register_keras_serializable(package="keras_vae")
class GaussianLikelihood(keras.layers.Layer):
    """Independent Gaussian pixels with one scalar scale; the decoder emits
    the mean.

    Args:
        scale: float > 0. The standard deviation (the initial one when
            learned). Defaults to `1.0`.
        learn_scale: bool. Make the scale a trainable weight (kept positive
            through its logarithm). Defaults to `False`.
        **kwargs: base layer arguments.

    Example:
    ```python
    likelihood = GaussianLikelihood(scale=0.1, learn_scale=True)
    ```
    """

    name_in_config = "gaussian"

    def __init__(self, scale=1.0, learn_scale=False, **kwargs):
        super().__init__(**kwargs)
        self.scale = check_positive_float("scale", scale)
        self.learn_scale = bool(learn_scale)
        self.log_scale = self.add_weight(
            shape=(),
            initializer=keras.initializers.Constant(math.log(self.scale)),
            trainable=self.learn_scale,
            name="log_scale",
            dtype="float32",
        )
        self.built = True

    def prepare_batch(self, x):
        """Returns the batch unchanged."""
        return x

    def negative_log_likelihood(self, x, params):
        """Per-example NLL in nats, summed over every non-batch axis.

        Args:
            x: tensor of targets.
            params: tensor of means, same shape as `x`.

        Returns:
            A float32 tensor of shape `(batch,)`.
        """
        x = ops.cast(x, "float32")
        mean = ops.cast(params, "float32")
        log_scale = ops.convert_to_tensor(self.log_scale)
        nll = (
            0.5 * ops.square((x - mean) * ops.exp(-log_scale))
            + log_scale
            + 0.5 * math.log(2.0 * math.pi)
        )
        return _sum_over_non_batch_axes(nll)

    def mean(self, params):
        """The mean image: the decoder's output itself."""
        return ops.cast(params, "float32")

    def check_data(self, name, array):
        """Any finite data is valid for a Gaussian."""

    def get_config(self):
        config = super().get_config()
        config.update({"scale": self.scale, "learn_scale": self.learn_scale})
        return config


LIKELIHOODS = {
    "bernoulli": BernoulliLikelihood,
    "gaussian": GaussianLikelihood,
}


def get_likelihood(identifier):
    """Returns a likelihood layer from a name or an instance.

    Args:
        identifier: `"bernoulli"`, `"gaussian"`, or a likelihood instance.

    Returns:
        A `BernoulliLikelihood` or `GaussianLikelihood`.
    """
    if isinstance(identifier, (BernoulliLikelihood, GaussianLikelihood)):
        return identifier
    if not isinstance(identifier, str):
        raise ValueError(
            "likelihood must be 'bernoulli', 'gaussian' or a likelihood "
            f"layer. Received: likelihood={identifier!r}"
        )
    check_choice("likelihood", identifier, LIKELIHOODS)
    return LIKELIHOODS[identifier]()
