"""What the VAE and the plain autoencoder share: an encoder, a decoder, a
likelihood, and a `train_step`/`test_step` pair for `fit` and `evaluate`.
"""

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from keras_vae.input_checks import check_dataset_spec
from keras_vae.input_checks import check_image_batch
from keras_vae.input_checks import check_positive_int
from keras_vae.likelihoods import get_likelihood


def _scale_for_replicas(value):
    """Divides a per-replica mean by the replica count (tf.distribute sums
    gradients over replicas, so each replica must contribute 1/N)."""
    num_replicas = tf.distribute.get_strategy().num_replicas_in_sync
    if num_replicas > 1:
        value = value / num_replicas
    return value


def _multi_worker_collective():
    """True under a MultiWorkerMirroredStrategy spanning several workers
    (the same test Keras' TF trainer applies before its metric reduction)."""
    strategy = tf.distribute.get_strategy()
    return (
        isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy)
        and strategy.extended._in_multi_worker_mode()
    )


def _functional_model(name, model):
    if not isinstance(model, keras.Model) or not getattr(model, "inputs", None):
        raise ValueError(
            f"{name} must be a keras.Model with a known input shape (a "
            "functional or Sequential model built from keras.Input), such as "
            f"keras_vae.build_mlp_{name}(...). Received: {name}={model!r}"
        )
    return model


def _shape_tail(tensor):
    return tuple(tensor.shape[1:])


class LatentModel(keras.Model):
    """Base class of `VAE` and `Autoencoder`; not used directly.

    Subclasses define `call`, `_loss_terms`, `metric_names` and the number
    of encoder outputs they expect.
    """

    metric_names = ("loss", "reconstruction_loss")
    encoder_outputs = 1

    def __init__(self, encoder, decoder, likelihood="bernoulli", **kwargs):
        super().__init__(**kwargs)
        self.encoder = _functional_model("encoder", encoder)
        self.decoder = _functional_model("decoder", decoder)
        self.likelihood = get_likelihood(likelihood)
        self._check_networks()
        self._trackers = [keras.metrics.Mean(name=n) for n in self.metric_names]
        self.built = True

    # ----------------------------------------------------------- structure
    def _check_networks(self):
        outputs = self.encoder.outputs
        if len(outputs) != self.encoder_outputs:
            hint = (
                "[z_mean, z_log_var] (build it with variational=True)"
                if self.encoder_outputs == 2
                else "one latent code z (build it with variational=False)"
            )
            raise ValueError(
                f"{type(self).__name__} needs an encoder that outputs {hint}. "
                f"Received: encoder with {len(outputs)} output(s) named "
                f"{list(getattr(self.encoder, 'output_names', []))}"
            )
        latent_shapes = {_shape_tail(t) for t in outputs}
        decoder_input = _shape_tail(self.decoder.inputs[0])
        if len(latent_shapes) != 1 or latent_shapes != {decoder_input}:
            raise ValueError(
                "The encoder's latent outputs and the decoder's input must "
                f"have the same shape. Received: encoder outputs "
                f"{sorted(latent_shapes)}, decoder input {decoder_input}"
            )
        decoder_output = _shape_tail(self.decoder.outputs[0])
        if decoder_output != self.example_shape:
            raise ValueError(
                "The decoder must output the encoder's input shape. Received: "
                f"encoder input {self.example_shape}, decoder output "
                f"{decoder_output}"
            )

    @property
    def example_shape(self):
        """Shape of one example, without the batch axis."""
        return _shape_tail(self.encoder.inputs[0])

    @property
    def latent_dim(self):
        """Size of the latent space."""
        return int(self.decoder.inputs[0].shape[-1])

    @property
    def metrics(self):
        return list(self._trackers)

    # ------------------------------------------------------------ training
    def compile(self, optimizer="adam", loss=None, **kwargs):
        """Configures the model for training.

        The objective is built in: the reconstruction negative
        log-likelihood of the model's likelihood, plus every loss added with
        `add_loss` (the KL term of a VAE, weight regularisers).

        Args:
            optimizer: optimizer or name. Defaults to `"adam"`.
            loss: must be `None`.
            **kwargs: other `keras.Model.compile` arguments, such as
                `jit_compile` and `steps_per_execution`.
        """
        if loss is not None:
            raise ValueError(
                f"{type(self).__name__} builds its own loss from its "
                f"likelihood; pass no `loss` to compile(). Received: "
                f"loss={loss!r}"
            )
        super().compile(optimizer=optimizer, **kwargs)

    def compile_from_config(self, config):
        # Keras skips this for models with a custom `compile`; restore the
        # optimizer (and its saved state) the way Keras does for others.
        self.compile(**keras.saving.deserialize_keras_object(config))
        self.optimizer.build(self.trainable_variables)

    def _unpack_batch(self, data):
        x, _, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
        if sample_weight is not None:
            raise ValueError(
                f"{type(self).__name__} does not support sample weights. "
                "Received: sample_weight"
            )
        x = ops.cast(x, "float32")
        return self.likelihood.prepare_batch(x)

    def _objective(self, reconstruction_loss):
        """Reconstruction NLL plus the `add_loss` terms, scaled for
        replicas."""
        total = reconstruction_loss
        for loss in self.losses:
            total = total + ops.sum(ops.cast(loss, "float32"))
        return _scale_for_replicas(total)

    def _update_trackers(self, values):
        for tracker in self._trackers:
            tracker.update_state(values[tracker.name])
        results = {tracker.name: tracker.result() for tracker in self._trackers}
        if _multi_worker_collective():
            # Workaround for keras-team/keras#20585: under a multi-worker
            # MultiWorkerMirroredStrategy, Keras reduces each returned
            # metric with strategy.reduce("MEAN", value, axis=0), which
            # fails on scalars. Shape (1,) reduces to the same scalar.
            results = {name: ops.reshape(v, (1,)) for name, v in results.items()}
        return results

    def train_step(self, data):
        x = self._unpack_batch(data)
        with tf.GradientTape() as tape:
            objective, values = self._loss_terms(x, training=True)
            scaled = self.optimizer.scale_loss(objective)
        gradients = tape.gradient(scaled, self.trainable_variables)
        self.optimizer.apply(gradients, self.trainable_variables)
        return self._update_trackers(values)

    def test_step(self, data):
        x = self._unpack_batch(data)
        _, values = self._loss_terms(x, training=False)
        return self._update_trackers(values)

    # -------------------------------------------------------- input checks
    def _check_inputs(self, name, x):
        if isinstance(x, np.ndarray):
            check_image_batch(name, x, self.example_shape)
            self.likelihood.check_data(name, x)
        elif isinstance(x, tf.data.Dataset):
            check_dataset_spec(name, x, self.example_shape)
        return x

    def fit(self, x=None, y=None, *args, **kwargs):
        self._check_inputs("x", x)
        if isinstance(x, tf.data.Dataset):
            # A dataset is shuffled by its pipeline; `fit` would only warn.
            kwargs.setdefault("shuffle", False)
        validation_data = kwargs.get("validation_data")
        if isinstance(validation_data, (tuple, list)):
            validation_data = validation_data[0]
        self._check_inputs("validation_data", validation_data)
        return super().fit(x, y, *args, **kwargs)

    def evaluate(self, x=None, y=None, *args, **kwargs):
        self._check_inputs("x", x)
        return super().evaluate(x, y, *args, **kwargs)

    # ---------------------------------------------------- user-facing API
    def decode(self, z, batch_size=256):
        """Decodes latent vectors to mean images.

        Args:
            z: array of shape `(n, latent_dim)`.
            batch_size: int. Batch size of the computation. Defaults to
                `256`.

        Returns:
            A numpy array of shape `(n, *example_shape)`: the likelihood's
            mean (sigmoid of the logits for Bernoulli).
        """
        z = np.asarray(z, dtype="float32")
        check_image_batch("z", z, (self.latent_dim,))
        params = self.decoder.predict(z, batch_size=batch_size, verbose=0)
        return ops.convert_to_numpy(self.likelihood.mean(params))

    def reconstruct(self, x, batch_size=256):
        """Encodes and decodes `x` deterministically (no sampling).

        Args:
            x: array of shape `(n, *example_shape)`.
            batch_size: int. Defaults to `256`.

        Returns:
            A numpy array of mean images, the shape of `x`.
        """
        x = np.asarray(x, dtype="float32")
        self._check_inputs("x", x)
        params = self.predict(x, batch_size=batch_size, verbose=0)
        return ops.convert_to_numpy(self.likelihood.mean(params))

    def _latent_code(self, x, batch_size):
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
        z = self._latent_code(np.concatenate([x_a, x_b]), batch_size)
        z_a, z_b = z[: len(x_a)], z[len(x_a) :]
        t = np.linspace(0.0, 1.0, steps, dtype="float32")[None, :, None]
        path = (1.0 - t) * z_a[:, None] + t * z_b[:, None]
        frames = self.decode(path.reshape(-1, self.latent_dim), batch_size)
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
