"""Argument checks of the device side, shared with `keras_vae`.

Every check raises a `ValueError` whose message names the problem and ends
with `Received: name=value`. The model side imports these from here;
`keras_vae.input_checks` holds only its own.
"""

import numbers
import os

import numpy as np

# The largest value of each size a user can pass on the command line: far
# above any sensible use, far below what would exhaust memory or run for
# days. docs/bad_inputs.md lists them; `keras_vae` and this package's
# command line read them here.
LIMITS = {
    "latent_dim": 4096,
    "gmm_components": 1000,
    "importance_samples": 10_000,
    "iwae_samples": 100_000,
    "batch_size": 65_536,
    "epochs": 100_000,
    "image_side": 4096,
    "sample_count": 4096,
    "num_classes": 10_000,
}


def check_positive_int(name, value):
    """Raise unless `value` is an integer > 0 (booleans are refused)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
        raise ValueError(
            f"{name} must be a positive integer. Received: {name}={value!r}"
        )
    return int(value)


def check_non_negative_int(name, value):
    """Raise unless `value` is an integer >= 0 (booleans are refused)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
        raise ValueError(f"{name} must be an integer >= 0. Received: {name}={value!r}")
    return int(value)


def check_at_most(name, value, limit_name):
    """Raise unless `value` is an integer in `[1, LIMITS[limit_name]]`."""
    value = check_positive_int(name, value)
    limit = LIMITS[limit_name]
    if value > limit:
        raise ValueError(
            f"{name} must be at most {limit:,} (keras_vae_sampler.checks.LIMITS"
            f"[{limit_name!r}]). Received: {name}={value!r}"
        )
    return value


def check_threads(name, value):
    """Raise unless `value` is `None` (the runtime's choice) or an integer
    in `[1, os.cpu_count()]`: more threads than cores only slow a runtime
    down (256 threads made 4,096 samples 8x slower on 2 cores)."""
    if value is None:
        return None
    value = check_positive_int(name, value)
    cores = os.cpu_count() or 1
    if value > cores:
        raise ValueError(
            f"{name} must be at most the number of CPUs ({cores}); more threads "
            f"than cores only slow sampling down. Received: {name}={value!r}"
        )
    return value


def check_port(name, value):
    """Raise unless `value` is a port number in [0, 65535] (0: a free one)."""
    value = check_non_negative_int(name, value)
    if value > 65535:
        raise ValueError(
            f"{name} must be a port in [0, 65535] (0 picks a free one). "
            f"Received: {name}={value!r}"
        )
    return value


def check_choice(name, value, choices):
    """Raise unless `value` is one of `choices`."""
    if value not in choices:
        raise ValueError(
            f"Unknown {name}. Expected one of {sorted(choices)}. "
            f"Received: {name}={value!r}"
        )
    return value


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
