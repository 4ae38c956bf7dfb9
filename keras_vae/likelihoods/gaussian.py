"""Independent Gaussian pixels with one scalar scale."""

import math

import keras
from keras import ops

from keras_vae.input_checks import check_positive_float
from keras_vae.likelihoods.base import Likelihood
from keras_vae.likelihoods.base import sum_over_non_batch_axes


@keras.saving.register_keras_serializable(package="keras_vae")
class GaussianLikelihood(Likelihood):
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
        return sum_over_non_batch_axes(nll)

    def mean(self, params):
        """The mean image: the decoder's output itself."""
        return ops.cast(params, "float32")

    def get_config(self):
        config = super().get_config()
        config.update({"scale": self.scale, "learn_scale": self.learn_scale})
        return config
