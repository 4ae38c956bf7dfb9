"""Benchmark of the exported decoder: size, latency, throughput, accuracy.

For one trained VAE (by default the model `make demo` writes), exports every
format and measures, with the same thread count everywhere:
- the file size of each format;
- batch-1 latency and batch-256 throughput of each runtime (median of many
  warm runs), against a numpy implementation of the same decoder (the
  "numpy floor") timed in the same run;
- the largest and mean per-pixel error of each format on 1,000 prior
  samples, and the change of the test reconstruction loss (Bernoulli NLL of
  the posterior-mean reconstruction, nats per image) against Keras.

Usage:
    python -m bench.export_benchmark --model runs/demo/model.keras \
        --json bench/results/export_benchmark.json
"""

import argparse
import os
import sys

from bench.common import cpu_info
from bench.common import mnist_images
from bench.common import write_json

THREADS_DEFAULT = 2


def _set_threads(threads):
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[name] = str(threads)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def _parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="runs/demo/model.keras")
    parser.add_argument("--threads", type=int, default=THREADS_DEFAULT)
    parser.add_argument("--json", default="bench/results/export_benchmark.json")
    parser.add_argument("--test-images", type=int, default=2000)
    return parser.parse_args(argv)


def _median_seconds(function, runs, warmup):
    import time

    import numpy as np

    for _ in range(warmup):
        function()
    times = np.empty(runs)
    for i in range(runs):
        start = time.perf_counter()
        function()
        times[i] = time.perf_counter() - start
    return float(np.median(times))


def _numpy_decoder(vae):
    """The MLP decoder in numpy (Dense layers, ReLU, sigmoid), float32."""
    import numpy as np

    layers = [layer for layer in vae.decoder.layers if layer.get_weights()]
    weights = [[w.astype(np.float32) for w in layer.get_weights()] for layer in layers]
    activations = [layer.activation.__name__ for layer in layers]
    shape = (-1,) + tuple(vae.example_shape)
    if any(a not in ("relu", "linear") for a in activations):
        raise ValueError(f"numpy floor supports MLP decoders. Received: {activations}")

    def decode(z):
        x = z
        for (kernel, bias), activation in zip(weights, activations):
            x = x @ kernel
            x += bias
            if activation == "relu":
                np.maximum(x, 0.0, out=x)
        return (1.0 / (1.0 + np.exp(-x))).reshape(shape)

    flops = sum(2 * k.shape[0] * k.shape[1] for k, _ in weights)
    return decode, flops


def main(argv=None):
    args = _parse_args(argv)
    _set_threads(args.threads)

    import tempfile
    from pathlib import Path

    import keras
    import numpy as np
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    tf.config.threading.set_inter_op_parallelism_threads(1)

    import keras_vae  # noqa: F401 (registers the classes load_model reads)
    from keras_vae_export.exporter import export_decoder
    from keras_vae_sampler.formats import FORMATS
    from keras_vae_sampler.runtimes import open_runner

    vae = keras.saving.load_model(args.model)
    latent_dim = vae.latent_dim
    numpy_decode, flops_per_sample = _numpy_decoder(vae)
    rng = np.random.default_rng(0)
    z1 = rng.standard_normal((1, latent_dim), dtype=np.float32)
    z256 = rng.standard_normal((256, latent_dim), dtype=np.float32)
    z_prior = rng.standard_normal((1000, latent_dim), dtype=np.float32)

    test_x = mnist_images("test", args.test_images)
    z_test = vae.encode(test_x)[0].astype(np.float32)

    def bernoulli_nll(images):
        p = np.clip(images.astype(np.float64), 1e-7, 1 - 1e-7)
        x = test_x.astype(np.float64)
        nll = -(x * np.log(p) + (1 - x) * np.log1p(-p))
        return float(nll.reshape(len(x), -1).sum(axis=1).mean())

    keras_prior = vae.decode(z_prior)
    keras_nll = bernoulli_nll(vae.decode(z_test))

    def measure(decode):
        latency = _median_seconds(lambda: decode(z1), runs=3000, warmup=300)
        batch = _median_seconds(lambda: decode(z256), runs=300, warmup=30)
        return {
            "batch1_latency_us": latency * 1e6,
            "batch256_samples_per_s": 256 / batch,
            "batch256_gflops": 256 * flops_per_sample / batch / 1e9,
        }

    results = {"numpy": measure(numpy_decode)}
    numpy_prior_error = np.abs(numpy_decode(z_prior) - keras_prior)
    results["numpy"].update(
        {"max_abs_error": float(numpy_prior_error.max()), "size_bytes": None}
    )
    with tempfile.TemporaryDirectory() as tmp:
        manifest = export_decoder(vae, Path(tmp) / "exported", num_threads=args.threads)
        for name, artifact in manifest["artifacts"].items():
            if artifact["graph"] != "decode" or artifact["batch_size"] is not None:
                continue  # the decoders that take any batch
            runner = open_runner(
                FORMATS[name].runtime,
                Path(tmp) / "exported" / artifact["file"],
                num_threads=args.threads,
            )

            def decode(z, runner=runner):
                return runner.run({artifact["inputs"][0]["name"]: z})[0]

            entry = measure(decode)
            error = np.abs(decode(z_prior) - keras_prior)
            entry.update(
                {
                    "size_bytes": artifact["size_bytes"],
                    "max_abs_error": float(error.max()),
                    "mean_abs_error": float(error.mean()),
                    "test_nll_change_nats": bernoulli_nll(decode(z_test)) - keras_nll,
                    "parity_passed": artifact["parity"]["passed"],
                }
            )
            results[name] = entry

    cpu = cpu_info()
    clock, avx512, cores = cpu["clock_ghz"], cpu["avx512"], cpu["cores"]
    peak = cores * 32 * clock if clock else None
    # Two AVX-512 FMA ports: 2 x 16 lanes x 2 FLOP = 64 FLOP per cycle.
    avx512_peak = cores * 64 * clock if clock and avx512 else None
    float32_size = results["tflite"]["size_bytes"]
    fastest = min(
        (n for n in results if n != "numpy"),
        key=lambda n: results[n]["batch1_latency_us"],
    )
    report = {
        "model": args.model,
        "latent_dim": latent_dim,
        "decoder_flops_per_sample": flops_per_sample,
        "threads": args.threads,
        "machine": {
            **cpu,
            "clock_source": "/proc/cpuinfo 'cpu MHz' (nominal; turbo not visible)",
            "theoretical_float32_gflops": peak,
            "peak_formula": "cores x 32 FLOP/cycle x clock",
            "avx512_float32_gflops": avx512_peak,
            "avx512_peak_formula": "cores x 64 FLOP/cycle (2 AVX-512 FMA) x clock",
        },
        "keras_test_nll_nats": keras_nll,
        "test_images": len(test_x),
        "results": results,
        "goals": {
            "fastest_batch1_vs_numpy": results[fastest]["batch1_latency_us"]
            / results["numpy"]["batch1_latency_us"],
            "fastest_format": fastest,
            "tflite_float32_batch256_fraction_of_peak": (
                results["tflite"]["batch256_gflops"] / peak if peak else None
            ),
            "tflite_float32_batch256_fraction_of_avx512_peak": (
                results["tflite"]["batch256_gflops"] / avx512_peak
                if avx512_peak
                else None
            ),
            "fp16_size_ratio": results["tflite-fp16"]["size_bytes"] / float32_size,
            "int8_size_ratio": results["tflite-int8"]["size_bytes"] / float32_size,
        },
    }
    write_json(args.json, report)
    print(format_table(report))
    return 0


def format_table(report):
    """The README table of a benchmark report."""
    lines = [
        "| runtime / format | size (MB) | batch-1 latency (us) | batch-256 "
        "samples/s | GFLOP/s | max error | mean error | test NLL change (nats) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, r in report["results"].items():
        size = f"{r['size_bytes'] / 1e6:.3f}" if r["size_bytes"] else "-"
        mean = f"{r['mean_abs_error']:.1e}" if "mean_abs_error" in r else "-"
        nll = (
            f"{r['test_nll_change_nats']:+.3f}" if "test_nll_change_nats" in r else "-"
        )
        lines.append(
            f"| {name} | {size} | {r['batch1_latency_us']:.1f} | "
            f"{r['batch256_samples_per_s']:,.0f} | {r['batch256_gflops']:.1f} | "
            f"{r['max_abs_error']:.1e} | {mean} | {nll} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
