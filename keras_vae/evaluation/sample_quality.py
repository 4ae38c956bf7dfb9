"""Quality of decoded samples, judged by a reference classifier."""

import numpy as np


def completeness(model, classifier, num_samples=1000, seed=0, threshold=0.9):
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

    Returns:
        A dict with `completeness` (in [0, 1]), `mean_confidence` and
        `num_samples`.
    """
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((num_samples, model.latent_dim), dtype=np.float32)
    images = np.clip(model.decode(z), 0.0, 1.0)
    confidence = classifier.predict(images, batch_size=500, verbose=0).max(axis=1)
    return {
        "completeness": float((confidence >= threshold).mean()),
        "mean_confidence": float(confidence.mean()),
        "num_samples": int(num_samples),
    }
