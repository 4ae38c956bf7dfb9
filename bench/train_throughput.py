"""Training throughput of `VAE.fit` against a keras.io-style reference loop.

Measures, in one run on this machine:
- the float32 matmul peak: a large `tf.linalg.matmul`, timed;
- images/s of `fit` (steady state: the first epoch is excluded) for the
  default MLP VAE (784-512-16) and the default conv VAE, with keras-vae's
  settings (`fit_settings`), and for each model a reference written the way
  the keras.io VAE example writes it (same layers, sigmoid decoder with
  binary cross-entropy, GradientTape, no jit, plain `fit` on a numpy array);
- the training FLOPs per image (3x the forward pass) and the fraction of the
  matmul peak reached.

Usage:
    python bench/train_throughput.py --json bench/results/train_throughput.json
"""

import argparse
import os
import sys
import time


def _parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", default="bench/results/train_throughput.json")
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--mlp-images", type=int, default=60000)
    parser.add_argument("--conv-images", type=int, default=12800)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument(
        "--models", default="mlp,conv", help="comma-separated: mlp, conv"
    )
    return parser.parse_args(argv)


def forward_flops(model):
    """Multiply-add FLOPs of one example through Dense/Conv layers."""
    import keras

    flops = 0
    for layer in model._flatten_layers(include_self=False):
        if isinstance(layer, keras.layers.Dense):
            flops += 2 * layer.kernel.shape[0] * layer.kernel.shape[1]
        elif isinstance(layer, keras.layers.Conv2DTranspose):
            _, height, width, _ = layer.input.shape
            kh, kw, out_c, in_c = layer.kernel.shape
            flops += 2 * height * width * kh * kw * in_c * out_c
        elif isinstance(layer, keras.layers.Conv2D):
            _, height, width, _ = layer.output.shape
            kh, kw, in_c, out_c = layer.kernel.shape
            flops += 2 * height * width * kh * kw * in_c * out_c
    return flops


def matmul_peak_gflops(size=4096, repeats=10):
    import tensorflow as tf

    a = tf.random.normal((size, size))
    b = tf.random.normal((size, size))
    matmul = tf.function(lambda: tf.linalg.matmul(a, b))
    matmul().numpy()
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        matmul().numpy()
        best = min(best, time.perf_counter() - start)
    return 2 * size**3 / best / 1e9


class EpochTimer:
    def __new__(cls):
        import keras

        class _Timer(keras.callbacks.Callback):
            def on_train_begin(self, logs=None):
                self.times = []

            def on_epoch_begin(self, epoch, logs=None):
                self._start = time.perf_counter()

            def on_epoch_end(self, epoch, logs=None):
                self.times.append(time.perf_counter() - self._start)

        return _Timer()


def reference_vae(encoder, decoder):
    """A VAE written the way the keras.io example writes it."""
    import keras
    import tensorflow as tf
    from keras import ops

    class Sampling(keras.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.seed_generator = keras.random.SeedGenerator(1337)

        def call(self, inputs):
            z_mean, z_log_var = inputs
            epsilon = keras.random.normal(ops.shape(z_mean), seed=self.seed_generator)
            return z_mean + ops.exp(0.5 * z_log_var) * epsilon

    class ReferenceVAE(keras.Model):
        def __init__(self, encoder, decoder, **kwargs):
            super().__init__(**kwargs)
            self.encoder = encoder
            self.decoder = decoder
            self.sampling = Sampling()
            self.total_loss_tracker = keras.metrics.Mean(name="total_loss")
            self.reconstruction_loss_tracker = keras.metrics.Mean(
                name="reconstruction_loss"
            )
            self.kl_loss_tracker = keras.metrics.Mean(name="kl_loss")

        @property
        def metrics(self):
            return [
                self.total_loss_tracker,
                self.reconstruction_loss_tracker,
                self.kl_loss_tracker,
            ]

        def train_step(self, data):
            with tf.GradientTape() as tape:
                z_mean, z_log_var = self.encoder(data)
                z = self.sampling([z_mean, z_log_var])
                reconstruction = ops.sigmoid(self.decoder(z))
                reconstruction_loss = ops.mean(
                    ops.sum(
                        keras.losses.binary_crossentropy(data, reconstruction),
                        axis=(1, 2),
                    )
                )
                kl_loss = -0.5 * (
                    1 + z_log_var - ops.square(z_mean) - ops.exp(z_log_var)
                )
                kl_loss = ops.mean(ops.sum(kl_loss, axis=1))
                total_loss = reconstruction_loss + kl_loss
            grads = tape.gradient(total_loss, self.trainable_weights)
            self.optimizer.apply_gradients(zip(grads, self.trainable_weights))
            self.total_loss_tracker.update_state(total_loss)
            self.reconstruction_loss_tracker.update_state(reconstruction_loss)
            self.kl_loss_tracker.update_state(kl_loss)
            return {m.name: m.result() for m in self.metrics}

    return ReferenceVAE(encoder, decoder)


def steady_images_per_second(model, fit_data, images, epochs, **fit_kwargs):
    timer = EpochTimer()
    model.fit(fit_data, epochs=epochs, callbacks=[timer], verbose=0, **fit_kwargs)
    steady = timer.times[1:]
    return images * len(steady) / sum(steady), timer.times


def main(argv=None):
    args = _parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import json
    import platform
    from pathlib import Path

    import keras

    import keras_vae
    from keras_vae.training.defaults import fit_settings

    peak = matmul_peak_gflops()
    print(f"float32 matmul peak: {peak:.1f} GFLOP/s")
    images_all, _ = keras_vae.data.read_idx_split(
        keras_vae.data.default_idx_dir("mnist"), "train"
    )
    report = {
        "machine": {"cores": os.cpu_count(), "cpu": platform.machine()},
        "matmul_peak_gflops": peak,
        "batch_size": args.batch_size,
        "epochs": args.epochs,
        "models": {},
    }
    for architecture in args.models.split(","):
        count = args.mlp_images if architecture == "mlp" else args.conv_images
        images = images_all[:count]
        floats = images.astype("float32") / 255.0
        keras.utils.set_random_seed(0)
        encoder, decoder = keras_vae.build_encoder_decoder(
            architecture, (28, 28, 1), 16
        )
        flops = 3 * (forward_flops(encoder) + forward_flops(decoder))

        reference = reference_vae(
            *keras_vae.build_encoder_decoder(architecture, (28, 28, 1), 16)
        )
        reference.compile(optimizer=keras.optimizers.Adam())
        ref_rate, ref_times = steady_images_per_second(
            reference, floats, count, args.epochs, batch_size=args.batch_size
        )

        vae = keras_vae.VAE(encoder, decoder, seed=0)
        settings = fit_settings(architecture)
        vae.compile(optimizer=keras.optimizers.Adam(), **settings["compile"])
        dataset = keras_vae.data.load_dataset(
            images, batch_size=args.batch_size, seed=0
        )
        rate, times = steady_images_per_second(vae, dataset, count, args.epochs)
        entry = {
            "images_per_epoch": count,
            "training_flops_per_image": flops,
            "keras_vae": {
                "images_per_s": rate,
                "epoch_seconds": times,
                "gflops": rate * flops / 1e9,
                "fraction_of_matmul_peak": rate * flops / 1e9 / peak,
                "settings": {k: repr(v) for k, v in settings["compile"].items()},
            },
            "keras_io_reference": {
                "images_per_s": ref_rate,
                "epoch_seconds": ref_times,
                "gflops": ref_rate * flops / 1e9,
                "fraction_of_matmul_peak": ref_rate * flops / 1e9 / peak,
            },
            "speedup_vs_reference": rate / ref_rate,
        }
        report["models"][architecture] = entry
        print(
            f"{architecture}: keras-vae {rate:,.0f} img/s, reference "
            f"{ref_rate:,.0f} img/s ({rate / ref_rate:.2f}x), "
            f"{flops / 1e6:.2f} MFLOP/img, {rate * flops / 1e9 / peak:.0%} of peak"
        )
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
