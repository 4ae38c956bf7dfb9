"""Gaussian mixtures as numbers: densities, checking and the JSON
description an export carries. numpy only, for the device side. Drawing is
`uniform_noise`'s: uniform noise to latents, the same in Keras, the
device-side `Sampler`, the exported sampling graph and the web page.

The description (file `latent_sampler_gmm.json` of an export):

```
{"type": "gaussian_mixture", "latent_dim": d,
 "mixtures": [{"label": null or c,
               "weights": [K floats, >= 0, summing to 1],
               "means": [K x d],
               "cholesky": [K x d x d]}]}
```

One mixture (label `null`) for an unconditional model, one per class
(label `c`) for a conditional one. `cholesky[k]` is the lower-triangular
Cholesky factor L of component k's covariance (L L^T, so a positive
diagonal means a positive-definite covariance). A latent is component k
(with probability `weights[k]`) plus `L_k @ eps`, eps ~ N(0, I); see
`uniform_noise` for how the noise picks both.
"""

import numpy as np

DESCRIPTION_TYPE = "gaussian_mixture"


def log_density(z, weights, means, cholesky):
    """Log-density of one mixture at each latent, in nats.

    Args:
        z: `(n, d)` latents.
        weights: `(K,)` component probabilities.
        means: `(K, d)`.
        cholesky: `(K, d, d)` lower-triangular factors.

    Returns:
        A float64 array `(n,)`: `log sum_k w_k N(z; mu_k, L_k L_k^T)`.
    """
    z = np.asarray(z, dtype="float64")
    dimension = z.shape[1]
    per_component = []
    for weight, mean, factor in zip(weights, means, cholesky):
        whitened = np.linalg.solve(factor, (z - mean).T)  # L^-1 (z - mu)
        log_det = 2.0 * np.log(np.diag(factor)).sum()
        per_component.append(
            np.log(weight)
            - 0.5 * (whitened**2).sum(axis=0)
            - 0.5 * (log_det + dimension * np.log(2.0 * np.pi))
        )
    stacked = np.stack(per_component)
    peak = stacked.max(axis=0)
    return peak + np.log(np.exp(stacked - peak).sum(axis=0))


def describe(mixtures, latent_dim):
    """The JSON-ready description of a list of mixtures (see the module)."""
    return {
        "type": DESCRIPTION_TYPE,
        "latent_dim": int(latent_dim),
        "mixtures": [
            {
                "label": mixture.get("label"),
                "weights": np.asarray(mixture["weights"], "float64").tolist(),
                "means": np.asarray(mixture["means"], "float64").tolist(),
                "cholesky": np.asarray(mixture["cholesky"], "float64").tolist(),
            }
            for mixture in mixtures
        ],
    }


def _bad(message, received):
    raise ValueError(f"Latent sampler description: {message}. Received: {received}")


def read_description(description, latent_dim, num_classes=None):
    """Checks a description and returns its mixtures as numpy arrays.

    Args:
        description: the parsed JSON.
        latent_dim: int. The export's latent size.
        num_classes: int or None. A conditional export's class count.

    Returns:
        A list of dicts with float64 `weights`, `means`, `cholesky`.
    """
    if not isinstance(description, dict) or description.get("type") != DESCRIPTION_TYPE:
        _bad(
            f"type must be {DESCRIPTION_TYPE!r}", f"description={str(description)[:80]}"
        )
    if description.get("latent_dim") != latent_dim:
        _bad(
            "latent_dim must match the model",
            f"latent_dim={description.get('latent_dim')!r}",
        )
    mixtures = description.get("mixtures")
    expected = 1 if num_classes is None else num_classes
    if not isinstance(mixtures, list) or len(mixtures) != expected:
        _bad(f"it must hold {expected} mixture(s)", f"mixtures={str(mixtures)[:80]}")
    checked = []
    for index, mixture in enumerate(mixtures):
        if not isinstance(mixture, dict):
            _bad("each mixture must be an object", f"mixtures[{index}]")
        label = mixture.get("label")
        if label != (None if num_classes is None else index):
            _bad(
                "mixtures must be listed by class", f"mixtures[{index}].label={label!r}"
            )
        try:
            weights = np.asarray(mixture.get("weights"), dtype="float64")
            means = np.asarray(mixture.get("means"), dtype="float64")
            cholesky = np.asarray(mixture.get("cholesky"), dtype="float64")
        except (TypeError, ValueError):
            _bad(
                "weights, means and cholesky must be numeric arrays",
                f"mixtures[{index}]",
            )
        count = weights.shape[0] if weights.ndim == 1 else 0
        if (
            count == 0
            or means.shape != (count, latent_dim)
            or cholesky.shape != (count, latent_dim, latent_dim)
        ):
            d = latent_dim
            _bad(
                f"shapes must be (K,), (K, {d}), (K, {d}, {d})",
                f"mixtures[{index}] shapes {weights.shape}, {means.shape}, "
                f"{cholesky.shape}",
            )
        for name, array in (
            ("weights", weights),
            ("means", means),
            ("cholesky", cholesky),
        ):
            if not np.all(np.isfinite(array)):
                _bad(f"{name} must be finite", f"mixtures[{index}].{name}")
        if np.any(weights < 0) or abs(weights.sum() - 1.0) > 1e-6:
            _bad(
                "weights must be >= 0 and sum to 1",
                f"mixtures[{index}] sum={weights.sum():g}",
            )
        diagonal = np.diagonal(cholesky, axis1=1, axis2=2)
        if np.any(np.triu(cholesky, k=1) != 0) or np.any(diagonal <= 0):
            _bad(
                "each cholesky factor must be lower-triangular with a positive "
                "diagonal (its covariance must be positive definite)",
                f"mixtures[{index}] smallest diagonal={diagonal.min():g}",
            )
        checked.append(
            {"label": label, "weights": weights, "means": means, "cholesky": cholesky}
        )
    return checked
