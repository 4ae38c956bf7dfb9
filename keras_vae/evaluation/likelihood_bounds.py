"""Likelihood bounds on test images: the ELBO and the importance-weighted
(IWAE) estimate of log p(x)."""

import math

import keras
import numpy as np
import tensorflow as tf

from keras_vae.input_checks import check_image_batch
from keras_vae_sampler.checks import check_positive_int

LOG_2PI = math.log(2.0 * math.pi)


def checked_images(vae, images):
    """`images` as float32, checked against the model's shape and its
    likelihood's data range."""
    images = np.asarray(images, dtype="float32")
    check_image_batch("images", images, vae.example_shape)
    vae.likelihood.check_data("images", images)
    return images


def fixed_binarization(images, seed=0):
    """Binarises images once, pixel ~ Bernoulli(intensity), with a fixed seed
    (how Burda et al. 2016 evaluate dynamically binarised MNIST)."""
    rng = np.random.default_rng(seed)
    return (rng.uniform(size=images.shape) < images).astype("float32")


def evaluation_images(vae, images, seed=0):
    """The images a likelihood is measured on: binarised once with a fixed
    seed when the model trains with dynamic binarisation, else unchanged."""
    images = checked_images(vae, images)
    if getattr(vae.likelihood, "binarize", False):
        return fixed_binarization(images, seed)
    return images


def _log_weight_function(vae):
    decoder, likelihood = vae.decoder, vae.likelihood

    @tf.function(reduce_retracing=True)
    def log_weights(x, z_mean, z_log_var, epsilon, labels):
        # epsilon: (samples, batch, latent_dim); labels: (batch,) or (0,)
        samples, batch = tf.shape(epsilon)[0], tf.shape(epsilon)[1]
        z = z_mean[None] + tf.exp(0.5 * z_log_var)[None] * epsilon
        flat_z = tf.reshape(z, (samples * batch, -1))
        if vae.num_classes is None:
            params = decoder(flat_z, training=False)
        else:
            flat_labels = tf.reshape(tf.tile(labels[None], [samples, 1]), [-1])
            params = decoder([flat_z, flat_labels], training=False)
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
    vae, images, num_samples=5000, seed=0, rows_per_call=50_000, labels=None
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
        labels: int array `(n,)` for a conditional model, whose estimate
            is then of log p(x | y).

    Returns:
        A float64 array of log p(x) estimates in nats, one per image; the
        negative log-likelihood is `-estimate.mean()`.
    """
    num_samples = check_positive_int("num_samples", num_samples)
    x = evaluation_images(vae, images, seed)
    z_mean, z_log_var = vae.encode(x, labels=labels)
    conditions = vae._condition_arrays(labels, len(x))
    labels = conditions[0] if conditions else np.zeros(len(x), "int32")
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
                    x[start:stop],
                    z_mean[start:stop],
                    z_log_var[start:stop],
                    epsilon,
                    labels[start:stop],
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


def elbo(vae, images, seed=0, batch_size=500, labels=None):
    """Test ELBO with its parts, nats per image; of log p(x | y) for a
    conditional model given `labels`. An ELBO model draws one posterior
    sample per image; a model trained with `objective="iwae"` averages the
    reconstruction term over its `importance_samples` draws (its `loss` is
    the k-sample bound, not the ELBO, and is not what this returns).

    Returns:
        A dict with `negative_elbo`, `reconstruction_loss` and `kl_loss`.
    """
    keras.utils.set_random_seed(seed)
    x = evaluation_images(vae, images, seed)
    results = vae.evaluate(
        x, labels, batch_size=batch_size, verbose=0, return_dict=True
    )
    return {
        "negative_elbo": float(results.get("negative_elbo", results["loss"])),
        "reconstruction_loss": float(results["reconstruction_loss"]),
        "kl_loss": float(results["kl_loss"]),
    }
