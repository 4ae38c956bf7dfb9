"""The evidence lower bound, a VAE's default objective."""

import keras
from keras import ops

from keras_vae.losses import kl_divergence
from keras_vae.objectives.base import Objective


@keras.saving.register_keras_serializable(package="keras_vae")
class ELBO(Objective):
    """The negative ELBO: one latent per example, the KL term in closed
    form (Kingma and Welling 2014).

    The gradient follows the regularised loss: the reconstruction negative
    log-likelihood plus `beta * KL`, with the model's free bits and KL
    warm-up, plus the networks' own losses (the `add_loss` terms of the
    model's `call`). The reported `loss` is the plain negative ELBO
    (beta = 1, no free bits), with `reconstruction_loss` and `kl_loss`, in
    nats per example.

    `VAE(objective="elbo")`, the default, uses it; `importance_samples`
    must be 1, and `dreg` is ignored.
    """

    def check_options(self, importance_samples, free_bits, dreg):
        importance_samples = super().check_options(importance_samples, free_bits, dreg)
        if importance_samples != 1:
            raise ValueError(
                "importance_samples applies to objective='iwae'; the ELBO "
                "draws one latent per example. Received: "
                f"importance_samples={importance_samples}, objective='elbo'"
            )
        return importance_samples

    def loss_terms(self, model, x, conditions, training):
        params, z_mean, z_log_var = model(
            model._with_conditions(x, conditions),
            training=training,
            sample=True,
            return_posterior=True,
        )
        reconstruction = ops.mean(model.likelihood.negative_log_likelihood(x, params))
        kl = ops.mean(kl_divergence(z_mean, z_log_var))
        values = {
            "loss": reconstruction + kl,
            "reconstruction_loss": reconstruction,
            "kl_loss": kl,
        }
        return model._regularised_loss(reconstruction), values
