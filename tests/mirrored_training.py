"""Trains the same VAE on one device and under MirroredStrategy over two
logical CPUs, and prints both results as JSON (run as a subprocess by
tests/training/test_distribution.py: logical devices must be set before TF starts).
"""

import json
import sys

import tensorflow as tf

cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(
    cpu, [tf.config.LogicalDeviceConfiguration()] * 2
)

import keras  # noqa: E402
import numpy as np  # noqa: E402

import keras_vae  # noqa: E402


def build_vae(beta, noise=False):
    keras.utils.set_random_seed(0)
    encoder = keras_vae.build_mlp_encoder((12,), 3, hidden_units=(16,))
    if not noise:
        # Posterior std of exp(-20): the sampling noise is negligible, so
        # one device and two replicas must follow the same trajectory.
        head = encoder.get_layer("z_log_var")
        head.set_weights([np.zeros((16, 3), "float32"), np.full(3, -40.0, "float32")])
    decoder = keras_vae.build_mlp_decoder(3, (12,), hidden_units=(16,))
    vae = keras_vae.VAE(encoder, decoder, beta=beta, seed=0)
    # Keras' own settings, which a model under a strategy keeps: one device
    # runs the same kind of graph (and draws its noise the same way).
    vae.compile(
        optimizer=keras.optimizers.SGD(0.05), jit_compile=False, steps_per_execution=1
    )
    return vae


def train(strategy, beta, noise=False, batch_size=32, examples=64):
    x = np.random.default_rng(0).uniform(size=(examples, 12)).astype("float32")
    with strategy.scope():
        vae = build_vae(beta, noise)
    dataset = tf.data.Dataset.from_tensor_slices(x).batch(batch_size)
    history = vae.fit(dataset, epochs=3, verbose=0)
    weights = [np.asarray(w).ravel() for w in vae.trainable_weights]
    return {
        "history": history.history,
        "weights": np.concatenate(weights).tolist(),
        "replicas": strategy.num_replicas_in_sync,
    }


if __name__ == "__main__":
    beta = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0
    mirrored = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    default = tf.distribute.get_strategy()
    results = {
        "single": train(default, beta),
        "mirrored": train(mirrored, beta),
        # What a KL counted twice would give, to show the check can fail.
        "single_double_kl": train(default, 2 * beta),
        # Sampling noise on, and batches of 22, 22 and 21 examples: the last
        # splits unevenly over the two replicas (11 + 10). (Keras 3.15 fails
        # when the first batch splits unevenly: it averages that batch over
        # replicas to build the model.)
        **{
            f"noisy_{name}": train(strategy, factor * beta, True, 22, 65)
            for name, strategy, factor in (
                ("single", default, 1),
                ("mirrored", mirrored, 1),
                ("double_kl", default, 2),
            )
        },
    }
    print("RESULTS " + json.dumps(results))
