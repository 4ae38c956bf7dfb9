"""The importance-weighted bound (IWAE) and its doubly reparameterised
gradient (DReG); the mathematics is in
`keras_vae.objectives.importance_weighting`."""

import keras
from keras import ops

from keras_vae.losses import kl_divergence
from keras_vae.objectives import importance_weighting as iw
from keras_vae.objectives.base import Objective
from keras_vae.objectives.base import scale_for_replicas


@keras.saving.register_keras_serializable(package="keras_vae")
class IWAE(Objective):
    """The negative importance-weighted bound with `importance_samples`
    latents per example (Burda et al. 2016), tighter than the ELBO for
    k > 1.

    `fit` and `evaluate` report `loss` (the negative k-sample bound,
    beta = 1), `negative_elbo` (the ELBO of the same samples, analytic KL),
    `reconstruction_loss` and `kl_loss`. `beta` and KL warm-up weight
    `log p(z) - log q(z | x)` inside each importance weight. With the
    model's `dreg=True` the encoder's gradient is the doubly
    reparameterised one (Tucker et al. 2019); the decoder's is unchanged.
    `free_bits` must be 0: the bound has no per-dimension KL.

    `VAE(objective="iwae", importance_samples=k)` uses it.
    """

    metric_names = ("loss", "negative_elbo", "reconstruction_loss", "kl_loss")
    importance_weighted = True

    def check_options(self, importance_samples, free_bits, dreg):
        importance_samples = super().check_options(importance_samples, free_bits, dreg)
        if free_bits > 0:
            raise ValueError(
                "free_bits applies to objective='elbo' only (the IWAE bound "
                f"has no per-dimension KL). Received: free_bits={free_bits}, "
                "objective='iwae'"
            )
        return importance_samples

    def loss_terms(self, model, x, conditions, training):
        return self.importance_weighted_terms(model, x, conditions, training)[:2]

    def importance_weighted_terms(self, model, x, conditions, training, epsilon=None):
        """The terms of the bound on a batch.

        Args:
            model: the `VAE`.
            x: the batch; conditions and training as for `loss_terms`.
            conditions: list of condition tensors, empty for an
                unconditional model.
            training: bool. DReG's stopped-gradient log q is used only in
                training with the model's `dreg=True`.
            epsilon: tensor `(k, batch, latent_dim)` or None. The noise of
                the latents; `None` draws it from the model's sampling
                layer's seed generator.

        Returns:
            `(loss, values, z, log_weights)`: the loss (scaled for
            replicas, the networks' own losses included), the reported
            values, the latents `(k, batch, latent_dim)` and the loss's
            log weights `(k, batch)`.
        """
        z_mean, z_log_var = model.encoder(
            model._with_conditions(x, conditions), training=training
        )
        z_mean = ops.cast(z_mean, "float32")
        z_log_var = ops.cast(z_log_var, "float32")
        if epsilon is None:
            epsilon = iw.importance_noise(
                model.importance_samples, z_mean, model.sampling.seed_generator
            )
        z = iw.importance_latents(z_mean, z_log_var, epsilon)
        samples, latent_dim = ops.shape(z)[0], model.latent_dim
        flat_conditions = [ops.tile(c, [samples]) for c in conditions]
        params = model.decoder(
            model._with_conditions(ops.reshape(z, (-1, latent_dim)), flat_conditions),
            training=training,
        )
        targets = ops.tile(x, [samples] + [1] * len(model.example_shape))
        log_px = -ops.reshape(
            model.likelihood.negative_log_likelihood(targets, params), (samples, -1)
        )
        if model.dreg and training:
            log_q = iw.log_posterior_path(z, z_mean, z_log_var)
        else:
            log_q = iw.log_posterior_of_noise(epsilon, z_log_var)
        log_ratio = iw.log_prior(z) - log_q
        kl_weight = ops.cast(model.kl_weight, "float32")
        log_weights = log_px + kl_weight * log_ratio
        bound = ops.mean(iw.log_mean_exp(log_px + log_ratio))
        reconstruction = -ops.mean(log_px)
        kl = ops.mean(kl_divergence(z_mean, z_log_var))
        values = {
            "loss": -bound,
            "negative_elbo": reconstruction + kl,
            "reconstruction_loss": reconstruction,
            "kl_loss": kl,
        }
        loss = -ops.mean(iw.log_mean_exp(log_weights))
        for network_loss in _network_losses(model):
            loss = loss + ops.sum(ops.cast(network_loss, "float32"))
        return scale_for_replicas(loss), values, z, log_weights

    def gradients(self, model, x, conditions):
        """The IWAE gradient, or with the model's `dreg=True` the DReG one:
        every variable but the encoder's gets the IWAE gradient, the
        encoder the path term (one backward pass through the decoder)."""
        if not model.dreg:
            return super().gradients(model, x, conditions)
        import tensorflow as tf

        with tf.GradientTape(persistent=True) as tape:
            loss, values, z, log_weights = self.importance_weighted_terms(
                model, x, conditions, training=True
            )
            scaled = model.optimizer.scale_loss(loss)
            encoder_penalty = [
                model.optimizer.scale_loss(
                    scale_for_replicas(ops.sum(ops.cast(penalty, "float32")))
                )
                for penalty in model.encoder.losses
            ]
        gradients = self.dreg_gradients(
            model, tape, scaled, encoder_penalty, z, log_weights
        )
        del tape
        return gradients, values

    def dreg_gradients(self, model, tape, loss, encoder_penalty, z, log_weights):
        """Gradients of every trainable variable of `model`: the IWAE
        gradient of `loss` for all but the encoder, whose gradient is the
        path term reaching `z` times
        `importance_weighting.dreg_encoder_factor`, plus that of its own
        losses `encoder_penalty`.

        Args:
            model: the `VAE`.
            tape: a persistent `tf.GradientTape` that recorded `loss`,
                `encoder_penalty` and `z`.
            loss: the scalar loss (as `importance_weighted_terms` returns
                it, scaled by the optimizer).
            encoder_penalty: list of the encoder's scalar losses
                (regularisers).
            z: the latents `(k, batch, latent_dim)`.
            log_weights: the loss's log weights `(k, batch)`.

        Returns:
            One gradient per variable of `model.trainable_variables`.
        """
        variables = model.trainable_variables
        encoder_ids = {id(v) for v in model.encoder.trainable_variables}
        others = [v for v in variables if id(v) not in encoder_ids]
        encoder_variables = [v for v in variables if id(v) in encoder_ids]
        *other_gradients, z_gradient = tape.gradient(loss, others + [z])
        factor = iw.dreg_encoder_factor(log_weights, model.kl_weight)
        encoder_gradients = tape.gradient(
            [z] + encoder_penalty,
            encoder_variables,
            output_gradients=[factor * z_gradient]
            + [ops.ones_like(penalty) for penalty in encoder_penalty],
        )
        by_id = {id(v): g for v, g in zip(others, other_gradients)}
        by_id.update({id(v): g for v, g in zip(encoder_variables, encoder_gradients)})
        return [by_id[id(v)] for v in variables]


def _network_losses(model):
    """The networks' own losses (regularisers, activity losses) of the last
    call; the KL term of the model's `call` is not among them."""
    return model.encoder.losses + model.decoder.losses + model.likelihood.losses
