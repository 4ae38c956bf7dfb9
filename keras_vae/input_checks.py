"""User-facing argument checks shared by the whole package.

Every check raises a `ValueError` whose message names the problem and ends
with `Received: name=value`, so that a user's mistake gets a clear message
instead of an error from deep inside TensorFlow.
"""

import math
import numbers

import numpy as np

# The largest value of each size a user can pass on the command line: far
# above any sensible use, far below what would exhaust memory or run for
# days. docs/bad_inputs.md lists them.
LIMITS = {
    "latent_dim": 4096,
    "gmm_components": 1000,
    "importance_samples": 10_000,
    "iwae_samples": 100_000,
    "batch_size": 65_536,
    "image_side": 4096,
    "sample_count": 4096,
    "threads": 256,
}


def check_positive_int(name, value):
    """Raise unless `value` is an integer > 0 (booleans are refused)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
        raise ValueError(
            f"{name} must be a positive integer. Received: {name}={value!r}"
        )
    return int(value)


def check_non_negative_float(name, value):
    """Raise unless `value` is a finite real number >= 0."""
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not math.isfinite(value)
        or value < 0
    ):
        raise ValueError(
            f"{name} must be a finite number >= 0. Received: {name}={value!r}"
        )
    return float(value)


def check_positive_float(name, value):
    """Raise unless `value` is a finite real number > 0."""
    value = check_non_negative_float(name, value)
    if value == 0:
        raise ValueError(f"{name} must be > 0. Received: {name}={value!r}")
    return value


def check_choice(name, value, choices):
    """Raise unless `value` is one of `choices`."""
    if value not in choices:
        raise ValueError(
            f"Unknown {name}. Expected one of {sorted(choices)}. "
            f"Received: {name}={value!r}"
        )
    return value


def check_shape(name, shape):
    """Raise unless `shape` is a non-empty tuple of positive integers."""
    try:
        shape = tuple(shape)
    except TypeError:
        shape = None
    if not shape or not all(
        isinstance(d, numbers.Integral) and not isinstance(d, bool) and d > 0
        for d in shape
    ):
        raise ValueError(
            f"{name} must be a non-empty tuple of positive integers. "
            f"Received: {name}={shape!r}"
        )
    return tuple(int(d) for d in shape)


def check_image_batch(name, array, example_shape):
    """Raises a `ValueError` unless `array` is a non-empty, finite, numeric
    batch of examples of shape `example_shape`."""
    if not np.issubdtype(array.dtype, np.number) or np.issubdtype(
        array.dtype, np.complexfloating
    ):
        raise ValueError(
            f"{name} must hold real numbers. Received: {name}.dtype={array.dtype}"
        )
    if array.shape[1:] != tuple(example_shape) or array.ndim < 2:
        raise ValueError(
            f"{name} must have shape (batch, {', '.join(map(str, example_shape))})"
            f". Received: {name}.shape={array.shape}"
        )
    if array.shape[0] == 0:
        raise ValueError(f"{name} is empty. Received: {name}.shape={array.shape}")
    bad = ~np.isfinite(array)
    if bad.any():
        raise ValueError(
            f"{name} contains NaN or Inf ({int(bad.sum())} values). Received: "
            f"{name} with first bad value at index "
            f"{tuple(int(i) for i in np.argwhere(bad)[0])}"
        )


def check_labels(name, labels, num_classes, count=None):
    """Checks class labels and returns them as an int32 array `(n,)`.

    Args:
        name: the argument's name in error messages.
        labels: an int, or an array-like of ints, each in
            `[0, num_classes)`.
        num_classes: int. Number of classes.
        count: int or None. The number of labels expected; an int label is
            repeated to it.

    Returns:
        An int32 numpy array of shape `(count,)` (or `(len(labels),)`).
    """
    if isinstance(labels, (bool, np.bool_)):
        raise ValueError(
            f"{name} must be integer class labels. Received: {name}={labels!r}"
        )
    if isinstance(labels, (numbers.Integral, np.integer)):
        labels = np.full((1 if count is None else count,), int(labels))
    array = np.asarray(labels)
    if array.dtype == bool or not np.issubdtype(array.dtype, np.integer):
        raise ValueError(
            f"{name} must be integer class labels, not {array.dtype}. "
            f"Received: {name}.dtype={array.dtype}"
        )
    if array.ndim != 1:
        raise ValueError(
            f"{name} must be a 1-D array of class labels, one per example. "
            f"Received: {name}.shape={array.shape}"
        )
    if count is not None and len(array) != count:
        raise ValueError(
            f"{name} must hold one label per example ({count}). Received: "
            f"{len(array)} labels"
        )
    bad = (array < 0) | (array >= num_classes)
    if bad.any():
        raise ValueError(
            f"{name} must lie in [0, {num_classes - 1}] for a model with "
            f"{num_classes} classes. Received: {name}="
            f"{array[bad][0].item()!r} at index {int(np.argmax(bad))}"
        )
    return array.astype("int32")
