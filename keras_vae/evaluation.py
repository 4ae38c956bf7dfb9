"""Measuring what the course claims: likelihood, posterior use, and the
continuity and completeness of a latent space.

Every function takes a trained `VAE` (or `Autoencoder`, where it makes
sense) and numpy images, and returns plain numbers.
"""

import math
import os
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from keras_vae.input_checks import check_positive_int

LOG_2PI = math.log(2.0 * math.pi)


def _images(vae, images):
    images = np.asarray(images, dtype="float32")
    vae._check_inputs("images", images)
    return images


def fixed_binarization(images, seed=0):
    """Binarises images once, pixel ~ Bernoulli(intensity), with a fixed seed
    (how Burda et al. 2016 evaluate dynamically binarised MNIST)."""
    rng = np.random.default_rng(seed)
    return (rng.uniform(size=images.shape) < images).astype("float32")


def evaluation_images(vae, images, seed=0):
    """The images a likelihood is measured on: binarised once with a fixed
    seed when the model trains with dynamic binarisation, else unchanged."""
    images = _images(vae, images)
    if getattr(vae.likelihood, "binarize", False):
        return fixed_binarization(images, seed)
    return images


def _log_weight_function(vae):
    decoder, likelihood = vae.decoder, vae.likelihood

    @tf.function(reduce_retracing=True)
    def log_weights(x, z_mean, z_log_var, epsilon):
        # epsilon: (samples, batch, latent_dim)
        samples, batch = tf.shape(epsilon)[0], tf.shape(epsilon)[1]
        z = z_mean[None] + tf.exp(0.5 * z_log_var)[None] * epsilon
        flat_z = tf.reshape(z, (samples * batch, -1))
        params = decoder(flat_z, training=False)
        targets = tf.reshape(
            tf.broadcast_to(x[None], tf.concat([[samples], tf.shape(x)], 0)),
            tf.shape(params),
        )
        log_px = -tf.reshape(
            likelihood.negative_log_likelihood(targets, params), (samples, batch)
        )
        log_pz = -0.5 * tf.reduce_sum(tf.square(z) + LOG_2PI, axis=-1)
        log_qz = -0.5 * tf.reduce_sum(
            tf.square(epsilon) + LOG_2PI + z_log_var[None], axis=-1
        )
        return log_px + log_pz - log_qz

    return log_weights


def importance_weighted_log_likelihood(
    vae, images, num_samples=5000, seed=0, rows_per_call=50_000
):
    """Importance-weighted estimate of log p(x) (the IWAE bound), per image.

    `log p(x) >= E[log (1/k) sum_i p(x, z_i) / q(z_i | x)]`, z_i ~ q(z | x),
    a bound that tightens as k grows and equals the ELBO in expectation for
    k = 1 (Burda et al. 2016). Computed in batches of `rows_per_call`
    decoded samples, so k = 5000 fits in memory. Images of a model trained
    with dynamic binarisation are binarised once with `seed`
    (`evaluation_images`).

    Args:
        vae: a trained `keras_vae.VAE`.
        images: array of images.
        num_samples: int. k, the importance samples per image. Defaults to
            `5000`.
        seed: int. Seed of the samples and of the binarisation. Defaults to
            `0`.
        rows_per_call: int. Decoded samples per call (memory bound).
            Defaults to `50000`.

    Returns:
        A float64 array of log p(x) estimates in nats, one per image; the
        negative log-likelihood is `-estimate.mean()`.
    """
    num_samples = check_positive_int("num_samples", num_samples)
    x = evaluation_images(vae, images, seed)
    z_mean, z_log_var = vae.encode(x)
    log_weights = _log_weight_function(vae)
    batch = max(1, rows_per_call // num_samples)
    chunk = min(num_samples, rows_per_call)
    estimates = np.empty(len(x), dtype="float64")
    for start in range(0, len(x), batch):
        stop = min(start + batch, len(x))
        # One generator per image: the estimate of an image does not depend
        # on how images and samples are batched.
        generators = [np.random.default_rng([seed, i]) for i in range(start, stop)]
        total = np.full(stop - start, -np.inf)
        for drawn in range(0, num_samples, chunk):
            count = min(chunk, num_samples - drawn)
            epsilon = np.stack(
                [
                    g.standard_normal((count, vae.latent_dim), dtype=np.float32)
                    for g in generators
                ],
                axis=1,
            )
            weights = (
                log_weights(
                    x[start:stop], z_mean[start:stop], z_log_var[start:stop], epsilon
                )
                .numpy()
                .astype("float64")
            )
            total = np.logaddexp(total, _logsumexp(weights))
        estimates[start:stop] = total - math.log(num_samples)
    return estimates


def _logsumexp(values):
    peak = values.max(axis=0)
    return peak + np.log(np.exp(values - peak).sum(axis=0))


def elbo(vae, images, seed=0, batch_size=500):
    """Test ELBO with its parts, nats per image (one posterior sample each).

    Returns:
        A dict with `negative_elbo`, `reconstruction_loss` and `kl_loss`.
    """
    keras.utils.set_random_seed(seed)
    x = evaluation_images(vae, images, seed)
    results = vae.evaluate(x, batch_size=batch_size, verbose=0, return_dict=True)
    return {
        "negative_elbo": float(results["loss"]),
        "reconstruction_loss": float(results["reconstruction_loss"]),
        "kl_loss": float(results["kl_loss"]),
    }


def posterior_statistics(vae, images, threshold=0.01):
    """Active units and posterior variances.

    A unit u is active when `Cov_x(E_q[z_u | x]) > threshold` (Burda et al.
    2016): the posterior mean moves with the input. Without a KL term the
    posterior variances collapse toward zero.

    Returns:
        A dict with `active_units`, `latent_dim`, `posterior_mean_variance`
        (per unit, over x), and `mean_posterior_variance` (the mean of
        sigma^2 over images and units).
    """
    z_mean, z_log_var = vae.encode(_images(vae, images))
    activity = z_mean.var(axis=0)
    return {
        "active_units": int((activity > threshold).sum()),
        "latent_dim": int(vae.latent_dim),
        "posterior_mean_variance": activity.tolist(),
        "mean_posterior_variance": float(np.exp(z_log_var).mean()),
    }


def continuity(model, images, pairs=100, steps=10, seed=0):
    """How smoothly decoded images change along latent interpolations.

    For random pairs of images, the straight line between their latent
    codes (posterior means for a VAE) is decoded at `steps` evenly spaced
    points. For each path, the largest distance (L2, over pixels) between
    consecutive frames is divided by the distance between the two end
    frames; the score is the mean over pairs. A path that changes evenly
    scores `1 / (steps - 1)`; one that jumps scores near 1 or above (a
    detour through unrelated images). Lower is smoother.

    Returns:
        A dict with `continuity` (the score), `even_path_score`, `pairs`
        and `steps`.
    """
    steps = check_positive_int("steps", steps)
    images = np.asarray(images, dtype="float32")
    rng = np.random.default_rng(seed)
    first = rng.integers(0, len(images), pairs)
    second = rng.integers(0, len(images), pairs)
    frames = model.interpolate(images[first], images[second], steps=steps)
    flat = frames.reshape(pairs, steps, -1)
    step_sizes = np.linalg.norm(np.diff(flat, axis=1), axis=-1)
    end_to_end = np.linalg.norm(flat[:, -1] - flat[:, 0], axis=-1)
    keep = end_to_end > 1e-6
    ratios = step_sizes.max(axis=1)[keep] / end_to_end[keep]
    return {
        "continuity": float(ratios.mean()),
        "even_path_score": 1.0 / (steps - 1),
        "pairs": int(keep.sum()),
        "steps": steps,
    }


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


def default_cache_dir():
    """`$KERAS_VAE_CACHE`, else `~/.cache/keras_vae`."""
    return Path(os.environ.get("KERAS_VAE_CACHE", Path.home() / ".cache" / "keras_vae"))


def reference_classifier(data_dir=None, cache_dir=None, epochs=3, seed=0):
    """A small MNIST classifier, trained once and cached as a `.keras` file.

    An MLP 784-256-10 trained on grey-level MNIST (test accuracy about 98%),
    used to judge whether decoded samples look like digits.

    Args:
        data_dir: str or None. MNIST IDX folder (see `keras_vae.data`).
        cache_dir: str or None. Defaults to `default_cache_dir()`.
        epochs: int. Defaults to `3`.
        seed: int. Defaults to `0`.

    Returns:
        A compiled `keras.Model` with a `test_accuracy` attribute.
    """
    from keras_vae import data
    from keras_vae.file_io import atomic_path

    cache = (
        Path(cache_dir or default_cache_dir()) / f"mnist_mlp_e{epochs}_s{seed}.keras"
    )
    (test_x, test_y) = data.load_arrays("mnist", "test", data_dir=data_dir)
    if cache.exists():
        classifier = keras.saving.load_model(cache, safe_mode=True)
    else:
        keras.utils.set_random_seed(seed)
        train_x, train_y = data.load_arrays("mnist", "train", data_dir=data_dir)
        classifier = keras.Sequential(
            [
                keras.Input((28, 28, 1)),
                keras.layers.Flatten(),
                keras.layers.Dense(256, activation="relu"),
                keras.layers.Dense(10, activation="softmax"),
            ],
            name="mnist_reference_classifier",
        )
        classifier.compile(
            optimizer="adam",
            loss="sparse_categorical_crossentropy",
            metrics=["accuracy"],
        )
        classifier.fit(train_x, train_y, batch_size=128, epochs=epochs, verbose=0)
        cache.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(cache) as tmp:
            classifier.save(tmp)
    _, accuracy = classifier.evaluate(test_x, test_y, batch_size=1000, verbose=0)
    classifier.test_accuracy = float(accuracy)
    return classifier


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
    from keras_vae.vae import VAE

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
