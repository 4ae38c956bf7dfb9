"""`keras-vae evaluate`: the options and the command; what it measures is
`keras_vae.evaluation.evaluate_on_source`."""

import argparse
from pathlib import Path

from keras_vae.cli.data_arguments import add_data_arguments
from keras_vae.training.config import data_source
from keras_vae_sampler.cli import at_most
from keras_vae_sampler.cli import non_negative_int
from keras_vae_sampler.cli import positive_int


def add_parser(subparsers):
    """Adds `evaluate` to an argparse subparsers object."""
    parser = subparsers.add_parser(
        "evaluate",
        help="measure a trained model: ELBO, IWAE, active units, continuity, "
        "completeness",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("model", help="the .keras file of a VAE or Autoencoder")
    add_data_arguments(parser)
    parser.add_argument(
        "--iwae-samples",
        type=at_most("iwae_samples"),
        default=1000,
        help="k of the IWAE bound",
    )
    parser.add_argument(
        "--max-examples",
        type=positive_int,
        default=None,
        help="evaluate on the first N test images (default: all)",
    )
    parser.add_argument("--seed", type=non_negative_int, default=0)
    parser.add_argument("--json", default=None, help="also write the report here")
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="replace an existing --json file (never the model or the data)",
    )
    parser.set_defaults(command=evaluate_command)


def evaluate_command(args):
    """Runs `keras-vae evaluate`; returns the report."""
    import json

    from keras_vae.evaluation import evaluate_on_source
    from keras_vae_sampler.file_io import write_text_atomic
    from keras_vae_sampler.output_folders import check_output_path

    source = data_source(args)
    if args.json is not None:
        check_output_path(
            args.json,
            "--json",
            args.overwrite,
            inputs={"model": args.model, **source.local_inputs()},
        )
    report = evaluate_on_source(
        args.model,
        source,
        iwae_samples=args.iwae_samples,
        max_examples=args.max_examples,
        seed=args.seed,
    )
    width = max(len(key) for key in report)
    for key, value in report.items():
        shown = f"{value:.4f}" if isinstance(value, float) else value
        print(f"{key:{width}s}  {shown}")
    if "classifier_test_accuracy" not in report:
        print("completeness: skipped (the reference classifier is for MNIST)")
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(args.json, json.dumps(report, indent=2) + "\n")
    return report
