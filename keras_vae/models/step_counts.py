"""True step indices for callbacks under several steps per execution.

Keras runs `steps_per_execution` batches per call and then reports the
call's last step as `begin + steps_per_execution - 1`, also for the last,
shorter call of an epoch: 20 batches at 8 per call reach callbacks (and
the progress bar, `24/20`) as steps 7, 15 and 23. `fit` and `evaluate` of
keras-vae's models hand Keras a `CallbackList` that knows the epoch's
length, computed the way Keras computes it, and clamps the index to the
last real step (19). Where the length cannot be known in advance (a
dataset of unknown cardinality) indices pass unchanged.
"""

import math

import keras
import numpy as np
import tensorflow as tf


class StepClampingCallbackList(keras.callbacks.CallbackList):
    """A `CallbackList` whose batch indices never pass the epoch's end.

    Args:
        callbacks: list of callbacks.
        steps: int or None. Batches per epoch (`fit`) or in total
            (`evaluate`).
        **kwargs: the other `keras.callbacks.CallbackList` arguments.
    """

    def __init__(self, callbacks, steps, clamp_test=False, **kwargs):
        super().__init__(callbacks, steps=steps, **kwargs)
        self._last_step = None if steps is None else steps - 1
        self._clamp_test = clamp_test

    def _clamped(self, batch):
        return batch if self._last_step is None else min(batch, self._last_step)

    def on_train_batch_end(self, batch, logs=None):
        super().on_train_batch_end(self._clamped(batch), logs)

    def on_test_batch_end(self, batch, logs=None):
        # Validation inside `fit` has its own length: left unchanged there.
        super().on_test_batch_end(
            self._clamped(batch) if self._clamp_test else batch, logs
        )


def steps_per_epoch(x, batch_size=None, steps=None, validation_split=0.0):
    """Batches per epoch as Keras counts them, or `None` when unknown.

    Args:
        x: what `fit`/`evaluate` receive: arrays (or a list of arrays) or a
            `tf.data.Dataset`.
        batch_size: int or None (Keras' 32 for arrays).
        steps: `steps_per_epoch` / `steps` if given.
        validation_split: float. The share of arrays `fit` holds out.

    Returns:
        An int, or `None`.
    """
    if steps is not None:
        return int(steps)
    if isinstance(x, tf.data.Dataset):
        cardinality = int(x.cardinality())
        return cardinality if cardinality >= 0 else None
    first = x[0] if isinstance(x, (list, tuple)) and x else x
    if not isinstance(first, np.ndarray) or not first.ndim:
        return None
    count = len(first)
    if validation_split:
        count = int(count * (1.0 - validation_split))
    return math.ceil(count / (batch_size or 32))


def clamping_callbacks(model, kwargs, for_fit):
    """`fit`/`evaluate` keyword arguments with a `StepClampingCallbackList`
    built the way Keras builds its own (a list the caller made is kept).

    Args:
        model: the model being trained or evaluated.
        kwargs: the call's arguments, all by keyword.
        for_fit: bool. `fit` (a History, epochs) or `evaluate`.

    Returns:
        A new dict of keyword arguments.
    """
    callbacks = kwargs.get("callbacks")
    if isinstance(callbacks, keras.callbacks.CallbackList):
        return kwargs
    verbose = kwargs.get("verbose", "auto")
    steps = steps_per_epoch(
        kwargs.get("x"),
        kwargs.get("batch_size"),
        kwargs.get("steps_per_epoch" if for_fit else "steps"),
        kwargs.get("validation_split", 0.0) if for_fit else 0.0,
    )
    callback_list = StepClampingCallbackList(
        list(callbacks or []),
        steps=steps,
        clamp_test=not for_fit,
        add_history=for_fit,
        add_progbar=verbose != 0,
        verbose=verbose,
        epochs=kwargs.get("epochs", 1) if for_fit else 1,
        model=model,
    )
    return {**kwargs, "callbacks": callback_list}
