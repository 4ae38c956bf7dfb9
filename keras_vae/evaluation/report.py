"""Every measure of the evaluation package in one report (what
`keras-vae evaluate` prints)."""

import numpy as np

from keras_vae.evaluation.latent_statistics import continuity
from keras_vae.evaluation.latent_statistics import posterior_statistics
from keras_vae.evaluation.likelihood_bounds import elbo
from keras_vae.evaluation.likelihood_bounds import importance_weighted_log_likelihood
from keras_vae.evaluation.sample_quality import completeness


def evaluate_model(
    model,
    images,
    iwae_samples=1000,
    classifier=None,
    seed=0,
    continuity_pairs=100,
    completeness_samples=1000,
):
    """Every measure of this module in one report.

    Args:
        model: a trained `VAE` or `Autoencoder`.
        images: test images.
        iwae_samples: int. k of the IWAE estimate (VAE only). Defaults to
            `1000`.
        classifier: a classifier for `completeness`, or `None` to skip it.
        seed: int. Defaults to `0`.
        continuity_pairs: int. Defaults to `100`.
        completeness_samples: int. Defaults to `1000`.

    Returns:
        A flat dict of numbers (nats per image for likelihoods).
    """
    from keras_vae.models.vae import VAE

    images = np.asarray(images, dtype="float32")
    report = {"model": type(model).__name__, "examples": int(len(images))}
    if isinstance(model, VAE):
        report.update(elbo(model, images, seed=seed))
        estimates = importance_weighted_log_likelihood(
            model, images, num_samples=iwae_samples, seed=seed
        )
        report["test_nll_iwae"] = float(-estimates.mean())
        report["iwae_samples"] = int(iwae_samples)
        stats = posterior_statistics(model, images)
        report["active_units"] = stats["active_units"]
        report["latent_dim"] = stats["latent_dim"]
        report["mean_posterior_variance"] = stats["mean_posterior_variance"]
    else:
        results = model.evaluate(images, batch_size=500, verbose=0, return_dict=True)
        report["reconstruction_loss"] = float(results["reconstruction_loss"])
        report["latent_dim"] = int(model.latent_dim)
    report.update(
        {
            f"continuity_{k}" if k != "continuity" else k: v
            for k, v in continuity(
                model, images, pairs=continuity_pairs, seed=seed
            ).items()
        }
    )
    if classifier is not None:
        scores = completeness(
            model, classifier, num_samples=completeness_samples, seed=seed
        )
        report.update(scores)
        report["classifier_test_accuracy"] = getattr(classifier, "test_accuracy", None)
    return report
