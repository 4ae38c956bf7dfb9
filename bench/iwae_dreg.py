"""DReG against plain IWAE gradients at equal steps: the measurement behind
`VAE(objective="iwae", dreg=True)` being the default.

For k = 5 and 50, the wide 784-512-512-50 MLP of bench/quality.py trains
the same number of steps on dynamically binarised MNIST with each
estimator (same seed, same batches); reported: seconds per step, the test
NLL (IWAE, `--eval-samples`) and the encoder gradient's signal-to-noise
ratio (median over weights of |mean| / std across noise draws on one
batch, Rainforth et al. 2018) at the end of training.

Usage:
    python -m bench.iwae_dreg --steps 5:150,50:50 --json /tmp/iwae_dreg.json
"""

import argparse
import json
import os
import sys
import time

from bench.common import mnist_images
from bench.common import mnist_train_uint8


def measure(k, dreg, steps, args):
    import keras
    import numpy as np
    import tensorflow as tf

    import keras_vae
    from keras_vae import evaluation

    keras.utils.set_random_seed(args.seed)
    images = mnist_train_uint8()
    test_x = mnist_images("test")
    train = keras_vae.data.load_dataset(images, batch_size=128, seed=0)
    encoder = keras_vae.build_mlp_encoder((28, 28, 1), 50, hidden_units=(512, 512))
    decoder = keras_vae.build_mlp_decoder(50, (28, 28, 1), hidden_units=(512, 512))
    vae = keras_vae.VAE(
        encoder,
        decoder,
        likelihood=keras_vae.BernoulliLikelihood(binarize=True, seed=args.seed),
        seed=args.seed,
        objective="iwae",
        importance_samples=k,
        dreg=dreg,
    )
    vae.compile(optimizer=keras.optimizers.Adam(1e-3))
    vae.fit(train, epochs=1, steps_per_epoch=2, verbose=0)  # trace once
    start = time.perf_counter()
    vae.fit(train, epochs=1, steps_per_epoch=steps, verbose=0)
    seconds = time.perf_counter() - start
    nll = -evaluation.importance_weighted_log_likelihood(
        vae, test_x[: args.test_examples], num_samples=args.eval_samples
    ).mean()

    x = tf.constant(next(iter(train))[:32])
    x = vae.likelihood.prepare_batch(x)
    ids = {id(v) for v in encoder.trainable_variables}

    @tf.function
    def encoder_gradient(epsilon):
        with tf.GradientTape(persistent=True) as tape:
            objective, _, z, log_weights = (
                vae.training_objective.importance_weighted_terms(
                    vae, x, [], training=True, epsilon=epsilon
                )
            )
        if dreg:
            gradients = vae.training_objective.dreg_gradients(
                vae, tape, objective, [], z, log_weights
            )
        else:
            gradients = tape.gradient(objective, vae.trainable_variables)
        return tf.concat(
            [
                tf.reshape(g, [-1])
                for v, g in zip(vae.trainable_variables, gradients)
                if id(v) in ids
            ],
            0,
        )

    rng = np.random.default_rng(1)
    draws = np.stack(
        [
            encoder_gradient(rng.standard_normal((k, 32, 50)).astype("float32")).numpy()
            for _ in range(args.snr_draws)
        ]
    )
    spread = draws.std(axis=0)
    snr = np.abs(draws.mean(axis=0))[spread > 0] / spread[spread > 0]
    return {
        "k": k,
        "dreg": dreg,
        "steps": steps,
        "seconds_per_step": seconds / steps,
        "test_nll_iwae": float(nll),
        "encoder_gradient_snr_median": float(np.median(snr)),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", default="5:150,50:50", help="k:steps,...")
    parser.add_argument("--test-examples", type=int, default=500)
    parser.add_argument("--eval-samples", type=int, default=1000)
    parser.add_argument("--snr-draws", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", default=None)
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    results = []
    for item in args.steps.split(","):
        k, steps = (int(v) for v in item.split(":"))
        for dreg in (False, True):
            result = measure(k, dreg, steps, args)
            results.append(result)
            print(json.dumps(result), flush=True)
    if args.json:
        with open(args.json, "w") as file:
            json.dump(results, file, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
