"""Independent Bernoulli pixels (binary cross-entropy)."""

import keras
from keras import ops

from keras_vae.layers.seed_state import SavesSeedState
from keras_vae.likelihoods.base import Likelihood
from keras_vae.likelihoods.base import sum_over_non_batch_axes


def binary_cross_entropy_with_logits(x, logits):
    """Stable `-[x log sigmoid(l) + (1 - x) log(1 - sigmoid(l))]`,
    element-wise, in float32."""
    x = ops.cast(x, "float32")
    logits = ops.cast(logits, "float32")
    return ops.relu(logits) - logits * x + ops.softplus(-ops.abs(logits))


@keras.saving.register_keras_serializable(package="keras_vae")
class BernoulliLikelihood(SavesSeedState, Likelihood):
    """Independent Bernoulli pixels; the decoder emits logits.

    Data must lie in [0, 1]. Grey values are allowed (the NLL is then the
    binary cross-entropy, as in most Keras VAE code, which is not a
    normalised density for grey levels: see
    `ContinuousBernoulliLikelihood`); with `binarize=True` each training and
    evaluation batch is binarised by sampling every pixel from a Bernoulli
    of its intensity (dynamic binarisation, as in Burda et al. 2016), and
    the NLL is an honest log-likelihood in nats.

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

    data_range = (0.0, 1.0)
    output_range = (0.0, 1.0)

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
        return sum_over_non_batch_axes(binary_cross_entropy_with_logits(x, params))

    def mean(self, params):
        """The mean image: `sigmoid(logits)`, in [0, 1]."""
        return ops.sigmoid(ops.cast(params, "float32"))

    def get_config(self):
        config = super().get_config()
        config.update({"binarize": self.binarize, "seed": self.seed})
        return config
