"""How a model uses its latent space: active units, posterior variances and
the continuity of decoded interpolations."""

import numpy as np

from keras_vae.evaluation.likelihood_bounds import checked_images
from keras_vae_sampler.checks import check_positive_int


def posterior_statistics(vae, images, threshold=0.01, labels=None):
    """Active units and posterior variances.

    A unit u is active when `Cov_x(E_q[z_u | x]) > threshold` (Burda et al.
    2016): the posterior mean moves with the input. Without a KL term the
    posterior variances collapse toward zero.

    Returns:
        A dict with `active_units`, `latent_dim`, `posterior_mean_variance`
        (per unit, over x), and `mean_posterior_variance` (the mean of
        sigma^2 over images and units).
    """
    z_mean, z_log_var = vae.encode(checked_images(vae, images), labels=labels)
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
