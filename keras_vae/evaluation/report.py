"""Every measure of the evaluation package in one report (what
`keras-vae evaluate` prints): `evaluate_model` on images,
`evaluate_on_source` on the held-out images of a data source."""

import os

import numpy as np

from keras_vae.evaluation.latent_statistics import continuity
from keras_vae.evaluation.latent_statistics import posterior_statistics
from keras_vae.evaluation.likelihood_bounds import elbo
from keras_vae.evaluation.likelihood_bounds import importance_weighted_log_likelihood
from keras_vae.evaluation.reference_classifier import reference_classifier
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


def evaluate_on_source(model, source, iwae_samples=1000, max_examples=None, seed=0):
    """What `keras-vae evaluate` measures: `evaluate_model` on the images a
    data source holds out for evaluation.

    The images are the source's `evaluation_split` (its held-out
    validation split, else the test split); their labels are used for a
    conditional model. On MNIST images of shape `(28, 28, 1)` the sample
    measures are taken too, with the reference classifier.

    Args:
        model: a trained `VAE`, `ConditionalVAE` or `Autoencoder`, or the
            path of its `.keras` file.
        source: a `keras_vae.data.DataSource`; for a model that
            `keras-vae train` wrote,
            `keras_vae.training.config.data_source(config)` gives the one
            it validated on.
        iwae_samples: int. k of the IWAE estimate. Defaults to `1000`.
        max_examples: int or None. Evaluate on the first N images.
            Defaults to `None` (all).
        seed: int. Defaults to `0`.

    Returns:
        The report of `evaluate_model`, with `dataset` added. Without the
        reference classifier (it is for MNIST) the report has no sample
        measures and no `classifier_test_accuracy`.

    Example:
    ```python
    source = keras_vae.data.DataSource("mnist")
    report = evaluate_on_source("runs/vae/model.keras", source)
    ```
    """
    from keras_vae import data
    from keras_vae.models.latent_model import LatentModel
    from keras_vae.models.model_files import load_model_file

    if isinstance(model, (str, os.PathLike)):
        model = load_model_file(model, LatentModel)
    images, labels = data.load_arrays(source, source.evaluation_split)
    images, labels = images[:max_examples], labels[:max_examples]
    if model.num_classes is None:
        labels = None
    classifier = None
    is_mnist = isinstance(source.dataset, str) and source.dataset == "mnist"
    if is_mnist and model.example_shape == (28, 28, 1):
        classifier = reference_classifier(data_dir=source.data_dir)
    report = evaluate_model(
        model,
        images,
        iwae_samples=iwae_samples,
        classifier=classifier,
        seed=seed,
        labels=labels,
    )
    report["dataset"] = source.dataset
    return report
