"""Measuring what the course claims: likelihood, posterior use, and the
continuity and completeness of a latent space.

Every function takes a trained model and numpy images, and returns plain
numbers. Modules: `likelihood_bounds` (ELBO, IWAE), `latent_statistics`
(active units, continuity), `sample_quality` (completeness, label accuracy,
Fréchet distance, precision and recall),
`reference_classifier`, `report` (`evaluate_model`, `evaluate_on_source`).
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
from keras_vae.evaluation.report import evaluate_on_source
from keras_vae.evaluation.sample_quality import classifier_confidence
from keras_vae.evaluation.sample_quality import classifier_features
from keras_vae.evaluation.sample_quality import completeness
from keras_vae.evaluation.sample_quality import frechet_distance
from keras_vae.evaluation.sample_quality import label_accuracy
from keras_vae.evaluation.sample_quality import precision_recall
from keras_vae.evaluation.sample_quality import sample_quality

__all__ = [
    "classifier_confidence",
    "classifier_features",
    "completeness",
    "continuity",
    "default_cache_dir",
    "elbo",
    "evaluate_model",
    "evaluate_on_source",
    "evaluation_images",
    "fixed_binarization",
    "frechet_distance",
    "importance_weighted_log_likelihood",
    "label_accuracy",
    "posterior_statistics",
    "precision_recall",
    "reference_classifier",
    "sample_quality",
]
