"""The conditional VAE: encoder and decoder both see a class label."""

import keras
import numpy as np
from keras import ops

from keras_vae.models.vae import VAE
from keras_vae_sampler.checks import check_labels


@keras.saving.register_keras_serializable(package="keras_vae")
class ConditionalVAE(VAE):
    """A VAE conditioned on a class label: `q(z | x, y)` and `p(x | z, y)`.

    The encoder takes `[x, label]` and the decoder `[z, label]` (build both
    with `num_classes=...`); the KL term still pulls every posterior to
    N(0, I), so the latent code carries what the label does not: the style.
    `fit` takes `(images, labels)`: two arrays, or a dataset of pairs such
    as `keras_vae.data.load_dataset(..., with_labels=True)`. Everything else
    is a `VAE`'s: likelihoods, beta, KL warm-up, free bits, checkpoints,
    `tf.distribute` and mixed precision.

    Args:
        encoder: functional `keras.Model` with inputs `[x, label]` and
            outputs `[z_mean, z_log_var]`.
        decoder: functional `keras.Model` with inputs `[z, label]`.
        class_names: list of str or None. A name per class, kept in the
            config and written into export manifests. Defaults to `None`
            (the class numbers).
        **kwargs: the arguments of `VAE` (`likelihood`, `beta`,
            `free_bits`, `seed`, `name`).

    Call arguments:
        inputs: list `[images, labels]`.
        training, sample, return_posterior: as for `VAE`.

    Example:
    ```python
    encoder, decoder = keras_vae.build_encoder_decoder(
        "mlp", (28, 28, 1), 16, num_classes=10
    )
    cvae = keras_vae.ConditionalVAE(encoder, decoder, seed=0)
    cvae.compile(optimizer="adam")
    cvae.fit(keras_vae.data.load_dataset("mnist", with_labels=True), epochs=10)
    sevens = cvae.sample(16, labels=7, seed=1)
    ```
    """

    def __init__(self, encoder, decoder, class_names=None, **kwargs):
        self._num_classes = _label_classes(decoder)
        super().__init__(encoder, decoder, **kwargs)
        if class_names is not None:
            class_names = [str(name) for name in class_names]
            if len(class_names) != self._num_classes:
                raise ValueError(
                    f"class_names must name each of the {self._num_classes} "
                    f"classes. Received: class_names={class_names!r}"
                )
        self.class_names = class_names

    @property
    def num_classes(self):
        return self._num_classes

    def _split_inputs(self, inputs):
        if not isinstance(inputs, (list, tuple)) or len(inputs) != 2:
            raise ValueError(
                "ConditionalVAE is called on [images, labels]. Received: "
                f"inputs of type {type(inputs).__name__}"
            )
        x, labels = inputs
        return x, [ops.cast(labels, "int32")]

    def _conditions_from_batch(self, y):
        if y is None:
            raise ValueError(
                "ConditionalVAE needs labels: fit(images, labels) or a dataset "
                "of (images, labels) batches. Received: labels=None"
            )
        return [ops.cast(ops.reshape(y, (-1,)), "int32")]

    def _condition_arrays(self, labels, count):
        if labels is None:
            raise ValueError(
                "ConditionalVAE needs the classes to draw or encode: pass "
                f"labels (an int in [0, {self.num_classes - 1}] or one per "
                "example). Received: labels=None"
            )
        return [check_labels("labels", labels, self.num_classes, count=count)]

    def style_transfer(self, x, labels, target_labels=None, batch_size=256):
        """Re-draws images as other classes, keeping their style.

        Each image is encoded with its own label to its posterior mean z,
        and the same z is decoded with every target label.

        Args:
            x: array `(n, *example_shape)`.
            labels: int array `(n,)`: the classes of `x`.
            target_labels: int array `(m,)` or None. Defaults to every
                class.
            batch_size: int. Defaults to `256`.

        Returns:
            A numpy array of shape `(n, m, *example_shape)`.
        """
        if target_labels is None:
            target_labels = np.arange(self.num_classes)
        target_labels = check_labels(
            "target_labels", np.asarray(target_labels), self.num_classes
        )
        z = self.encode(x, labels=labels, batch_size=batch_size)[0]
        repeated = np.repeat(z, len(target_labels), axis=0)
        tiled = np.tile(target_labels, len(z))
        images = self.decode(repeated, labels=tiled, batch_size=batch_size)
        return images.reshape((len(z), len(target_labels)) + self.example_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"class_names": self.class_names})
        return config


def _label_classes(decoder):
    """The number of classes of a conditional decoder (its `OneHotLabel`)."""
    from keras_vae.layers.conditioning import OneHotLabel

    inputs = getattr(decoder, "inputs", None) or []
    sizes = [
        layer.num_classes
        for layer in getattr(decoder, "layers", [])
        if isinstance(layer, OneHotLabel)
    ]
    if len(inputs) != 2 or len(sizes) != 1:
        raise ValueError(
            "ConditionalVAE needs a decoder with inputs [z, label] and one "
            "OneHotLabel layer (build it with num_classes=...). Received: "
            f"decoder with {len(inputs)} input(s) and {len(sizes)} "
            "OneHotLabel layer(s)"
        )
    return int(sizes[0])
