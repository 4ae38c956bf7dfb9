"""Trains the same IWAE-objective VAE (plain and DReG gradients) on one
device and under MirroredStrategy over two logical CPUs, and prints the
results as JSON (run as a subprocess by tests/models/test_importance_weighted.py:
logical devices must be set before TF starts).

The importance noise of each example is a fixed function of the example
itself, so two replicas, each with half of a batch, draw exactly what one
device draws, with a realistic posterior spread (no vanishing sigma as in
tests/mirrored_training.py, which DReG's path term would not survive).
"""

import json

import tensorflow as tf

cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(
    cpu, [tf.config.LogicalDeviceConfiguration()] * 2
)

import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras import ops  # noqa: E402

import keras_vae  # noqa: E402


class ExampleNoiseIWAE(keras_vae.IWAE):
    """Draws each example's importance noise from the example itself."""

    def importance_weighted_terms(self, model, x, conditions, training, epsilon=None):
        samples, latent_dim = model.importance_samples, model.latent_dim
        code = ops.sum(x * ops.arange(1, x.shape[-1] + 1, dtype="float32"), axis=-1)
        phase = ops.reshape(
            ops.arange(samples * latent_dim, dtype="float32"),
            (samples, 1, latent_dim),
        )
        epsilon = 1.5 * ops.sin(3.7 * code[None, :, None] + 1.3 * phase + 0.4)
        return super().importance_weighted_terms(
            model, x, conditions, training, epsilon
        )


def build_vae(dreg, learning_rate):
    keras.utils.set_random_seed(0)
    encoder = keras_vae.build_mlp_encoder((12,), 3, hidden_units=(16,))
    decoder = keras_vae.build_mlp_decoder(3, (12,), hidden_units=(16,))
    vae = keras_vae.VAE(
        encoder,
        decoder,
        objective=ExampleNoiseIWAE(),
        importance_samples=4,
        dreg=dreg,
        seed=0,
    )
    vae.compile(optimizer=keras.optimizers.SGD(learning_rate))
    return vae


def train(strategy, dreg, learning_rate=0.05):
    x = np.random.default_rng(0).uniform(size=(64, 12)).astype("float32")
    with strategy.scope():
        vae = build_vae(dreg, learning_rate)
    dataset = tf.data.Dataset.from_tensor_slices(x).batch(32)
    history = vae.fit(dataset, epochs=3, verbose=0)
    weights = [np.asarray(w).ravel() for w in vae.trainable_weights]
    return {
        "history": history.history,
        "weights": np.concatenate(weights).tolist(),
        "replicas": strategy.num_replicas_in_sync,
    }


if __name__ == "__main__":
    mirrored = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    default = tf.distribute.get_strategy()
    results = {}
    for name, dreg in (("plain", False), ("dreg", True)):
        results[f"{name}_single"] = train(default, dreg)
        results[f"{name}_mirrored"] = train(mirrored, dreg)
        # What an objective not divided by the replica count would give.
        results[f"{name}_single_double_step"] = train(default, dreg, 0.1)
    print("RESULTS " + json.dumps(results))
