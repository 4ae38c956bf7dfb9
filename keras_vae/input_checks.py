"""User-facing argument checks shared by the whole package.

Every check raises a `ValueError` whose message names the problem and ends
with `Received: name=value`, so that a user's mistake gets a clear message
instead of an error from deep inside TensorFlow.
"""

import math
import numbers

import numpy as np

# The device side's checks and size limits, defined there.
from keras_vae_sampler.checks import LIMITS  # noqa: F401
from keras_vae_sampler.checks import check_choice  # noqa: F401
from keras_vae_sampler.checks import check_labels  # noqa: F401
from keras_vae_sampler.checks import check_positive_int  # noqa: F401


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
