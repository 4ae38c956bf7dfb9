"""Moved to `keras_vae.objectives.importance_weighting` (#28: the IWAE
maths live with the objective that uses them, so that `keras_vae.models`
and `keras_vae.objectives` do not import each other); this module keeps
the old import path working."""

from keras_vae.objectives.importance_weighting import dreg_encoder_factor
from keras_vae.objectives.importance_weighting import importance_latents
from keras_vae.objectives.importance_weighting import importance_noise
from keras_vae.objectives.importance_weighting import log_mean_exp
from keras_vae.objectives.importance_weighting import log_posterior_of_noise
from keras_vae.objectives.importance_weighting import log_posterior_path
from keras_vae.objectives.importance_weighting import log_prior

__all__ = [
    "dreg_encoder_factor",
    "importance_latents",
    "importance_noise",
    "log_mean_exp",
    "log_posterior_of_noise",
    "log_posterior_path",
    "log_prior",
]
