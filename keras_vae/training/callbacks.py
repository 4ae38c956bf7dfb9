"""Training callbacks for latent-variable models."""

import math
import time
from pathlib import Path

import keras

from keras_vae_sampler.checks import check_positive_int
from keras_vae_sampler.file_io import atomic_path


class KLWarmup(keras.callbacks.Callback):
    """Raises the KL weight linearly from 0 to the VAE's `beta`.

    KL warm-up (Bowman et al. 2016; Sønderby et al. 2016) lets the decoder
    learn to use the latent code before the KL term pulls every posterior
    to the prior. The weight follows the optimizer's step count, so a run
    resumed by `BackupAndRestore` continues the ramp where it stopped.

    Args:
        epochs: int or None. Length of the ramp in epochs (needs a dataset
            of known length).
        steps: int or None. Length of the ramp in optimizer steps. Give
            exactly one of `epochs` and `steps`.

    Example:
    ```python
    vae.fit(dataset, epochs=20, callbacks=[KLWarmup(epochs=5)])
    ```
    """

    def __init__(self, epochs=None, steps=None):
        super().__init__()
        if (epochs is None) == (steps is None):
            raise ValueError(
                "Give exactly one of epochs and steps. Received: "
                f"epochs={epochs!r}, steps={steps!r}"
            )
        self.epochs = None if epochs is None else check_positive_int("epochs", epochs)
        self.steps = None if steps is None else check_positive_int("steps", steps)
        self._ramp_steps = self.steps
        self._done = False

    def on_train_begin(self, logs=None):
        if not hasattr(self.model, "kl_weight"):
            raise ValueError(
                "KLWarmup needs a keras_vae.VAE. Received: model of type "
                f"{type(self.model).__name__}"
            )
        if self.epochs is not None:
            steps_per_epoch = self.params.get("steps")
            if not steps_per_epoch:
                raise ValueError(
                    "KLWarmup(epochs=...) needs the number of steps per "
                    "epoch; pass steps_per_epoch to fit() or use "
                    "KLWarmup(steps=...). Received: steps per epoch=None"
                )
            self._ramp_steps = self.epochs * steps_per_epoch
        self._done = self._set_weight() >= 1.0

    def _set_weight(self):
        step = int(self.model.optimizer.iterations.numpy())
        fraction = min(1.0, step / self._ramp_steps)
        self.model.kl_weight.assign(self.model.beta * fraction)
        return fraction

    def on_train_batch_begin(self, batch, logs=None):
        if not self._done:
            self._done = self._set_weight() >= 1.0

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["kl_weight"] = float(self.model.kl_weight.numpy())


class StopOnNonFiniteLoss(keras.callbacks.Callback):
    """Stops training at the first NaN or Inf loss and records where.

    Unlike `keras.callbacks.TerminateOnNaN`, it remembers the epoch and step
    (`diverged_at`, both counted from 1) so the caller can say where the run
    diverged.

    Example:
    ```python
    stop = StopOnNonFiniteLoss()
    vae.fit(dataset, epochs=10, callbacks=[stop])
    if stop.diverged_at: print("diverged at epoch %d, step %d" % stop.diverged_at)
    ```
    """

    def __init__(self):
        super().__init__()
        self.diverged_at = None
        self._epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(float(loss)):
            self.diverged_at = (self._epoch + 1, batch + 1)
            self.model.stop_training = True


class SaveLastGoodModel(keras.callbacks.Callback):
    """Saves the model at the end of every epoch whose metrics are finite.

    The file is written atomically, so a crash or a diverged epoch leaves
    the previous good model in place.

    Args:
        path: a `.keras` file path.
    """

    def __init__(self, path):
        super().__init__()
        self.path = Path(path)
        self.saved_epoch = None

    def on_epoch_end(self, epoch, logs=None):
        values = [float(v) for v in (logs or {}).values()]
        if values and all(math.isfinite(v) for v in values):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with atomic_path(self.path) as tmp:
                self.model.save(tmp)
            self.saved_epoch = epoch + 1


class RecordEpochTime(keras.callbacks.Callback):
    """Adds `epoch_seconds` (wall time of the epoch, validation included)
    to the epoch's logs, so `History` and `CSVLogger` record it."""

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["epoch_seconds"] = time.perf_counter() - self._start
