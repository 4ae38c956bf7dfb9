"""Measuring what the course claims: likelihood, posterior use, and the
continuity and completeness of a latent space.

Every function takes a trained model and numpy images, and returns plain
numbers. Modules: `likelihood_bounds` (ELBO, IWAE), `latent_statistics`
(active units, continuity), `sample_quality` (completeness),
`reference_classifier`, `report` (`evaluate_model`).
"""

from keras_vae.evaluation.latent_statistics import continuity
from keras_vae.evaluation.latent_statistics import posterior_statistics
from keras_vae.evaluation.likelihood_bounds import elbo
from keras_vae.evaluation.likelihood_bounds import evaluation_images
from keras_vae.evaluation.likelihood_bounds import fixed_binarization
from keras_vae.evaluation.likelihood_bounds import importance_weighted_log_likelihood
from keras_vae.evaluation.reference_classifier import default_cache_dir
from keras_vae.evaluation.reference_classifier import reference_classifier
from keras_vae.evaluation.report import evaluate_model
from keras_vae.evaluation.sample_quality import completeness
from keras_vae.evaluation.sample_quality import label_accuracy

__all__ = [
    "completeness",
    "continuity",
    "default_cache_dir",
    "elbo",
    "evaluate_model",
    "evaluation_images",
    "fixed_binarization",
    "importance_weighted_log_likelihood",
    "label_accuracy",
    "posterior_statistics",
    "reference_classifier",
]
