"""Training throughput of `VAE.fit` against a keras.io-style reference loop.

Measures, in one run on this machine:
- the float32 peak three ways: TensorFlow's own 4096^3 matmul, numpy's BLAS
  sgemm on the same size (in a subprocess with `OPENBLAS_CORETYPE` and
  `OPENBLAS_L2_SIZE` unset, which slow a current OpenBLAS here; the BLAS
  kernel it then runs is recorded through threadpoolctl), and the
  theoretical figure cores x FLOP/cycle x clock (FLOP/cycle from the CPU
  flags in /proc/cpuinfo: 2 FMA pipes x 8 float32 lanes x 2 with AVX2 + FMA,
  16 lanes with AVX-512; clock: the largest "cpu MHz" there, the current
  clock, not a guaranteed one). The machine's peak is the largest of the
  three, and each rate is also given as a fraction of each;
- images/s of `fit` (steady state: the first epoch is excluded) for the
  default MLP VAE (784-512-16) and the default conv VAE, with keras-vae's
  settings (`fit_settings`), and for each model a reference written the way
  the keras.io VAE example writes it (same layers, sigmoid decoder with
  binary cross-entropy, GradientTape, no jit, plain `fit` on a numpy array);
- the training FLOPs per image (3x the forward pass) and the fractions of
  those peaks reached.

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


NUMPY_SGEMM = """
import json, time
import numpy as np
from threadpoolctl import threadpool_info
size = 4096
rng = np.random.default_rng(0)
a = rng.standard_normal((size, size), dtype=np.float32)
b = rng.standard_normal((size, size), dtype=np.float32)
a @ b
best = min((lambda s: (a @ b, time.perf_counter() - s)[1])(time.perf_counter())
           for _ in range(5))
info = [{k: i.get(k) for k in ("internal_api", "version", "architecture",
         "num_threads")} for i in threadpool_info() if i.get("user_api") == "blas"]
print(json.dumps({"gflops": 2 * size**3 / best / 1e9, "blas": info}))
"""


def numpy_sgemm_peak():
    """numpy's sgemm, with the OpenBLAS overrides unset for this run only."""
    import json
    import subprocess

    env = {k: v for k, v in os.environ.items()
           if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}  # fmt: skip
    result = subprocess.run(
        [sys.executable, "-c", NUMPY_SGEMM],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.splitlines()[-1])


def theoretical_peak():
    """cores x FLOP/cycle x clock, read from /proc/cpuinfo."""
    clock_mhz, flags = 0.0, set()
    with open("/proc/cpuinfo") as handle:
        for line in handle:
            if line.startswith("cpu MHz"):
                clock_mhz = max(clock_mhz, float(line.split(":")[1]))
            elif line.startswith("flags"):
                flags = set(line.split(":")[1].split())
    lanes = 16 if "avx512f" in flags else 8 if "avx2" in flags else 4
    fma = 2 if "fma" in flags else 1
    flop_per_cycle = 2 * lanes * fma  # two vector pipes
    cores = os.cpu_count()
    return {
        "gflops": cores * flop_per_cycle * clock_mhz / 1000.0,
        "cores": cores,
        "flop_per_cycle": flop_per_cycle,
        "clock_ghz": clock_mhz / 1000.0,
        "flags": sorted(flags & {"avx2", "fma", "avx512f"}),
    }


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

    peaks = {
        "tensorflow_matmul": {"gflops": matmul_peak_gflops()},
        "numpy_sgemm": numpy_sgemm_peak(),
        "theoretical": theoretical_peak(),
    }
    peak = max(p["gflops"] for p in peaks.values())
    for name, value in peaks.items():
        print(f"float32 peak, {name}: {value['gflops']:.1f} GFLOP/s")
    images_all, _ = keras_vae.data.read_idx_split(
        keras_vae.data.default_idx_dir("mnist"), "train"
    )
    report = {
        "machine": {"cores": os.cpu_count(), "cpu": platform.machine()},
        "peaks": peaks,
        "peak_gflops": peak,
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
                "fraction_of_peak": {
                    name: rate * flops / 1e9 / p["gflops"] for name, p in peaks.items()
                },
                "settings": {k: repr(v) for k, v in settings["compile"].items()},
            },
            "keras_io_reference": {
                "images_per_s": ref_rate,
                "epoch_seconds": ref_times,
                "gflops": ref_rate * flops / 1e9,
                "fraction_of_peak": {
                    name: ref_rate * flops / 1e9 / p["gflops"]
                    for name, p in peaks.items()
                },
            },
            "speedup_vs_reference": rate / ref_rate,
        }
        report["models"][architecture] = entry
        print(
            f"{architecture}: keras-vae {rate:,.0f} img/s, reference "
            f"{ref_rate:,.0f} img/s ({rate / ref_rate:.2f}x), "
            f"{flops / 1e6:.2f} MFLOP/img, "
            f"{rate * flops / 1e9 / peak:.0%} of the best peak"
        )
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
