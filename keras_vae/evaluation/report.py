"""Every measure of the evaluation package in one report (what
`keras-vae evaluate` prints)."""

import numpy as np

from keras_vae.evaluation.latent_statistics import continuity
from keras_vae.evaluation.latent_statistics import posterior_statistics
from keras_vae.evaluation.likelihood_bounds import elbo
from keras_vae.evaluation.likelihood_bounds import importance_weighted_log_likelihood
from keras_vae.evaluation.sample_quality import label_accuracy
from keras_vae.evaluation.sample_quality import sample_quality


def evaluate_model(
    model,
    images,
    iwae_samples=1000,
    classifier=None,
    seed=0,
    continuity_pairs=100,
    completeness_samples=1000,
    labels=None,
):
    """Every measure of this package in one report.

    Args:
        model: a trained `VAE`, `ConditionalVAE` or `Autoencoder`.
        images: test images.
        iwae_samples: int. k of the IWAE estimate (VAE only). Defaults to
            `1000`.
        classifier: the reference classifier, for the sample measures
            (`sample_quality`: completeness, Fréchet distance, precision,
            recall; `label_accuracy` for a conditional model), or `None` to
            skip them.
        seed: int. Defaults to `0`.
        continuity_pairs: int. Defaults to `100`.
        completeness_samples: int. Defaults to `1000`.
        labels: int array: the test labels, for a conditional model
            (likelihoods are then of log p(x | y)).

    Returns:
        A flat dict of numbers (nats per image for likelihoods). Sample
        measures are given for each latent sampler the model has, with a
        suffix (`completeness`, `completeness_gmm`, ...).
    """
    from keras_vae.models.vae import VAE

    images = np.asarray(images, dtype="float32")
    conditional = getattr(model, "num_classes", None) is not None
    report = {"model": type(model).__name__, "examples": int(len(images))}
    if isinstance(model, VAE):
        report.update(elbo(model, images, seed=seed, labels=labels))
        estimates = importance_weighted_log_likelihood(
            model, images, num_samples=iwae_samples, seed=seed, labels=labels
        )
        report["test_nll_iwae"] = float(-estimates.mean())
        report["iwae_samples"] = int(iwae_samples)
        stats = posterior_statistics(model, images, labels=labels)
        report["active_units"] = stats["active_units"]
        report["latent_dim"] = stats["latent_dim"]
        report["mean_posterior_variance"] = stats["mean_posterior_variance"]
    else:
        results = model.evaluate(images, batch_size=500, verbose=0, return_dict=True)
        report["reconstruction_loss"] = float(results["reconstruction_loss"])
        report["latent_dim"] = int(model.latent_dim)
    if not conditional:
        scores = continuity(model, images, pairs=continuity_pairs, seed=seed)
        report.update(
            {
                k if k == "continuity" else f"continuity_{k}": v
                for k, v in scores.items()
            }
        )
    if classifier is None:
        return report
    samplers = ["prior"]
    if getattr(model, "latent_sampler", None) is not None:
        samplers.append("gmm")
    for latent in samplers:
        suffix = "" if latent == "prior" else f"_{latent}"
        if conditional:
            scores = label_accuracy(model, classifier, seed=seed, latent=latent)
        else:
            scores = sample_quality(
                model,
                classifier,
                images,
                num_samples=completeness_samples,
                seed=seed,
                latent=latent,
            )
        report.update({f"{key}{suffix}": value for key, value in scores.items()})
    report["classifier_test_accuracy"] = getattr(classifier, "test_accuracy", None)
    return report
