"""Training callbacks for latent-variable models."""

import keras

from keras_vae.input_checks import check_positive_int


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
