"""Latents from uniform noise: the contract of the exported sampling graph.

Every platform has a uniform generator, few have the same normal one. The
exported sampling graph therefore takes its randomness as uniform numbers
and turns them into a latent of the fitted mixture (or of the prior) inside
the graph, with builtin ops only. This module is that contract's numpy
reference, and the portable generator that Python and the web page share.

The noise of one latent is `1 + 2 * latent_dim` float32 numbers in [0, 1):

| columns | use |
|---|---|
| `0` | picks the mixture component |
| `1 ... d` | `u1`, radii of the Box-Muller transform |
| `d + 1 ... 2d` | `u2`, angles of the Box-Muller transform |

For a latent of class `c` (always 0 for an unconditional model):

1. `v = min(floor(clip(u0, 0, 1) * 2**24), 2**24 - 1)`; the component is
   `k = #{j : v >= thresholds[c, j]}`, where `thresholds[c, j]` is the
   int32 `round(2**24 * (w_0 + ... + w_j))` of the class's weights and the
   last threshold is `2**24`. Integers, so the choice is the same on every
   runtime and survives any float precision. (The graph computes `v` in
   two exact steps of 2**12, since 2**24 is no float16 number.)
2. `eps = sqrt(-2 log(max(1 - clip(u1, 0, 1), 2**-24))) * cos(a)`, with
   `a = clip(u2, 0, 1) * 6.28125 + clip(u2, 0, 1) * 0.0019353072` (2 pi in
   two parts that survive float16 weights), one standard normal per latent
   dimension, in float32.
3. `z = means[c, k] + L[c, k] @ eps`, with `L` the Cholesky factor of the
   component's covariance.

Without a fitted mixture the tables hold one component, the prior N(0, I)
(mean 0, `L = I`): column 0 is then unused. The graph clips noise outside
[0, 1) as step 1 and 2 say; readers refuse such noise before running it.

The portable generator (`portable_uniform`) is a counter hash: number `i` of
seed `s` is `lowbias32(s + (i + 1) * 0x9E3779B9 mod 2**32) >> 8`, divided by
`2**24`, filled row by row. A few lines in any language (see
`web/kerasvae.js`), so a seed draws the same noise, hence the same images, in
Python and in the page.
"""

import numpy as np

NOISE_BITS = 24
NOISE_SCALE = float(1 << NOISE_BITS)
SMALLEST_GAP = np.float32(2.0**-NOISE_BITS)
# 2 pi = TWO_PI_HIGH + TWO_PI_LOW; the high part is a float16 number.
TWO_PI_HIGH = np.float32(6.28125)
TWO_PI_LOW = np.float32(2.0 * np.pi - 6.28125)
GOLDEN = 0x9E3779B9


def noise_size(latent_dim):
    """Numbers of uniform noise per latent: `1 + 2 * latent_dim`."""
    return 1 + 2 * int(latent_dim)


def mixture_tables(mixtures, latent_dim, num_classes=None):
    """The constants of the sampling graph, for a mixture or the prior.

    Args:
        mixtures: list of mixtures (dicts with `weights`, `means`,
            `cholesky`, as `mixture_math.read_description` returns), one per
            class for a conditional model; `None` for the prior.
        latent_dim: int. The latent size.
        num_classes: int or None. A conditional model's class count.

    Returns:
        A dict of numpy arrays, M mixtures of K components each:
        `thresholds` int32 `(M, K)`, `means` float32 `(M * K, d)` and
        `cholesky` float32 `(M * K, d, d)` (row `c * K + k`).
    """
    if mixtures is None:
        count = 1 if num_classes is None else num_classes
        eye = np.eye(latent_dim)
        mixtures = [
            {"weights": np.ones(1), "means": np.zeros((1, latent_dim)),
             "cholesky": eye[None]}
            for _ in range(count)
        ]  # fmt: skip
    thresholds, means, cholesky = [], [], []
    for mixture in mixtures:
        weights = np.asarray(mixture["weights"], "float64")
        cumulative = np.cumsum(weights / weights.sum())
        steps = np.round(cumulative * NOISE_SCALE).astype("int64")
        steps[-1] = 1 << NOISE_BITS
        thresholds.append(steps)
        means.append(np.asarray(mixture["means"], "float32"))
        cholesky.append(np.asarray(mixture["cholesky"], "float32"))
    return {
        "thresholds": np.asarray(thresholds, "int32"),
        "means": np.concatenate(means),
        "cholesky": np.concatenate(cholesky),
    }


def check_noise(noise, latent_dim):
    """Checks noise for the sampling graph: float32 `(n, 1 + 2d)` in [0, 1).

    Args:
        noise: array-like.
        latent_dim: int. The latent size.

    Returns:
        The noise as a C-contiguous float32 array.
    """
    array = np.asarray(noise)
    width = noise_size(latent_dim)
    if array.dtype != np.float32:
        raise ValueError(
            "noise must be float32 uniform numbers in [0, 1). Received: "
            f"noise.dtype={array.dtype}"
        )
    if array.ndim != 2 or array.shape[1] != width or array.shape[0] == 0:
        raise ValueError(
            f"noise must have shape (n, {width}) with n >= 1 (1 + 2 * latent_dim "
            f"numbers per image). Received: noise.shape={array.shape}"
        )
    outside = ~((array >= 0) & (array < 1))
    if outside.any():
        index = tuple(int(i) for i in np.argwhere(outside)[0])
        raise ValueError(
            "noise must lie in [0, 1) (a standard uniform generator's "
            f"output). Received: noise[{index}]={float(array[index])!r}"
        )
    return np.ascontiguousarray(array)


def latents_from_noise(noise, tables, labels=None):
    """The numpy reference of the sampling graph: noise to latents.

    Args:
        noise: float32 `(n, 1 + 2d)`, from `check_noise`.
        tables: from `mixture_tables`.
        labels: int array `(n,)` of classes in range, or `None`.

    Returns:
        A float32 array `(n, d)`, computed in float32 as the graph does.
    """
    noise = np.asarray(noise, "float32")
    d = tables["means"].shape[1]
    thresholds = tables["thresholds"]
    rows = np.zeros(len(noise), "int64") if labels is None else np.asarray(labels)
    zero, one = np.float32(0), np.float32(1)
    u0 = np.clip(noise[:, 0], zero, one).astype("float64")
    steps = np.minimum(np.floor(u0 * NOISE_SCALE), NOISE_SCALE - 1)
    components = (steps.astype("int32")[:, None] >= thresholds[rows]).sum(axis=1)
    index = rows * thresholds.shape[1] + components
    u1 = np.clip(noise[:, 1 : 1 + d], zero, one)
    u2 = np.clip(noise[:, 1 + d :], zero, one)
    radius = np.sqrt(np.float32(-2) * np.log(np.maximum(one - u1, SMALLEST_GAP)))
    eps = radius * np.cos(u2 * TWO_PI_HIGH + u2 * TWO_PI_LOW)
    scaled = (tables["cholesky"][index] * eps[:, None, :]).sum(axis=-1)
    return (tables["means"][index] + scaled).astype("float32")


def portable_uniform(seed, count):
    """`count` float32 numbers in [0, 1) from the portable generator.

    Args:
        seed: int in [0, 2**32). The same seed gives the same numbers in
            Python and in the web page.
        count: int >= 0.

    Returns:
        A float32 array `(count,)`; each number is a multiple of `2**-24`.
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise ValueError(f"seed must be an integer. Received: seed={seed!r}")
    if not 0 <= seed < 1 << 32:
        raise ValueError(f"seed must lie in [0, 2**32). Received: seed={seed}")
    counter = np.arange(1, count + 1, dtype="uint64")
    x = (np.uint64(seed) + counter * np.uint64(GOLDEN)) & np.uint64(0xFFFFFFFF)
    x = x.astype("uint32")
    # lowbias32 (C. Wellons): two xor-shift-multiply rounds.
    x ^= x >> np.uint32(16)
    x *= np.uint32(0x21F0AAAD)
    x ^= x >> np.uint32(15)
    x *= np.uint32(0x735A2D97)
    x ^= x >> np.uint32(15)
    return ((x >> np.uint32(32 - NOISE_BITS)).astype("float32")) / np.float32(
        NOISE_SCALE
    )


def seeded_noise(seed, n, latent_dim):
    """The noise of `n` latents for a seed: `(n, 1 + 2d)`, filled row by row.

    `seed=None` draws a seed from the operating system's entropy.
    """
    if seed is None:
        seed = int(np.random.default_rng().integers(0, 1 << 32))
    width = noise_size(latent_dim)
    return portable_uniform(seed, n * width).reshape(n, width)
