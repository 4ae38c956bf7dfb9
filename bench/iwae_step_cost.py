"""What an importance-weighted step costs: the measurements behind the
compile defaults of IWAE models and the batch size of bench/quality.py's
IWAE runs.

The wide 784-512-512-50 MLP of bench/quality.py trains on binarised MNIST
with the ELBO and with IWAE (k = 5 and 50, DReG). Two measurements, each
with its runs taking turns one epoch at a time (`bench.common`'s
`interleaved_rates`: a slow spell of the shared machine hits them all;
median of the rounds after one warm-up epoch):

- `settings_grid`: every `jit_compile` x `steps_per_execution` pair at
  `--grid-batch-size`, and which pair `compile` picks when left at its
  defaults (`tests/models/test_compile_defaults.py` checks that it is the
  fastest);
- `batch_sizes`: training images/s and seconds per step for each batch
  size, compiled with the defaults.

Usage:
    python -m bench.iwae_step_cost --json bench/results/iwae_step_cost.json
"""

import argparse
import os
import sys

from bench.common import GRID
from bench.common import interleaved_rates
from bench.common import mnist_train_uint8
from bench.common import write_json

OBJECTIVES = {
    "elbo": {},
    "iwae5-dreg": {"objective": "iwae", "importance_samples": 5, "dreg": True},
    "iwae50-dreg": {"objective": "iwae", "importance_samples": 50, "dreg": True},
}


def _parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch-sizes", default="64,128,256,512")
    parser.add_argument("--grid-batch-size", type=int, default=64)
    parser.add_argument("--objectives", default=",".join(OBJECTIVES))
    parser.add_argument("--images", type=int, default=8192)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", default="bench/results/iwae_step_cost.json")
    return parser.parse_args(argv)


def _images(objective, args):
    # k = 50 costs ~10x more per image: fewer images keep epochs short.
    return args.images // (8 if objective == "iwae50-dreg" else 1)


def new_vae(objective, settings=None):
    """The wide MLP VAE with `objective`, compiled with the defaults or with
    `settings` (`jit_compile`, `steps_per_execution`)."""
    import keras

    import keras_vae

    keras.utils.set_random_seed(0)
    encoder = keras_vae.build_mlp_encoder((28, 28, 1), 50, hidden_units=(512, 512))
    decoder = keras_vae.build_mlp_decoder(50, (28, 28, 1), hidden_units=(512, 512))
    vae = keras_vae.VAE(
        encoder,
        decoder,
        likelihood=keras_vae.BernoulliLikelihood(binarize=True, seed=0),
        seed=0,
        **OBJECTIVES[objective],
    )
    vae.compile(optimizer=keras.optimizers.Adam(1e-3), **(settings or {}))
    return vae


def settings_grid(objective, train_images, args):
    """images/s of every compile setting pair, and the default pair."""
    import keras_vae
    from keras_vae.models.compile_defaults import default_compile_settings

    count = _images(objective, args)
    dataset = keras_vae.data.load_dataset(
        train_images[:count], batch_size=args.grid_batch_size, seed=0
    )
    runs = {}
    for jit_compile, steps_per_execution in GRID:
        settings = {
            "jit_compile": jit_compile,
            "steps_per_execution": steps_per_execution,
        }
        runs[(jit_compile, steps_per_execution)] = (
            new_vae(objective, settings),
            dataset,
            {},
            count,
        )
    rates = interleaved_rates(runs, args.rounds)
    return {
        "batch_size": args.grid_batch_size,
        "images_per_epoch": count,
        # The settings do not depend on how a model was compiled.
        "default_settings": default_compile_settings(runs[GRID[0]][0]),
        "cells": [
            {"jit_compile": jit, "steps_per_execution": spe, **rates[(jit, spe)]}
            for jit, spe in GRID
        ],
    }


def batch_sizes(objective, train_images, args):
    """images/s and seconds per step of each batch size, default compile."""
    import keras_vae

    count = _images(objective, args)
    runs = {
        batch_size: (
            new_vae(objective),
            keras_vae.data.load_dataset(
                train_images[:count], batch_size=batch_size, seed=0
            ),
            {},
            count,
        )
        for batch_size in map(int, args.batch_sizes.split(","))
    }
    rates = interleaved_rates(runs, args.rounds)
    report = {}
    for batch_size, rate in rates.items():
        steps = -(-count // batch_size)
        report[str(batch_size)] = {
            **rate,
            "seconds_per_step": count / rate["images_per_s"] / steps,
            "images_per_epoch": count,
        }
    return report


def main(argv=None):
    args = _parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    train_images = mnist_train_uint8()
    report = {"rounds": args.rounds, "settings_grid": {}, "batch_sizes": {}}
    for objective in args.objectives.split(","):
        grid = settings_grid(objective, train_images, args)
        report["settings_grid"][objective] = grid
        for cell in grid["cells"]:
            print(
                f"{objective} batch {args.grid_batch_size} jit_compile="
                f"{cell['jit_compile']} steps_per_execution="
                f"{cell['steps_per_execution']}: {cell['images_per_s']:,.0f} images/s",
                flush=True,
            )
        print(f"{objective} default: {grid['default_settings']}", flush=True)
        sizes = batch_sizes(objective, train_images, args)
        report["batch_sizes"][objective] = sizes
        for batch_size, result in sizes.items():
            print(
                f"{objective} batch {batch_size}: {result['images_per_s']:,.0f} "
                f"images/s, {result['seconds_per_step'] * 1000:.1f} ms/step",
                flush=True,
            )
    write_json(args.json, report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
