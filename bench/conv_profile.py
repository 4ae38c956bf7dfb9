"""Where the conv VAE's training time goes, and what changes it.

1. Profile: one epoch of `fit` (after a warm-up epoch) of the default conv
   VAE, compiled the way the README's quick start does, under TensorFlow's
   profiler. The trace (XSpace protobuf) is read with the proto that ships
   with TensorFlow; the time of every op kernel on the compute threads is
   summed by op type and by layer, as shares of the op time and of the wall
   time of the epoch.
2. Options: what Keras and TensorFlow allow (XLA, 1 step per execution,
   batch sizes 64/256/512, `mixed_bfloat16` (bf16 convolutions where the
   CPU has them), numpy input instead of keras-vae's `tf.data` pipeline),
   each measured in turns with the default in one process (median of
   `--rounds` one-epoch fits each: the machine's speed drifts by tens of
   percent between minutes); oneDNN off and one inter-op thread act at
   start-up, so each runs in its own process with the default again.

Usage:
    python -m bench.conv_profile --json bench/results/conv_profile.json
"""

import argparse
import collections
import glob
import json
import os
import subprocess
import sys
import tempfile
import time

from bench.common import ROOT
from bench.common import interleaved_rates
from bench.common import mnist_train_uint8
from bench.common import write_json

IN_PROCESS_OPTIONS = {
    "jit_compile=True": {"jit_compile": True},
    "steps_per_execution=1": {"steps_per_execution": 1},
    "batch 64": {"batch_size": 64},
    "batch 256": {"batch_size": 256},
    "batch 512": {"batch_size": 512},
    "mixed_bfloat16": {"policy": "mixed_bfloat16"},
    "numpy input (no tf.data pipeline)": {"numpy_input": True},
}
"""Options measured in one process, in turns with the default."""

PROCESS_OPTIONS = {
    "TF_ENABLE_ONEDNN_OPTS=0": {"TF_ENABLE_ONEDNN_OPTS": "0"},
    "inter-op threads 1": {"KERAS_VAE_BENCH_INTER_OP_THREADS": "1"},
}
"""Options that act at start-up: each in its own process, where the
default is measured in turns with it again."""

DEFAULT = "default compile (jit off, 8 steps)"


def _parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", default="bench/results/conv_profile.json")
    parser.add_argument("--images", type=int, default=6400)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--option", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def _conv_vae(keras_vae):
    import keras

    keras.utils.set_random_seed(0)
    encoder, decoder = keras_vae.build_encoder_decoder("conv", (28, 28, 1), 16)
    return keras_vae.VAE(encoder, decoder, seed=0)


def _op_type(name):
    return name.rsplit(":", 1)[1] if ":" in name else name


def _layer(name):
    parts = name.split(":", 1)[0].split("/")
    for index, part in enumerate(parts):
        if part.startswith(("encoder", "decoder")) and index + 1 < len(parts):
            layer = parts[index + 1]
            return f"{part.rstrip('_0123456789')}/{layer.rstrip('_0123456789')}"
    return "other (optimizer, loss, metrics)"


def profile(args):
    """Op time by type and by layer for one epoch of the default conv VAE."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras
    import tensorflow as tf
    from tensorflow.tsl.profiler.protobuf import xplane_pb2

    import keras_vae

    dataset = keras_vae.data.load_dataset(
        mnist_train_uint8(args.images), batch_size=128, seed=0
    )
    vae = _conv_vae(keras_vae)
    vae.compile(optimizer=keras.optimizers.Adam())
    vae.fit(dataset, epochs=1, verbose=0)
    with tempfile.TemporaryDirectory() as log_dir:
        tf.profiler.experimental.start(log_dir)
        start = time.perf_counter()
        vae.fit(dataset, epochs=1, verbose=0)
        wall = time.perf_counter() - start
        tf.profiler.experimental.stop()
        path = glob.glob(f"{log_dir}/**/*.xplane.pb", recursive=True)[0]
        space = xplane_pb2.XSpace()
        with open(path, "rb") as handle:
            space.ParseFromString(handle.read())
    by_type, by_layer = collections.Counter(), collections.Counter()
    for plane in space.planes:
        if plane.name != "/host:CPU":
            continue
        for line in plane.lines:
            if not line.name.startswith("tf_Compute") and line.name != "python":
                continue
            for event in line.events:
                name = plane.event_metadata[event.metadata_id].name
                if ":" not in name or "/" not in name:
                    continue  # executor bookkeeping, not an op kernel
                seconds = event.duration_ps / 1e12
                by_type[_op_type(name)] += seconds
                by_layer[_layer(name)] += seconds
    op_seconds = sum(by_type.values())

    def table(counter):
        return [
            {
                "name": name,
                "seconds": seconds,
                "share_of_op_time": seconds / op_seconds,
                "share_of_wall_time": seconds / wall,
            }
            for name, seconds in counter.most_common()
        ]

    return {
        "settings": {
            "jit_compile": vae.jit_compile,
            "steps_per_execution": vae.steps_per_execution,
        },
        "images": args.images,
        "wall_seconds": wall,
        "op_seconds": op_seconds,
        "by_op_type": table(by_type),
        "by_layer": table(by_layer),
    }


def _run(keras, keras_vae, images, settings):
    """(model, fit data, fit kwargs, images) for `interleaved_rates`."""
    batch_size = settings.get("batch_size", 128)
    if settings.get("numpy_input"):
        data = images.astype("float32") / 255.0
        fit_kwargs = {"batch_size": batch_size}
    else:
        data = keras_vae.data.load_dataset(images, batch_size=batch_size, seed=0)
        fit_kwargs = {}
    if "policy" in settings:
        keras.config.set_dtype_policy(settings["policy"])
    try:
        vae = _conv_vae(keras_vae)
    finally:
        keras.config.set_dtype_policy("float32")
    compile_kwargs = {
        k: settings[k] for k in ("jit_compile", "steps_per_execution") if k in settings
    }
    vae.compile(optimizer=keras.optimizers.Adam(), **compile_kwargs)
    return vae, data, fit_kwargs, len(images)


def measure_options(args, options):
    """images/s of the default and each option, in turns, in this process."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    threads = os.environ.get("KERAS_VAE_BENCH_INTER_OP_THREADS")
    if threads:
        import tensorflow as tf

        tf.config.threading.set_inter_op_parallelism_threads(int(threads))
    import keras

    import keras_vae

    images = mnist_train_uint8(args.images)
    runs = {
        name: _run(keras, keras_vae, images, settings)
        for name, settings in {DEFAULT: {}, **options}.items()
    }
    return interleaved_rates(runs, args.rounds)


def _start_up_option(args, env, alternations=2):
    """The default model in fresh processes with and without `env`, in
    turns; the ratio of the median rates."""
    import statistics

    command = [
        *(sys.executable, "-m", "bench.conv_profile", "--option", DEFAULT),
        *("--images", str(args.images), "--rounds", "2"),
    ]
    rates = {"without": [], "with": []}
    for _ in range(alternations):
        for key, extra in (("without", {}), ("with", env)):
            result = subprocess.run(
                command,
                env={**os.environ, **extra},
                cwd=ROOT,
                capture_output=True,
                text=True,
            )
            if result.returncode:
                return {"failed": result.stderr.strip()[-400:]}
            measured = json.loads(result.stdout.splitlines()[-1])[DEFAULT]
            rates[key].append(measured["images_per_s"])
    return {
        "images_per_s": rates,
        "ratio": statistics.median(rates["with"]) / statistics.median(rates["without"]),
    }


def main(argv=None):
    args = _parse_args(argv)
    if args.option:  # the default alone, in a process started with an option
        print(json.dumps(measure_options(args, {})))
        return 0
    report = {"profile": profile(args), "rounds": args.rounds}
    for row in report["profile"]["by_op_type"][:12]:
        print(f"{row['name']:>40}: {row['share_of_op_time']:.0%} of op time")
    report["options"] = measure_options(args, IN_PROCESS_OPTIONS)
    report["start_up_options"] = {
        option: _start_up_option(args, env) for option, env in PROCESS_OPTIONS.items()
    }
    default = report["options"][DEFAULT]["images_per_s"]
    for option, rates in report["options"].items():
        print(f"{option}: {rates['images_per_s'] / default:.2f}x the default")
    for option, result in report["start_up_options"].items():
        print(f"{option}: {result.get('ratio', 'failed')}x the default")
    write_json(args.json, report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
