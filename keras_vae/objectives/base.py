"""The base class of every training objective, and what every model's loss
shares: the scaling for `tf.distribute` replicas and the gradient of one
training step."""

import tensorflow as tf

from keras_vae_sampler.checks import check_positive_int


def scale_for_replicas(value):
    """Divides a per-replica mean by the replica count.

    `tf.distribute` sums the gradients of its replicas, so each replica's
    loss must be 1/N of its batch mean for the step to be the one-device
    step.

    Args:
        value: a scalar tensor, the mean over this replica's batch.

    Returns:
        `value`, divided by the number of replicas in sync when there are
        several.
    """
    num_replicas = tf.distribute.get_strategy().num_replicas_in_sync
    if num_replicas > 1:
        value = value / num_replicas
    return value


def loss_gradients(model, loss_terms):
    """The gradient of a loss for every trainable variable of `model`.

    Args:
        model: a compiled `keras.Model`; its optimizer scales the loss
            (mixed precision).
        loss_terms: a function of no argument returning `(loss, values)`:
            the loss to minimise (already scaled for replicas) and the
            values to report.

    Returns:
        `(gradients, values)`: one gradient per variable of
        `model.trainable_variables`, and the reported values.
    """
    with tf.GradientTape() as tape:
        loss, values = loss_terms()
        scaled = model.optimizer.scale_loss(loss)
    return tape.gradient(scaled, model.trainable_variables), values


class Objective:
    """What a `VAE` minimises: its loss, the values `fit` reports, and the
    gradient of a training step.

    `VAE(objective=...)` takes a registered name (`"elbo"`, `"iwae"`; see
    `keras_vae.objectives.names()`) or an instance. An objective holds no
    state of its own: it reads the model's options (`importance_samples`,
    `free_bits`, `dreg`, the KL weight) and networks when it is called,
    and checks those options once, when the model is made.

    Subclasses implement `loss_terms` and may override `metric_names`,
    `check_options`, `gradients` (a gradient estimator of their own, as
    DReG for `IWAE`) and `get_config`. A model saves its objective by the
    class's registered name: decorate the subclass with
    `keras.saving.register_keras_serializable`, and `.keras` files load
    with `safe_mode=True` (tests/models/test_model_families.py trains, saves and
    exports one defined outside the package).

    Example:
    ```python
    class ReconstructionOnly(keras_vae.objectives.Objective):
        # An autoencoder's loss, on sampled latents.
        metric_names = ("loss",)

        def loss_terms(self, model, x, conditions, training):
            inputs = [x, *conditions] if conditions else x
            params = model(inputs, training=training, sample=True)
            loss = ops.mean(model.likelihood.negative_log_likelihood(x, params))
            return scale_for_replicas(loss), {"loss": loss}

    keras.saving.register_keras_serializable("my_project")(ReconstructionOnly)
    vae = keras_vae.VAE(encoder, decoder, objective=ReconstructionOnly())
    ```
    """

    metric_names = ("loss", "reconstruction_loss", "kl_loss")
    """The values `fit` and `evaluate` report, in order; `loss_terms`
    returns each of them."""

    importance_weighted = False
    """Whether the decoder sees several latents per example (the compile
    defaults differ for such objectives; see
    `keras_vae.models.compile_defaults`)."""

    def check_options(self, importance_samples, free_bits, dreg):
        """Checks the model's objective options for this objective.

        Args:
            importance_samples: int. Latents per example.
            free_bits: float >= 0. Nats per latent dimension free of the KL
                penalty.
            dreg: bool. Doubly reparameterised encoder gradients.

        Returns:
            `importance_samples`, checked to be a positive int.

        Raises:
            ValueError: an option this objective does not take.
        """
        importance_samples = check_positive_int(
            "importance_samples", importance_samples
        )
        if not isinstance(dreg, bool):
            raise ValueError(f"dreg must be True or False. Received: dreg={dreg!r}")
        return importance_samples

    def loss_terms(self, model, x, conditions, training):
        """The loss of a batch and the values to report.

        Args:
            model: the `VAE`.
            x: the batch, as the likelihood prepared it.
            conditions: list of condition tensors (class labels of a
                `ConditionalVAE`), empty for an unconditional model.
            training: bool.

        Returns:
            `(loss, values)`: the scalar to minimise, scaled for replicas
            (`scale_for_replicas`), and `{name: scalar}` for every name of
            `metric_names`.
        """
        raise NotImplementedError(f"{type(self).__name__} must implement loss_terms.")

    def gradients(self, model, x, conditions):
        """The gradient of a training step: that of `loss_terms` here.

        Returns:
            `(gradients, values)`: one gradient per variable of
            `model.trainable_variables`, and the reported values.
        """
        return loss_gradients(
            model, lambda: self.loss_terms(model, x, conditions, training=True)
        )

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def multi_worker_collective():
    """True under a MultiWorkerMirroredStrategy spanning several workers
    (the same test Keras' TF trainer applies before its metric reduction)."""
    strategy = tf.distribute.get_strategy()
    return (
        isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy)
        and strategy.extended._in_multi_worker_mode()
    )
