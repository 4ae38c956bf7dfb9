"""What every model family shares: an encoder, a decoder, a likelihood,
optional conditions (class labels) fed to both networks, and a
`train_step`/`test_step` pair for `fit` and `evaluate`.
"""

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from keras_vae import likelihoods
from keras_vae.input_checks import check_image_batch
from keras_vae.models.compile_defaults import resolve_compile_settings
from keras_vae.models.fit_inputs import check_fit_inputs
from keras_vae.models.fit_inputs import checked_dataset
from keras_vae.models.fit_inputs import keyword_arguments
from keras_vae.models.network_checks import check_networks
from keras_vae.models.network_checks import functional_model
from keras_vae.models.network_checks import shape_tail
from keras_vae.models.step_counts import clamping_callbacks
from keras_vae.objectives.base import loss_gradients
from keras_vae.objectives.base import multi_worker_collective
from keras_vae.objectives.base import scale_for_replicas
from keras_vae_sampler.checks import check_positive_int


class LatentModel(keras.Model):
    """Base class of `VAE`, `ConditionalVAE` and `Autoencoder`; not used
    directly.

    Subclasses define `call`, `_loss_terms` (and `_gradients` for a
    gradient of their own), `metric_names` and the number of encoder
    outputs they expect. A conditional subclass sets
    `num_classes`: its encoder takes `[x, label]` and its decoder
    `[z, label]`, and every method that encodes or decodes takes `labels`.
    """

    metric_names = ("loss", "reconstruction_loss")
    encoder_outputs = 1

    def __init__(self, encoder, decoder, likelihood="bernoulli", **kwargs):
        super().__init__(**kwargs)
        self.encoder = functional_model("encoder", encoder)
        self.decoder = functional_model("decoder", decoder)
        self.likelihood = likelihoods.get(likelihood)
        check_networks(self)
        self._trackers = [keras.metrics.Mean(name=n) for n in self.metric_names]
        self.built = True

    # ------------------------------------------------------------- presets
    @classmethod
    def from_preset(cls, preset, compile=True):
        """Loads a trained model from a preset, KerasHub's way.

        Args:
            preset: a preset that ships with the package (`"mnist"` for a
                `VAE`, `"mnist_conditional"` for a `ConditionalVAE`; see
                `keras_vae_sampler.presets.PRESETS`) or a folder written by
                `save_to_preset`. Every file's SHA-256 is checked first.
            compile: bool. Compile with the default settings, ready for
                `fit` and `evaluate`. Defaults to `True`.

        Returns:
            The model, an instance of this class (or a subclass).

        Example:
        ```python
        vae = keras_vae.VAE.from_preset("mnist")
        images = vae.sample(16, seed=0, latent="gmm")
        ```
        """
        from keras_vae.presets import load_preset

        return load_preset(preset, cls, compile=compile)

    def save_to_preset(
        self, preset_dir, overwrite=False, export_formats=None, **kwargs
    ):
        """Saves this model as a preset folder that `from_preset` loads.

        Args:
            preset_dir: the folder to create; written whole or not at all.
            overwrite: bool. Replace a folder an earlier `save_to_preset`
                wrote (any other non-empty folder is refused). Defaults to
                `False`.
            export_formats: `None`, or export formats for the folder's
                `exported/` decoder, such as `"tflite-int8,onnx"`, so that
                `keras-vae sample --preset DIR` works. Defaults to `None`.
            **kwargs: `description` and `training` (a dict recorded in
                `metadata.json`), as `keras_vae.presets.save_to_preset`.

        Returns:
            The preset folder, a `Path`.
        """
        from keras_vae.presets import save_to_preset

        return save_to_preset(
            self,
            preset_dir,
            overwrite=overwrite,
            export_formats=export_formats,
            **kwargs,
        )

    # ----------------------------------------------------------- structure
    @property
    def num_classes(self):
        """Number of classes of a conditional model; `None` otherwise."""
        return None

    @property
    def example_shape(self):
        """Shape of one example, without the batch axis."""
        return shape_tail(self.encoder.inputs[0])

    @property
    def latent_dim(self):
        """Size of the latent space."""
        return int(self.decoder.inputs[0].shape[-1])

    @property
    def likelihood_name(self):
        """The likelihood's registered name (`"bernoulli"`, ...; its class
        name when it is not a built-in), as export manifests record it."""
        return likelihoods.name_of(self.likelihood)

    @property
    def metrics(self):
        return list(self._trackers)

    # ---------------------------------------------------------- conditions
    def _split_inputs(self, inputs):
        """`call`'s inputs as `(x, conditions)`; conditions is a list."""
        return inputs, []

    def _with_conditions(self, tensor, conditions):
        """The input of a network: `tensor` alone or `[tensor, *conditions]`."""
        return [tensor, *conditions] if conditions else tensor

    def _conditions_from_batch(self, y):
        """The conditions carried by a batch's `y` (none: it is ignored)."""
        return []

    def _condition_arrays(self, labels, count):
        """Checked numpy conditions for `count` examples; refuses labels."""
        if labels is not None:
            raise ValueError(
                f"{type(self).__name__} is unconditional: it takes no labels "
                f"(use keras_vae.ConditionalVAE to condition on a class). "
                f"Received: labels={_short(labels)}"
            )
        return []

    # ------------------------------------------------------------ training
    def compile(
        self,
        optimizer="adam",
        loss=None,
        jit_compile=None,
        steps_per_execution=None,
        **kwargs,
    ):
        """Configures the model for training, with the settings measured
        fastest for its networks unless told otherwise.

        The objective is built in: the reconstruction negative
        log-likelihood of the model's likelihood, plus every loss added with
        `add_loss` (the KL term of a VAE, weight regularisers).

        Args:
            optimizer: optimizer or name. Defaults to `"adam"`.
            loss: must be `None`.
            jit_compile: bool or `"auto"` (Keras' own choice). Defaults to
                `None`: XLA for dense-only networks trained on the ELBO,
                none for convolutional ones or the importance-weighted
                objective on CPU (`keras_vae.models.compile_defaults` has
                the measurements).
            steps_per_execution: int. Training steps per `tf.function`
                call. Defaults to `None`: 8 for the networks keras-vae
                measured (Keras' 1 under a `tf.distribute` strategy or with
                a layer that does not support XLA). Per-batch callbacks
                then run every 8 steps with the true step index.
            **kwargs: other `keras.Model.compile` arguments.

        Example:
        ```python
        vae.compile(optimizer=keras.optimizers.Adam(1e-3))  # measured settings
        vae.compile(optimizer="adam", jit_compile=False)  # yours win
        ```
        """
        if loss is not None:
            raise ValueError(
                f"{type(self).__name__} builds its own loss from its "
                f"likelihood; pass no `loss` to compile(). Received: "
                f"loss={loss!r}"
            )
        settings = resolve_compile_settings(self, jit_compile, steps_per_execution)
        super().compile(optimizer=optimizer, **settings, **kwargs)

    def compile_from_config(self, config):
        # Keras skips this for models with a custom `compile`; restore the
        # optimizer (and its saved state) the way Keras does for others.
        self.compile(**keras.saving.deserialize_keras_object(config))
        self.optimizer.build(self.trainable_variables)

    def _unpack_batch(self, data):
        x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
        self._refuse_sample_weight(sample_weight)
        x = ops.cast(x, "float32")
        return self.likelihood.prepare_batch(x), self._conditions_from_batch(y)

    def _refuse_sample_weight(self, sample_weight):
        if sample_weight is not None:
            raise ValueError(
                f"{type(self).__name__} does not support sample weights. "
                "Received: sample_weight"
            )

    def _regularised_loss(self, reconstruction_loss):
        """Reconstruction NLL plus the `add_loss` terms, scaled for
        replicas."""
        total = reconstruction_loss
        for loss in self.losses:
            total = total + ops.sum(ops.cast(loss, "float32"))
        return scale_for_replicas(total)

    def _update_trackers(self, values):
        for tracker in self._trackers:
            tracker.update_state(values[tracker.name])
        results = {tracker.name: tracker.result() for tracker in self._trackers}
        if multi_worker_collective():
            # Workaround for keras-team/keras#20585: under a multi-worker
            # MultiWorkerMirroredStrategy, Keras reduces each returned
            # metric with strategy.reduce("MEAN", value, axis=0), which
            # fails on scalars. Shape (1,) reduces to the same scalar.
            results = {name: ops.reshape(v, (1,)) for name, v in results.items()}
        return results

    def _gradients(self, x, conditions):
        """`(gradients, values)` of a training step on a batch: one
        gradient per trainable variable, and the reported values."""
        return loss_gradients(
            self, lambda: self._loss_terms(x, conditions, training=True)
        )

    def train_step(self, data):
        x, conditions = self._unpack_batch(data)
        gradients, values = self._gradients(x, conditions)
        self.optimizer.apply(gradients, self.trainable_variables)
        return self._update_trackers(values)

    def test_step(self, data):
        x, conditions = self._unpack_batch(data)
        _, values = self._loss_terms(x, conditions, training=False)
        return self._update_trackers(values)

    def fit(self, x=None, y=None, *args, **kwargs):
        kwargs = keyword_arguments(keras.Model.fit, x, y, args, kwargs)
        # Keras drops `sample_weight` silently when `y` is None.
        self._refuse_sample_weight(kwargs.get("sample_weight"))
        check_fit_inputs(self, "x", kwargs.get("x"), kwargs.get("y"))
        if isinstance(kwargs.get("x"), tf.data.Dataset):
            # A dataset is shuffled by its pipeline; `fit` would only warn.
            kwargs.setdefault("shuffle", False)
            kwargs["x"] = checked_dataset(self, "x", kwargs["x"])
        validation_data = kwargs.get("validation_data")
        if isinstance(validation_data, (tuple, list)):
            check_fit_inputs(self, "validation_data", *validation_data[:2])
        else:
            check_fit_inputs(self, "validation_data", validation_data)
            kwargs["validation_data"] = checked_dataset(
                self, "validation_data", validation_data
            )
        return super().fit(**clamping_callbacks(self, kwargs, for_fit=True))

    def evaluate(self, x=None, y=None, *args, **kwargs):
        kwargs = keyword_arguments(keras.Model.evaluate, x, y, args, kwargs)
        self._refuse_sample_weight(kwargs.get("sample_weight"))
        check_fit_inputs(self, "x", kwargs.get("x"), kwargs.get("y"))
        kwargs["x"] = checked_dataset(self, "x", kwargs.get("x"))
        return super().evaluate(**clamping_callbacks(self, kwargs, for_fit=False))

    # ---------------------------------------------------- user-facing API
    def decode(self, z, labels=None, batch_size=256):
        """Decodes latent vectors to mean images.

        Args:
            z: array of shape `(n, latent_dim)`.
            labels: int or int array `(n,)`: the classes to draw, for a
                conditional model (required there, refused elsewhere).
            batch_size: int. Batch size of the computation. Defaults to
                `256`.

        Returns:
            A numpy array of shape `(n, *example_shape)`: the likelihood's
            mean (sigmoid of the logits for Bernoulli).
        """
        z = np.asarray(z, dtype="float32")
        check_image_batch("z", z, (self.latent_dim,))
        conditions = self._condition_arrays(labels, len(z))
        params = self.decoder.predict(
            self._with_conditions(z, conditions), batch_size=batch_size, verbose=0
        )
        return ops.convert_to_numpy(self.likelihood.mean(params))

    def reconstruct(self, x, labels=None, batch_size=256):
        """Encodes and decodes `x` deterministically (no sampling).

        Args:
            x: array of shape `(n, *example_shape)`.
            labels: int array `(n,)` for a conditional model.
            batch_size: int. Defaults to `256`.

        Returns:
            A numpy array of mean images, the shape of `x`.
        """
        x = np.asarray(x, dtype="float32")
        check_fit_inputs(self, "x", x, labels)
        conditions = self._condition_arrays(labels, len(x))
        params = self.predict(
            self._with_conditions(x, conditions), batch_size=batch_size, verbose=0
        )
        return ops.convert_to_numpy(self.likelihood.mean(params))

    def _latent_code(self, x, conditions, batch_size):
        """The deterministic latent code of `x` (the posterior mean)."""
        raise NotImplementedError

    def interpolate(self, x_a, x_b, steps=8, batch_size=256):
        """Decodes a straight line in latent space between two inputs.

        Args:
            x_a: one example `(*example_shape)` or a batch `(n, ...)`.
            x_b: same shape as `x_a`.
            steps: int >= 2. Frames, both ends included. Defaults to `8`.
            batch_size: int. Defaults to `256`.

        Returns:
            A numpy array of shape `(steps, *example_shape)` for single
            examples, `(n, steps, *example_shape)` for batches.
        """
        if self.num_classes is not None:
            raise ValueError(
                f"{type(self).__name__}.interpolate is not defined: a path "
                "between two images of different classes has no one label. "
                "Interpolate latents with encode() and decode(z, labels). "
                "Received: a conditional model"
            )
        steps = check_positive_int("steps", steps)
        if steps < 2:
            raise ValueError(f"steps must be >= 2. Received: steps={steps}")
        x_a = np.asarray(x_a, dtype="float32")
        x_b = np.asarray(x_b, dtype="float32")
        if x_a.shape != x_b.shape:
            raise ValueError(
                "x_a and x_b must have the same shape. Received: "
                f"x_a.shape={x_a.shape}, x_b.shape={x_b.shape}"
            )
        single = x_a.shape == self.example_shape
        if single:
            x_a, x_b = x_a[None], x_b[None]
        z = self._latent_code(np.concatenate([x_a, x_b]), [], batch_size)
        z_a, z_b = z[: len(x_a)], z[len(x_a) :]
        t = np.linspace(0.0, 1.0, steps, dtype="float32")[None, :, None]
        path = (1.0 - t) * z_a[:, None] + t * z_b[:, None]
        frames = self.decode(path.reshape(-1, self.latent_dim), batch_size=batch_size)
        frames = frames.reshape((len(x_a), steps) + self.example_shape)
        return frames[0] if single else frames

    # ------------------------------------------------------------- config
    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "encoder": keras.layers.serialize(self.encoder),
                "decoder": keras.layers.serialize(self.decoder),
                "likelihood": keras.layers.serialize(self.likelihood),
            }
        )
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key in ("encoder", "decoder", "likelihood"):
            config[key] = keras.layers.deserialize(config[key])
        return cls(**config)


def _short(value):
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
