"""Label conditioning: integer class labels to one-hot vectors in the graph."""

import keras
from keras import ops

from keras_vae_sampler.checks import check_positive_int


@keras.saving.register_keras_serializable(package="keras_vae")
class OneHotLabel(keras.layers.Layer):
    """Turns integer labels `(batch,)` into float one-hot rows.

    Built from a comparison with `range(num_classes)` rather than a gather,
    so that it converts to plain element-wise ops in TFLite and ONNX. A label
    outside `[0, num_classes)` gives a row of zeros (the model's own checks
    refuse such labels before they reach the graph).

    Args:
        num_classes: int >= 2. Number of classes.
        **kwargs: base layer arguments.

    Call arguments:
        labels: integer tensor of shape `(batch,)`.

    Returns:
        A tensor of shape `(batch, num_classes)` in the layer's compute
        dtype.

    Example:
    ```python
    OneHotLabel(3)(np.array([0, 2]))  # [[1, 0, 0], [0, 0, 1]]
    ```
    """

    def __init__(self, num_classes, **kwargs):
        super().__init__(**kwargs)
        num_classes = check_positive_int("num_classes", num_classes)
        if num_classes < 2:
            raise ValueError(
                "num_classes must be >= 2 for a conditional model. Received: "
                f"num_classes={num_classes}"
            )
        self.num_classes = num_classes
        self.built = True

    def call(self, labels):
        labels = ops.cast(ops.reshape(labels, (-1, 1)), "int32")
        classes = ops.arange(self.num_classes, dtype="int32")[None, :]
        return ops.cast(ops.equal(labels, classes), self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.num_classes)

    def get_config(self):
        config = super().get_config()
        config.update({"num_classes": self.num_classes})
        return config
