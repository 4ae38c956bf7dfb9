"""Builds the presets that ship with the package (`keras_vae_sampler.presets.
PRESETS`): trains each with `keras-vae train` and its recorded arguments,
then saves it with its exported decoder into
`sampler/keras_vae_sampler/presets/<name>/`, recording the command, seed,
training time, machine and versions in its `metadata.json`.

    python tools/make_presets.py                 # train and build every preset
    python tools/make_presets.py --reuse mnist   # build from runs/presets/mnist
    python tools/make_presets.py --reexport      # re-export the shipped weights

Training uses `--deterministic` (TensorFlow op determinism), so a rerun on
the same machine and versions gives the same weights.
"""

import argparse
import json
import os
import platform
import shlex
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# How each preset of `keras_vae_sampler.presets.PRESETS` is made: the
# `keras-vae train` arguments and the formats of its `exported/` folder.
RECIPES = {
    "mnist": ("--epochs", "60", "--seed", "0", "--deterministic"),
    "mnist_small": (
        "--encoder-from",
        "mnist",
        "--architecture",
        "conv-small",
        "--seed",
        "0",
        "--deterministic",
    ),  # fmt: skip
    "mnist_conditional": (
        "--conditional",
        "--beta",
        "3",
        "--seed",
        "0",
        "--deterministic",
    ),
}
EXPORT_FORMATS = ("tflite-int8", "onnx")


def train(preset, run_dir):
    """Runs `keras-vae train` for `preset` into `run_dir`; returns the
    training record."""
    train_args = RECIPES[preset.name]
    command = ["keras-vae", "train", *train_args, "--output-dir", str(run_dir)]
    seconds_file = run_dir / "train_seconds.json"
    if not (run_dir / "model.keras").is_file():
        start = time.perf_counter()
        subprocess.run(
            [str(Path(sys.executable).with_name("keras-vae")), *command[1:]],
            check=True,
            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"},
        )
        seconds_file.write_text(json.dumps(time.perf_counter() - start))
    import tensorflow as tf

    metrics_file = run_dir / "metrics.json"
    metrics = json.loads(metrics_file.read_text()) if metrics_file.is_file() else {}
    seconds = json.loads(seconds_file.read_text()) if seconds_file.is_file() else None
    return {
        "command": shlex.join(
            command[:-2] + ["--output-dir", "runs/presets/" + preset.name]
        ),
        "seed": int(train_args[train_args.index("--seed") + 1]),
        "train_seconds": seconds,
        "metrics": metrics,
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
        },
        "tensorflow_version": tf.__version__,
    }


def build(preset, run_dir, out_dir):
    """Saves the trained model of `run_dir` as the preset folder `out_dir`."""
    import keras_vae
    from keras_vae.models.model_files import load_model_file

    record = train(preset, run_dir)
    expected = getattr(keras_vae, preset.class_name)
    model = load_model_file(run_dir / "model.keras", expected)
    model.save_to_preset(
        out_dir,
        overwrite=True,
        export_formats=",".join(EXPORT_FORMATS),
        description=preset.description,
        training=record,
    )
    return out_dir


def reexport(preset, out_dir):
    """Exports a shipped preset's own weights again (after a change of the
    exporter), keeping its training record; no training."""
    import tempfile

    import keras_vae

    metadata = json.loads((out_dir / "metadata.json").read_text())
    model = getattr(keras_vae, preset.class_name).from_preset(str(out_dir))
    with tempfile.TemporaryDirectory() as work:
        staged = Path(work) / preset.name
        model.save_to_preset(
            staged,
            export_formats=",".join(EXPORT_FORMATS),
            description=metadata["description"],
            training=metadata["training"],
        )
        for path in sorted(out_dir.rglob("*"), reverse=True):
            path.unlink() if path.is_file() else path.rmdir()
        for path in sorted(staged.rglob("*")):
            target = out_dir / path.relative_to(staged)
            if path.is_dir():
                target.mkdir()
            else:
                target.write_bytes(path.read_bytes())
    return out_dir


def main(argv=None):
    from keras_vae_sampler.presets import BUNDLED_DIR
    from keras_vae_sampler.presets import PRESETS

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "names", nargs="*", help=f"presets (default: all of {list(PRESETS)})"
    )
    parser.add_argument("--runs", default=str(ROOT / "runs" / "presets"))
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep runs/presets/<name>/model.keras if present",
    )
    parser.add_argument(
        "--reexport",
        action="store_true",
        help="export the shipped presets' own weights again (no training)",
    )
    args = parser.parse_args(argv)
    for name in args.names or PRESETS:
        if args.reexport:
            print(f"{name}: {reexport(PRESETS[name], BUNDLED_DIR / name)}")
            continue
        run_dir = Path(args.runs) / name
        if not args.reuse and (run_dir / "model.keras").exists():
            raise SystemExit(f"{run_dir} holds a model; pass --reuse or remove it")
        out = build(PRESETS[name], run_dir, BUNDLED_DIR / name)
        print(f"{name}: {out}")


if __name__ == "__main__":
    main()
