"""What `fit`, `evaluate` and `predict` accept: numpy arrays and tensors
checked by value (shape, finiteness, the likelihood's range, labels),
datasets by their spec and, for labels, by a checked map over every
batch."""

import inspect

import numpy as np
import tensorflow as tf

from keras_vae.input_checks import check_image_batch
from keras_vae_sampler.checks import check_labels


def check_dataset_spec(name, dataset, example_shape):
    """Raises a `ValueError` unless a batched dataset yields float examples
    of shape `example_shape`."""
    spec = dataset.element_spec
    if isinstance(spec, (tuple, list)):
        spec = spec[0]
    if not isinstance(spec, tf.TensorSpec):
        return
    expected = tf.TensorShape((None,) + tuple(example_shape))
    if not spec.shape.is_compatible_with(expected):
        raise ValueError(
            f"{name} must yield batches of shape {expected}. Batch an "
            "unbatched dataset with .batch(batch_size). Received: "
            f"{name} element shape {spec.shape}"
        )
    if not spec.dtype.is_floating:
        raise ValueError(
            f"{name} must yield float images scaled to the likelihood's "
            "range (keras_vae.data.load_dataset does this). Received: "
            f"{name} element dtype {spec.dtype.name}"
        )


def check_fit_inputs(model, name, x, y=None):
    """Checks what `fit`, `evaluate` or `predict` receive: numpy arrays
    and tensors by value, datasets by their spec (and, for labels, by a
    checked map: see `checked_dataset`)."""
    if isinstance(x, (list, tuple)) and model.num_classes is not None:
        if len(x) != 2:
            raise ValueError(
                f"{name} must be [images, labels]. Received: {name} with {len(x)} parts"
            )
        x, y = x
    if tf.is_tensor(x):
        x = np.asarray(x)
    if tf.is_tensor(y):
        y = np.asarray(y)
    if isinstance(x, np.ndarray):
        check_image_batch(name, x, model.example_shape)
        model.likelihood.check_data(name, x)
        if model.num_classes is None and y is not None:
            raise ValueError(
                f"{type(model).__name__} is unconditional: it learns from "
                f"the images alone and would ignore labels. Pass {name} "
                "only, or train a ConditionalVAE on (images, labels). "
                f"Received: labels of shape {np.shape(y)}"
            )
        if model.num_classes is not None:
            if y is None:
                raise ValueError(
                    f"{type(model).__name__} needs labels with the images: "
                    "fit(images, labels) or a dataset of (images, labels). "
                    "Received: labels=None"
                )
            check_labels("labels", np.asarray(y), model.num_classes, count=len(x))
    elif isinstance(x, tf.data.Dataset):
        check_dataset_spec(name, x, model.example_shape)
        if model.num_classes is not None:
            _check_labelled_dataset(model, name, x)
    return x


def checked_dataset(model, name, dataset):
    """`dataset` with every batch's labels checked as it is read: a
    label outside `[0, num_classes)` in any batch stops `fit` with an
    error naming it (not only the first batch's)."""
    if model.num_classes is None or not isinstance(dataset, tf.data.Dataset):
        return dataset
    num_classes = model.num_classes

    def check(*batch):
        labels = tf.cast(batch[1], "int64")
        message = (
            f"{name} labels must lie in [0, {num_classes - 1}] for a model "
            f"with {num_classes} classes; a batch holds labels from"
        )
        checks = [
            tf.debugging.assert_non_negative(labels, message=message),
            tf.debugging.assert_less(
                labels, tf.constant(num_classes, "int64"), message=message
            ),
        ]
        with tf.control_dependencies(checks):
            return (batch[0], tf.identity(batch[1]), *batch[2:])

    return dataset.map(check)


def _check_labelled_dataset(model, name, dataset):
    spec = dataset.element_spec
    if not isinstance(spec, (tuple, list)) or len(spec) < 2:
        raise ValueError(
            f"{type(model).__name__} needs a dataset of (images, labels) "
            "batches (keras_vae.data.load_dataset(..., with_labels=True)). "
            f"Received: {name} element_spec={spec}"
        )
    first_labels = next(iter(dataset.take(1)))[1]
    check_labels(f"{name} labels", np.asarray(first_labels), model.num_classes)


def keyword_arguments(method, x, y, args, kwargs):
    """The arguments of a call to Keras' `fit`/`evaluate`, all by keyword
    (only those the caller gave)."""
    bound = inspect.signature(method).bind(None, x, y, *args, **kwargs)
    arguments = dict(bound.arguments)
    arguments.pop("self")
    arguments.update(arguments.pop("kwargs", {}))
    return arguments
