"""Quality of decoded samples, judged by a reference classifier."""

import numpy as np


def _latents(model, count, seed, labels, latent):
    """Latents from numpy's N(0, I) (the same on every side for a seed) or
    from the model's (or export's) fitted mixture."""
    if latent == "prior":
        rng = np.random.default_rng(seed)
        return rng.standard_normal((count, model.latent_dim), dtype=np.float32)
    return model.latents(count, seed=seed, labels=labels, latent=latent)


def completeness(
    model, classifier, num_samples=1000, seed=0, threshold=0.9, latent="prior"
):
    """Share of decoded prior samples that a classifier labels confidently.

    Latents are drawn from N(0, I) (the VAE's prior; for an autoencoder,
    which has no prior, the same distribution stands for "random latent
    points") and decoded; a sample counts as complete when the classifier's
    top probability is at least `threshold`.

    Args:
        model: a `VAE` or `Autoencoder` (anything with `decode` and
            `latent_dim`).
        classifier: a Keras model mapping images to class probabilities,
            such as `reference_classifier()`.
        num_samples: int. Defaults to `1000`.
        seed: int. Defaults to `0`.
        threshold: float. Defaults to `0.9`.
        latent: `"prior"` (N(0, I)) or `"gmm"` (the model's or export's
            fitted mixture). Defaults to `"prior"`.

    Returns:
        A dict with `completeness` (in [0, 1]), `mean_confidence` and
        `num_samples`.
    """
    z = _latents(model, num_samples, seed, None, latent)
    images = np.clip(model.decode(z), 0.0, 1.0)
    confidence = classifier.predict(images, batch_size=500, verbose=0).max(axis=1)
    return {
        "completeness": float((confidence >= threshold).mean()),
        "mean_confidence": float(confidence.mean()),
        "num_samples": int(num_samples),
    }


def label_accuracy(
    model, classifier, samples_per_class=200, seed=0, threshold=0.9, latent="prior"
):
    """How often a conditional model draws the class it is asked for.

    For each class c, `samples_per_class` latents are drawn from N(0, I)
    and decoded with label c; a sample counts when the classifier assigns it
    to c with confidence >= `threshold`.

    Args:
        model: anything with `decode(z, labels=...)`, `latent_dim` and
            `num_classes`: a `ConditionalVAE`, or a `keras_vae_export`
            `Sampler` over a conditional export (to measure an artifact).
        classifier: a Keras model from images to class probabilities, such
            as `reference_classifier()`, whose classes are the model's.
        samples_per_class: int. Defaults to `200`.
        seed: int. Defaults to `0`.
        threshold: float. Defaults to `0.9`.
        latent: `"prior"` or `"gmm"` (the per-class mixtures). Defaults to
            `"prior"`.

    Returns:
        A dict with `label_accuracy` (the mean over classes),
        `label_accuracy_min`, `label_accuracy_per_class` (a list) and
        `samples_per_class`.
    """
    num_classes = getattr(model, "num_classes", None)
    if not num_classes:
        raise ValueError(
            "label_accuracy needs a conditional model (a ConditionalVAE or a "
            "conditional export). Received: model of type "
            f"{type(model).__name__}"
        )
    labels = np.repeat(np.arange(num_classes), samples_per_class).astype("int32")
    z = _latents(model, len(labels), seed, labels, latent)
    images = np.clip(model.decode(z, labels=labels), 0.0, 1.0)
    probabilities = classifier.predict(images, batch_size=500, verbose=0)
    hits = (probabilities.argmax(axis=1) == labels) & (
        probabilities.max(axis=1) >= threshold
    )
    per_class = hits.reshape(num_classes, samples_per_class).mean(axis=1)
    return {
        "label_accuracy": float(per_class.mean()),
        "label_accuracy_min": float(per_class.min()),
        "label_accuracy_per_class": [float(v) for v in per_class],
        "samples_per_class": int(samples_per_class),
    }
