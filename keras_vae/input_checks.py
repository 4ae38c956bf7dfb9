"""User-facing argument checks shared by the whole package.

Every check raises a `ValueError` whose message names the problem and ends
with `Received: name=value`, so that a user's mistake gets a clear message
instead of an error from deep inside TensorFlow.
"""

import math
import numbers

import numpy as np

# What `channels` may be: grey or colour.
CHANNEL_CHOICES = (1, 3)


def _positive_ints(values):
    """Whether every one of `values` is an integer > 0 (not a boolean)."""
    return all(
        isinstance(d, numbers.Integral) and not isinstance(d, bool) and d > 0
        for d in values
    )


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


def check_fraction(name, value):
    """Raise unless `value` is a real number in [0, 1)."""
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not 0 <= value < 1
    ):
        raise ValueError(
            f"{name} must be a fraction in [0, 1). Received: {name}={value!r}"
        )
    return float(value)


def check_image_size(name, value):
    """Returns an image size as `(height, width)`, or `None`.

    Args:
        name: the argument's name in error messages.
        value: None, an int (a square) or a pair of positive ints.
    """
    if value is None:
        return None
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        value = (value, value)
    try:
        size = tuple(value)
    except TypeError:
        size = ()
    if len(size) != 2 or not _positive_ints(size):
        raise ValueError(
            f"{name} must be a positive int or a pair (height, width) of "
            f"positive ints. Received: {name}={value!r}"
        )
    return tuple(int(d) for d in size)


def check_channels(name, value):
    """Returns `value` (one of `CHANNEL_CHOICES`, or `None`)."""
    if value is not None and (isinstance(value, bool) or value not in CHANNEL_CHOICES):
        raise ValueError(
            f"{name} must be 1 (grey) or 3 (colour). Received: {name}={value!r}"
        )
    return value


def check_shape(name, shape):
    """Raise unless `shape` is a non-empty tuple of positive integers."""
    try:
        shape = tuple(shape)
    except TypeError:
        shape = None
    if not shape or not _positive_ints(shape):
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
