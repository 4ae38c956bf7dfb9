"""Benchmark of what the device draws: sample quality per latent sampler and
export format, label accuracy of the conditional VAE, and CLI start-up.

Trains the default MNIST model as `keras-vae train` does (MLP 784-512-16,
Bernoulli, 30 epochs) and the conditional one (`--conditional`), then:
- fits Gaussian mixtures with several component counts on the training
  set's posterior means (20,000 of them, `fit_latent_sampler`'s default;
  fit time, completeness and Fréchet distance of 2,000 samples in Keras),
  the measurement behind `keras-vae train`'s default;
- exports every format and measures, for the prior, the mixture, and the
  sampling graph on uniform noise (`graph`: the raw file alone, the mixture
  inside it, as a device feeds it), drawn by the `Sampler` (numpy + LiteRT,
  ONNX Runtime or TensorFlow for the SavedModel):
  completeness, Fréchet distance and precision/recall (k = 3) on the
  reference classifier's penultimate features against 2,000 test images,
  plus each file's size and its largest and mean per-pixel error against
  Keras on 1,000 prior latents;
- for the conditional model: label accuracy (share of samples drawn for
  class c that the reference classifier assigns to c with confidence
  >= 0.9), mean and worst class, per sampler, in Keras and through every
  format (the sampling graph too);
- `keras-vae --help` and a bad argument: wall time of the command (median
  of 5 runs).

Usage:
    python -m bench.sample_quality --json bench/results/sample_quality.json
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import export_samplers
from bench.common import machine_and_python
from bench.common import mnist_images
from bench.common import write_json

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def _parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--components", default="10,25,50,100")  # on 20,000 codes
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--json", default="bench/results/sample_quality.json")
    parser.add_argument("--work-dir", default=None)
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="reuse models already trained in --work-dir (their training "
        "seconds are then not measured)",
    )
    return parser.parse_args(argv)


def _command_seconds(arguments, runs=5):
    command = Path(sys.executable).parent / "keras-vae"
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([str(command), *arguments], capture_output=True, check=False)
        times.append(time.perf_counter() - start)
    return sorted(times)[len(times) // 2]


def _train(work, conditional, epochs, latent_sampler, reuse=False):
    from keras_vae.models.model_files import load_model_file
    from keras_vae.models.vae import VAE
    from keras_vae.training.config import TrainingConfig
    from keras_vae.training.run import run_training

    name = "conditional" if conditional else "default"
    path = work / name / "model.keras"
    if reuse and path.exists():
        metrics = json.loads((work / name / "metrics.json").read_text())
        return load_model_file(path, VAE), metrics, None
    config = TrainingConfig(
        epochs=epochs,
        conditional=conditional,
        latent_sampler=latent_sampler,
        output_dir=str(work / name),
    )
    start = time.perf_counter()
    summary = run_training(config, verbose=0)
    seconds = time.perf_counter() - start
    model = load_model_file(work / name / "model.keras", VAE)
    return model, summary, seconds


# What a Sampler measures: latents decoded (prior, mixture) and the sampling
# graph drawing on its own from uniform noise.
LATENTS = ("prior", "gmm", "graph")


def _component_sweep(model, train_images, test_images, classifier, counts, samples):
    from keras_vae import evaluation

    rows = []
    for count in counts:
        start = time.perf_counter()
        model.fit_latent_sampler(train_images, num_components=count, seed=0)
        fit_seconds = time.perf_counter() - start
        scores = evaluation.sample_quality(
            model, classifier, test_images, samples, latent="gmm"
        )
        rows.append({"num_components": count, "fit_seconds": fit_seconds, **scores})
        print("components", rows[-1], flush=True)
    return rows


def _format_table(model, export_dir, manifest, test_images, classifier, samples):
    import numpy as np

    from keras_vae import evaluation

    rng = np.random.default_rng(0)
    z = rng.standard_normal((1000, model.latent_dim), dtype=np.float32)
    reference = model.decode(z)
    rows = {}
    sources = {"keras": model, **export_samplers(export_dir)}
    for name, source in sources.items():
        row = {}
        if name != "keras":
            error = np.abs(source.decode(z) - reference)
            row.update(
                {
                    "size_bytes": manifest["artifacts"][name]["size_bytes"],
                    "max_error": float(error.max()),
                    "mean_error": float(error.mean()),
                }
            )
        for latent in ("prior", "gmm") if name == "keras" else LATENTS:
            row[latent] = evaluation.sample_quality(
                source, classifier, test_images, samples, latent=latent
            )
        rows[name] = row
        print("format", name, row, flush=True)
    return rows


def _label_accuracy(model, export_dir, classifier):
    from keras_vae import evaluation

    rows = {}
    sources = {"keras": model, **export_samplers(export_dir)}
    for name, source in sources.items():
        rows[name] = {
            latent: evaluation.label_accuracy(source, classifier, latent=latent)
            for latent in (("prior", "gmm") if name == "keras" else LATENTS)
        }
        print("labels", name, rows[name], flush=True)
    return rows


def main(argv=None):
    args = _parse_args(argv)
    from keras_vae import evaluation
    from keras_vae.training.config import default
    from keras_vae_export import export_decoder
    from keras_vae_sampler.formats import FORMATS

    counts = [int(c) for c in args.components.split(",")]
    work = Path(args.work_dir or tempfile.mkdtemp(prefix="sample-quality-"))
    train_images = mnist_images("train")
    test_images = mnist_images("test", args.samples)
    classifier = evaluation.reference_classifier()
    results = {
        "machine": machine_and_python(),
        "cli_seconds": {
            "help": _command_seconds(["--help"]),
            "train --help": _command_seconds(["train", "--help"]),
            "bad argument": _command_seconds(["train", "--latent-dim", "0"]),
        },
    }
    print("cli", results["cli_seconds"], flush=True)

    model, summary, seconds = _train(work, False, args.epochs, "prior", args.reuse)
    results["default_model"] = {
        "train_seconds": seconds,
        "test_negative_elbo": summary["test_negative_elbo"],
    }
    results["components"] = _component_sweep(
        model, train_images, test_images, classifier, counts, args.samples
    )
    # The formats are measured with the mixture `keras-vae train` fits.
    chosen = default("gmm_components")
    model.fit_latent_sampler(train_images, num_components=chosen)
    export_dir = work / "default" / "exported"
    manifest = export_decoder(model, export_dir, formats=list(FORMATS), overwrite=True)
    results["chosen_components"] = chosen
    results["formats"] = _format_table(
        model, export_dir, manifest, test_images, classifier, args.samples
    )

    # CLI defaults: the mixtures `keras-vae train --conditional` fits.
    cmodel, csummary, cseconds = _train(work, True, args.epochs, "gmm", args.reuse)
    cexport = work / "conditional" / "exported"
    export_decoder(cmodel, cexport, overwrite=True, formats=list(FORMATS))
    results["conditional"] = {
        "train_seconds": cseconds,
        "test_negative_elbo": csummary["test_negative_elbo"],
        "gmm_components_per_class": cmodel.latent_sampler.num_components,
        "label_accuracy": _label_accuracy(cmodel, cexport, classifier),
    }
    write_json(args.json, results)
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
