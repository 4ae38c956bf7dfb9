"""The sweep that chooses `keras-vae train`'s defaults by what the device
draws (#27 item 1): each point trains on MNIST with the CLI's defaults but
for the options it names, fits the 50-component latent mixture, exports the
decoder as tflite-int8 (the smallest shipped artifact) and scores 2,000
samples of its sampling graph through `keras_vae_sampler.Sampler`
(completeness, Frechet distance, precision, recall by the reference
classifier), with the test ELBO, the test NLL (importance sampling, k =
1,000, all 10,000 test images) and the training time. A point whose export
the parity gate refuses records the refusal.

    python -m bench.default_sweep --json bench/results/default_sweep.json
    python -m bench.default_sweep --points latent8,beta0.5   # some points

Results are written after every point, so a long sweep can be stopped and
resumed (`--reuse` keeps trained runs in --work-dir).
"""

import argparse
import json
import time
from pathlib import Path

from bench.common import ROOT
from bench.common import machine_and_python
from bench.common import mnist_images
from bench.common import write_json

# name: TrainingConfig overrides of the CLI defaults.
POINTS = {
    "default": {},
    "beta0.5": {"beta": 0.5},
    "latent8": {"latent_dim": 8},
    "latent32": {"latent_dim": 32},
    "beta2": {"beta": 2.0},
    "epochs60": {"epochs": 60},
    "conv": {"architecture": "conv"},
    "continuous_bernoulli": {"likelihood": "continuous_bernoulli"},
    "conv-small": {"architecture": "conv-small"},
    "seed1": {"seed": 1},
}

# Importance samples of the test NLL (IWAE bound, every test image).
NLL_SAMPLES = 1000


def _point(name, overrides, work, reuse, test_images, classifier, samples):
    from keras_vae import evaluation
    from keras_vae.models import VAE
    from keras_vae.models.model_files import load_model_file
    from keras_vae.training.config import TrainingConfig
    from keras_vae.training.run import run_training
    from keras_vae_export import export_decoder
    from keras_vae_sampler import Sampler
    from keras_vae_sampler.errors import ExportError

    run = work / name
    seconds = None
    if not (reuse and (run / "model.keras").exists()):
        config = TrainingConfig(output_dir=str(run), **overrides)
        start = time.perf_counter()
        run_training(config, verbose=0)
        seconds = time.perf_counter() - start
        (run / "train_seconds.json").write_text(json.dumps(seconds))
    elif (run / "train_seconds.json").exists():
        seconds = json.loads((run / "train_seconds.json").read_text())
    metrics = json.loads((run / "metrics.json").read_text())
    model = load_model_file(run / "model.keras", VAE)
    row = {
        "overrides": overrides,
        "train_seconds": seconds,
        "seconds_per_epoch": metrics.get("seconds_per_epoch"),
        "test_negative_elbo": metrics["test_negative_elbo"],
        "test_kl": metrics.get("test_kl_loss"),
        "test_nll": _test_nll(model),
    }
    export_dir = run / "exported"
    try:
        manifest = export_decoder(
            model, export_dir, formats="tflite-int8", batch_sizes=(), overwrite=True
        )
    except ExportError as error:  # the parity gate refused the file
        return {**row, "export_error": str(error)[:300]}
    sampler = Sampler(export_dir, format="tflite-int8")
    return {
        **row,
        "decoder_bytes": manifest["artifacts"]["tflite-int8"]["size_bytes"],
        "graph": evaluation.sample_quality(
            sampler, classifier, test_images, samples, latent="graph"
        ),
        "prior": evaluation.sample_quality(
            sampler, classifier, test_images, samples, latent="prior"
        ),
    }


def _test_nll(model):
    """-log p(x) of the MNIST test set by importance sampling, in nats."""
    from keras_vae import evaluation

    estimates = evaluation.importance_weighted_log_likelihood(
        model, mnist_images("test"), num_samples=NLL_SAMPLES, seed=0
    )
    return {"nll": float(-estimates.mean()), "importance_samples": NLL_SAMPLES}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", default=",".join(POINTS))
    parser.add_argument("--work-dir", type=Path, default=ROOT / "runs" / "sweep")
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    from keras_vae import evaluation

    test_images = mnist_images("test", args.samples)
    classifier = evaluation.reference_classifier()
    results = {"machine": machine_and_python()}
    if args.json and args.json.exists():
        results = json.loads(args.json.read_text())
    results.setdefault("points", {})
    for name in args.points.split(","):
        row = _point(
            name,
            POINTS[name],
            args.work_dir,
            args.reuse,
            test_images,
            classifier,
            args.samples,
        )
        results["points"][name] = row
        print(name, json.dumps(row), flush=True)
        if args.json:
            write_json(args.json, results)


if __name__ == "__main__":
    main()
