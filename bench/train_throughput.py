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
- images/s of `fit` (the median of `--rounds` one-epoch fits per
  configuration, all configurations taking turns, after a warm-up epoch
  each, so that a slow spell of a shared machine hits them all) for the
  default MLP VAE (784-512-16) and the default conv VAE, compiled the way
  the README's quick start does (`vae.compile(optimizer=...)`, so with the
  settings `keras_vae.models.compile_defaults` picks), then for every
  combination of `jit_compile` and `steps_per_execution` (the measurements
  that table is checked against), for a reference written the way the
  keras.io VAE example writes it (same layers, sigmoid decoder with binary
  cross-entropy, GradientTape, Keras' default compile, plain `fit` on a
  numpy array), and for pythae (PyTorch, CPU) on the same layers when
  `--pythae-python` names an environment that has it
  (`bench/pythae_peer.py`; `make bench-peers` makes `.venv-pythae`);
- the training FLOPs per image (3x the forward pass) and the fractions of
  those peaks reached.

Usage:
    python -m bench.train_throughput --json bench/results/train_throughput.json
"""

import argparse
import os
import sys
import time

from bench.common import GRID
from bench.common import ROOT
from bench.common import interleaved_rates
from bench.common import mnist_train_uint8
from bench.common import write_json


def _parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", default="bench/results/train_throughput.json")
    parser.add_argument(
        "--rounds",
        type=int,
        default=5,
        help="timed epochs per configuration, taken in turns",
    )
    parser.add_argument("--mlp-images", type=int, default=60000)
    parser.add_argument("--conv-images", type=int, default=6400)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument(
        "--models", default="mlp,conv", help="comma-separated: mlp, conv"
    )
    parser.add_argument(
        "--pythae-python",
        default=".venv-pythae/bin/python",
        help="interpreter of an environment with pythae and torch (the peer "
        "is skipped, and says so, when it is missing)",
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


def pythae_peer(python, architecture, images, epochs, batch_size):
    """pythae's rate from `bench.pythae_peer` under `python`, or why not."""
    import json
    import subprocess

    if not python or not os.path.exists(python):
        return {"skipped": f"no pythae environment at {python!r} (make bench-peers)"}
    result = subprocess.run(
        [python, "-m", "bench.pythae_peer", "--architecture", architecture,
         "--images", str(images), "--epochs", str(epochs),
         "--batch-size", str(batch_size)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )  # fmt: skip
    if result.returncode:
        return {"skipped": "pythae failed: " + result.stderr.strip()[-400:]}
    return json.loads(result.stdout.strip().splitlines()[-1])


def _rate_entry(rate, times, flops, peaks):
    return {
        "images_per_s": rate,
        "epoch_seconds": times,
        "gflops": rate * flops / 1e9,
        "fraction_of_peak": {
            name: rate * flops / 1e9 / p["gflops"] for name, p in peaks.items()
        },
    }


def main(argv=None):
    args = _parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import platform

    import keras

    import keras_vae
    from keras_vae.models.compile_defaults import default_compile_settings

    peaks = {
        "tensorflow_matmul": {"gflops": matmul_peak_gflops()},
        "numpy_sgemm": numpy_sgemm_peak(),
        "theoretical": theoretical_peak(),
    }
    peak = max(p["gflops"] for p in peaks.values())
    for name, value in peaks.items():
        print(f"float32 peak, {name}: {value['gflops']:.1f} GFLOP/s")
    images_all = mnist_train_uint8()
    report = {
        "machine": {"cores": os.cpu_count(), "cpu": platform.machine()},
        "peaks": peaks,
        "peak_gflops": peak,
        "batch_size": args.batch_size,
        "rounds": args.rounds,
        "models": {},
    }

    def new_vae(architecture):
        keras.utils.set_random_seed(0)
        encoder, decoder = keras_vae.build_encoder_decoder(
            architecture, (28, 28, 1), 16
        )
        return keras_vae.VAE(encoder, decoder, seed=0)

    for architecture in args.models.split(","):
        count = args.mlp_images if architecture == "mlp" else args.conv_images
        images = images_all[:count]
        dataset = keras_vae.data.load_dataset(
            images, batch_size=args.batch_size, seed=0
        )
        runs = {}
        default_settings = None
        for jit_compile, steps_per_execution in GRID:
            vae = new_vae(architecture)
            vae.compile(optimizer=keras.optimizers.Adam())
            if default_settings is None:
                default_settings = default_compile_settings(vae)
            if default_settings != {
                "jit_compile": jit_compile,
                "steps_per_execution": steps_per_execution,
            }:
                vae.compile(
                    optimizer=keras.optimizers.Adam(),
                    jit_compile=jit_compile,
                    steps_per_execution=steps_per_execution,
                )
            runs[(jit_compile, steps_per_execution)] = (vae, dataset, {}, count)
        flops = 3 * (forward_flops(vae.encoder) + forward_flops(vae.decoder))
        reference = reference_vae(
            *keras_vae.build_encoder_decoder(architecture, (28, 28, 1), 16)
        )
        reference.compile(optimizer=keras.optimizers.Adam())
        floats = images.astype("float32") / 255.0
        runs["reference"] = (reference, floats, {"batch_size": args.batch_size}, count)
        rates = interleaved_rates(runs, args.rounds)
        default_key = (
            default_settings["jit_compile"],
            default_settings["steps_per_execution"],
        )
        rate = rates[default_key]["images_per_s"]
        ref_rate = rates["reference"]["images_per_s"]
        entry = {
            "images_per_epoch": count,
            "training_flops_per_image": flops,
            "keras_vae": {
                **_rate_entry(rate, rates[default_key]["epoch_seconds"], flops, peaks),
                "compile": "vae.compile(optimizer=keras.optimizers.Adam())",
                "settings": default_settings,
            },
            "settings_grid": [
                {
                    "jit_compile": jit_compile,
                    "steps_per_execution": steps_per_execution,
                    **rates[(jit_compile, steps_per_execution)],
                }
                for jit_compile, steps_per_execution in GRID
            ],
            "keras_io_reference": _rate_entry(
                ref_rate, rates["reference"]["epoch_seconds"], flops, peaks
            ),
            "speedup_vs_reference": rate / ref_rate,
        }
        for cell in entry["settings_grid"]:
            print(
                f"{architecture} jit_compile={cell['jit_compile']} steps_per_execution"
                f"={cell['steps_per_execution']}: {cell['images_per_s']:,.0f} img/s"
            )
        peer = pythae_peer(
            args.pythae_python, architecture, count, args.rounds + 1, args.batch_size
        )
        if "images_per_s" in peer:
            peer.update(_rate_entry(peer["images_per_s"], peer["epoch_seconds"],
                                    flops, peaks))  # fmt: skip
            entry["speedup_vs_pythae"] = rate / peer["images_per_s"]
        entry["pythae"] = peer
        report["models"][architecture] = entry
        print(
            f"{architecture}: keras-vae (default compile {default_settings}) "
            f"{rate:,.0f} img/s, keras.io-style {ref_rate:,.0f} img/s "
            f"({rate / ref_rate:.2f}x), pythae "
            f"{peer.get('images_per_s', float('nan')):,.0f} img/s, "
            f"{flops / 1e6:.2f} MFLOP/img, "
            f"{rate * flops / 1e9 / peak:.0%} of the best peak"
        )
    write_json(args.json, report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
