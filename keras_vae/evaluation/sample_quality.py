"""Quality of decoded samples, judged by a reference classifier.

`completeness` and `label_accuracy` read the classifier's decisions; the
Fréchet distance and precision/recall compare the distribution of samples
with that of real images in the classifier's penultimate features (the
practice of tf-gan's MNIST Fréchet distance; precision and recall of
Kynkäänniemi et al. 2019, "Improved precision and recall metric for
assessing generative models", with k = 3).
"""

import numpy as np


def _latents(model, count, seed, labels, latent):
    """Latents from numpy's N(0, I) (the same on every side for a seed) or
    from the model's (or export's) fitted mixture."""
    if latent == "prior":
        rng = np.random.default_rng(seed)
        return rng.standard_normal((count, model.latent_dim), dtype=np.float32)
    return model.latents(count, seed=seed, labels=labels, latent=latent)


def _images(model, count, seed, labels, latent):
    """Samples, clipped to [0, 1]: latents decoded, or (`latent="graph"`)
    drawn whole by an export's sampling graph from the seed's uniform noise,
    as a device that feeds the raw file draws them."""
    if latent == "graph":
        if not hasattr(model, "sample_noise"):
            raise ValueError(
                'latent="graph" measures an export\'s sampling graph: pass a '
                "keras_vae_sampler Sampler. Received: model of type "
                f"{type(model).__name__}"
            )
        return np.clip(model.sample(count, seed=seed, labels=labels), 0.0, 1.0)
    z = _latents(model, count, seed, labels, latent)
    kwargs = {} if labels is None else {"labels": labels}
    return np.clip(model.decode(z, **kwargs), 0.0, 1.0)


def _confidence(classifier, images, threshold):
    """Completeness (share of confident decisions) and mean confidence."""
    confidence = classifier.predict(images, batch_size=500, verbose=0).max(axis=1)
    return {
        "completeness": float((confidence >= threshold).mean()),
        "mean_confidence": float(confidence.mean()),
    }


def classifier_confidence(classifier, images, threshold=0.9):
    """Completeness and mean confidence of given images.

    Real test images scored so are the yardstick for samples: a sample set
    cannot honestly be more recognisable than the data, and a reference
    classifier that is unsure of some real digits caps completeness below 1.

    Args:
        classifier: the reference classifier.
        images: numpy images `(n, *example_shape)`.
        threshold: float. Defaults to `0.9`.

    Returns:
        A dict with `completeness` (in [0, 1]), `mean_confidence` and
        `num_samples`.
    """
    images = np.asarray(images)
    return {
        **_confidence(classifier, images, threshold),
        "num_samples": int(len(images)),
    }


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
    images = _images(model, num_samples, seed, None, latent)
    return {
        **_confidence(classifier, images, threshold),
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
            `num_classes`: a `ConditionalVAE`, or a `keras_vae_sampler`
            `Sampler` over a conditional export (to measure an artifact).
        classifier: a Keras model from images to class probabilities, such
            as `reference_classifier()`, whose classes are the model's.
        samples_per_class: int. Defaults to `200`.
        seed: int. Defaults to `0`.
        threshold: float. Defaults to `0.9`.
        latent: `"prior"`, `"gmm"` (the per-class mixtures) or `"graph"`
            (a `Sampler`'s sampling graph on uniform noise: the mixtures
            inside the file). Defaults to `"prior"`.

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
    images = _images(model, len(labels), seed, labels, latent)
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


def classifier_features(classifier, images, batch_size=500):
    """The classifier's penultimate-layer activations for `images`."""
    import keras

    extractor = keras.Model(classifier.inputs, classifier.layers[-2].output)
    return extractor.predict(np.asarray(images, "float32"), batch_size, verbose=0)


def frechet_distance(features_a, features_b):
    """Fréchet distance between Gaussians fitted to two feature sets.

    `||mu_a - mu_b||^2 + Tr(S_a + S_b - 2 (S_a S_b)^(1/2))`.

    Args:
        features_a: array `(n, f)`.
        features_b: array `(m, f)`.

    Returns:
        A float >= 0 (0 for identical distributions).
    """
    a = np.asarray(features_a, "float64")
    b = np.asarray(features_b, "float64")
    mean_a, mean_b = a.mean(axis=0), b.mean(axis=0)
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    # Tr (S_a S_b)^(1/2) = Tr (S_a^(1/2) S_b S_a^(1/2))^(1/2), a symmetric
    # positive semi-definite form that stays exact for singular covariances
    # (dead ReLU features).
    values, vectors = np.linalg.eigh(cov_a)
    root_a = (vectors * np.sqrt(np.clip(values, 0.0, None))) @ vectors.T
    middle = np.linalg.eigvalsh(root_a @ cov_b @ root_a)
    trace_root = np.sqrt(np.clip(middle, 0.0, None)).sum()
    distance = (
        np.sum((mean_a - mean_b) ** 2)
        + np.trace(cov_a)
        + np.trace(cov_b)
        - 2.0 * trace_root
    )
    return float(max(distance, 0.0))


def _kth_neighbour_radii(features, k):
    distances = _pairwise_distances(features, features)
    return np.sort(distances, axis=1)[:, k]  # column 0 is the point itself


def _pairwise_distances(a, b):
    squared = (a**2).sum(axis=1)[:, None] + (b**2).sum(axis=1)[None, :] - 2.0 * a @ b.T
    return np.sqrt(np.maximum(squared, 0.0))


def precision_recall(real_features, sample_features, k=3):
    """Precision and recall of samples against real data (Kynkäänniemi et
    al. 2019).

    Each set's manifold is the union of balls around its points reaching
    their k-th nearest neighbour. Precision is the share of samples inside
    the real manifold (are samples realistic?); recall is the share of real
    points inside the samples' manifold (do samples cover the data?).

    Args:
        real_features: array `(n, f)`.
        sample_features: array `(m, f)`.
        k: int. Defaults to `3`.

    Returns:
        A dict with `precision` and `recall`, each in [0, 1].
    """
    real = np.asarray(real_features, "float64")
    samples = np.asarray(sample_features, "float64")
    real_radii = _kth_neighbour_radii(real, k)
    sample_radii = _kth_neighbour_radii(samples, k)
    across = _pairwise_distances(samples, real)
    precision = (across <= real_radii[None, :]).any(axis=1).mean()
    recall = (across.T <= sample_radii[None, :]).any(axis=1).mean()
    return {"precision": float(precision), "recall": float(recall)}


def sample_quality(
    model, classifier, real_images, num_samples=2000, seed=0, latent="prior", k=3
):
    """Completeness, Fréchet distance and precision/recall of samples.

    Args:
        model: anything with `decode`, `latent_dim` (and `latents` for the
            mixture): a `VAE`, or a `Sampler` over an export.
        classifier: the reference classifier.
        real_images: test images to compare with (`num_samples` of them
            are used).
        num_samples: int. Defaults to `2000`.
        seed: int. Defaults to `0`.
        latent: `"prior"`, `"gmm"` or `"graph"` (a `Sampler`'s sampling
            graph on uniform noise). Defaults to `"prior"`.
        k: int. Neighbours of precision/recall. Defaults to `3`.

    Returns:
        A dict with `completeness`, `mean_confidence`, `frechet_distance`,
        `precision`, `recall` and `num_samples`.
    """
    images = _images(model, num_samples, seed, None, latent)
    real = classifier_features(classifier, np.asarray(real_images)[:num_samples])
    generated = classifier_features(classifier, images)
    return {
        **_confidence(classifier, images, threshold=0.9),
        "frechet_distance": frechet_distance(real, generated),
        **precision_recall(real, generated, k=k),
        "num_samples": int(num_samples),
    }
