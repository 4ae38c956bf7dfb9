"""The base class of every likelihood."""

import keras
import numpy as np
from keras import ops


def sum_over_non_batch_axes(values):
    """Sums a `(batch, ...)` tensor to shape `(batch,)`."""
    return ops.sum(ops.reshape(values, (ops.shape(values)[0], -1)), axis=-1)


class Likelihood(keras.layers.Layer):
    """An observation model p(x | z) whose parameters the decoder emits.

    Subclasses implement `negative_log_likelihood(x, params)` and
    `mean(params)`, and may set `data_range` (the values data must lie in,
    checked by `check_data`), `output_range` (the range of mean images,
    written into export manifests) and override `prepare_batch` (how a
    training batch is transformed, e.g. binarised). Calling the layer
    returns the mean image, so the exported decoder graph is
    `likelihood(decoder(z))` whatever the likelihood.

    Register a subclass with
    `keras.saving.register_keras_serializable(package=...)` so that models
    using it save and load with `safe_mode=True`.

    Example:
    ```python
    @keras.saving.register_keras_serializable(package="my_project")
    class LaplaceLikelihood(keras_vae.likelihoods.Likelihood):
        def negative_log_likelihood(self, x, params):
            error = ops.abs(ops.cast(x, "float32") - params) + math.log(2.0)
            return keras_vae.likelihoods.base.sum_over_non_batch_axes(error)

        def mean(self, params):
            return ops.cast(params, "float32")
    ```
    """

    data_range = None
    output_range = None

    def prepare_batch(self, x):
        """Returns the batch the model trains on; the identity here."""
        return x

    def negative_log_likelihood(self, x, params):
        """Per-example NLL in nats, summed over every non-batch axis.

        Args:
            x: tensor of targets.
            params: the decoder's output, same shape as `x`.

        Returns:
            A float32 tensor of shape `(batch,)`.
        """
        raise NotImplementedError(
            f"{type(self).__name__} must implement negative_log_likelihood."
        )

    def mean(self, params):
        """The mean image (float32) of the decoder's parameters."""
        raise NotImplementedError(f"{type(self).__name__} must implement mean.")

    def call(self, params):
        return self.mean(params)

    def compute_output_shape(self, input_shape):
        return input_shape

    def check_data(self, name, array):
        """Raises a `ValueError` unless `array` lies in `data_range`."""
        if self.data_range is None:
            return
        low, high = float(np.min(array)), float(np.max(array))
        data_low, data_high = self.data_range
        if low < data_low or high > data_high:
            raise ValueError(
                f"The {type(self).__name__} needs data in [{data_low:g}, "
                f"{data_high:g}]; {name} has values in [{low:g}, {high:g}]. "
                "Scale images to [0, 1] (divide uint8 pixels by 255) or use "
                f"likelihood='gaussian'. Received: {name} with min={low:g}, "
                f"max={high:g}"
            )
