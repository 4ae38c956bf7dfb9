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

from keras_vae_sampler import schemas
from keras_vae_sampler.errors import ExportRuleError

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


WEIGHT_SUM_TOLERANCE = 1e-6  # the schema's "sum to 1 within 1e-6"
SCHEMA_FILE = "latent_sampler_gmm.json"


def _bad(message, received):
    raise ExportRuleError(f"{SCHEMA_FILE}: {message}. Received: {received}")


def read_description(description, latent_dim, num_classes=None):
    """Checks a description and returns its mixtures as numpy arrays.

    The description must follow `schemas/latent_sampler_gmm.schema.json`
    (else `ExportSchemaError`) and the rules its description states (else
    `ExportRuleError`): shapes that agree with `latent_dim`, one mixture per
    class, weights summing to 1 within `WEIGHT_SUM_TOLERANCE`,
    lower-triangular factors with a positive diagonal.

    Args:
        description: the parsed JSON.
        latent_dim: int. The export's latent size.
        num_classes: int or None. A conditional export's class count.

    Returns:
        A list of dicts with float64 `weights`, `means`, `cholesky`.
    """
    schemas.validate(description, "latent_sampler_gmm", SCHEMA_FILE)
    if description["latent_dim"] != latent_dim:
        _bad(
            "latent_dim must match the model's",
            f"latent_dim={description['latent_dim']}",
        )
    mixtures = description["mixtures"]
    expected = 1 if num_classes is None else num_classes
    if len(mixtures) != expected:
        _bad(f"it must hold {expected} mixture(s)", f"len(mixtures)={len(mixtures)}")
    checked = []
    for index, mixture in enumerate(mixtures):
        label = mixture["label"]
        if label != (None if num_classes is None else index):
            _bad(
                "mixtures must be listed by class (label null without classes)",
                f"mixtures[{index}].label={label!r}",
            )
        weights = np.asarray(mixture["weights"], dtype="float64")
        count, d = weights.shape[0], latent_dim
        try:
            means = np.asarray(mixture["means"], dtype="float64")
            cholesky = np.asarray(mixture["cholesky"], dtype="float64")
        except ValueError:  # ragged lists
            means = cholesky = np.zeros((0,))
        if means.shape != (count, d) or cholesky.shape != (count, d, d):
            _bad(
                f"with {count} weights, means must be ({count}, {d}) and "
                f"cholesky ({count}, {d}, {d})",
                f"mixtures[{index}] shapes {means.shape}, {cholesky.shape}",
            )
        if not all(np.all(np.isfinite(a)) for a in (weights, means, cholesky)):
            _bad("numbers must be finite", f"mixtures[{index}]")
        if abs(weights.sum() - 1.0) > WEIGHT_SUM_TOLERANCE:
            _bad(
                f"weights must sum to 1 within {WEIGHT_SUM_TOLERANCE:g}",
                f"mixtures[{index}] sum={weights.sum():.9g}",
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
