"""The `keras-vae` command line: `train`, `evaluate`, `export`, `sample`,
`serve` and `web`.

This is the one place where the model side (`keras_vae`), the conversion
(`keras_vae_export`, imported only by `export`) and the device side
(`keras_vae_sampler`, whose `sample`, `serve` and `web` are added as they
are defined there) meet.
"""

import argparse
import sys
from pathlib import Path

from keras_vae import likelihoods
from keras_vae.input_checks import check_at_most
from keras_vae.input_checks import check_fraction
from keras_vae.input_checks import check_image_size
from keras_vae.input_checks import check_non_negative_float
from keras_vae.input_checks import check_positive_float
from keras_vae.models.architectures import ARCHITECTURES
from keras_vae.models.objectives import OBJECTIVES
from keras_vae.samplers import LATENT_SAMPLERS
from keras_vae.training.config import default
from keras_vae_sampler.cli import add_debug_option
from keras_vae_sampler.cli import add_device_parsers
from keras_vae_sampler.cli import argument_type
from keras_vae_sampler.cli import at_most as _at_most
from keras_vae_sampler.cli import non_negative_int as _non_negative_int
from keras_vae_sampler.cli import positive_int as _positive_int
from keras_vae_sampler.cli import refused
from keras_vae_sampler.cli import run
from keras_vae_sampler.formats import DEFAULT_BATCH_SIZES
from keras_vae_sampler.formats import FORMATS
from keras_vae_sampler.formats import parse_formats

_non_negative_float = argument_type(check_non_negative_float, float)
_positive_float = argument_type(check_positive_float, float)
_fraction = argument_type(check_fraction, float)


def _image_size(text):
    """`--image-size N` or `HxW`: the rule of `check_image_size`, each side
    at most `LIMITS["image_side"]`."""
    parts = text.lower().replace("x", ",").split(",")
    try:
        size = tuple(int(part) for part in parts)
    except ValueError:
        size = text
    try:
        size = check_image_size("image_size", size[0] if len(size) == 1 else size)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"must be N or HxW with positive integers. Received: {text!r}"
        ) from None
    try:
        check_at_most("each side", max(size), "image_side")
    except ValueError as error:
        raise refused(error, text) from None
    return size


def _add_data_arguments(parser):
    """The options that say which images to read (train and evaluate)."""
    parser.add_argument(
        "--dataset",
        default=default("dataset"),
        help="tensorflow-datasets name (mnist works offline from data/mnist), "
        "a folder of PNG/JPEG/BMP/GIF images (class subfolders give labels) or "
        "a .npy/.npz file",
    )
    parser.add_argument(
        "--data-dir",
        default=None,
        help="folder of IDX files for mnist/fashion_mnist, else the tfds data dir",
    )
    parser.add_argument(
        "--image-size",
        type=_image_size,
        default=default("image_size"),
        help="resize images to N or HxW, keeping the aspect ratio by a centre "
        "crop (needed when sizes differ)",
    )
    parser.add_argument(
        "--channels",
        type=int,
        choices=(1, 3),
        default=default("channels"),
        help="convert images to grey (1) or colour (3) (needed when mixed)",
    )
    parser.add_argument(
        "--validation-split",
        type=_fraction,
        default=default("validation_split"),
        help="hold out this fraction of the training data (seeded by --seed; "
        "evaluate with training's seed) for validation and the held-out ELBO; "
        "default: 0.1 for folders and array files, the test split for named "
        "datasets",
    )
    parser.add_argument(
        "--images-key",
        default=default("images_key"),
        help="the images' array in a .npz (default: the only one, or 'images')",
    )
    parser.add_argument(
        "--labels-key",
        default=default("labels_key"),
        help="the labels' array in a .npz (default: 'labels' if present)",
    )


def _add_train_parser(subparsers):
    parser = subparsers.add_parser(
        "train",
        help="train a VAE with model.fit and write the model and pictures",
        description=(
            "Train a VAE on a dataset with model.fit. Writes model.keras, "
            "history.csv, metrics.json, reconstructions.png and samples.png "
            "to the output folder once training has finished."
        ),
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    _add_data_arguments(parser)
    parser.add_argument(
        "--architecture", choices=ARCHITECTURES, default=default("architecture")
    )
    parser.add_argument(
        "--latent-dim", type=_at_most("latent_dim"), default=default("latent_dim")
    )
    parser.add_argument(
        "--likelihood",
        choices=likelihoods.names(),
        default=default("likelihood"),
    )
    parser.add_argument(
        "--conditional",
        action="store_true",
        help="train a ConditionalVAE on the dataset's class labels",
    )
    parser.add_argument(
        "--latent-sampler",
        choices=LATENT_SAMPLERS,
        default=default("latent_sampler"),
        help="after training, fit a Gaussian mixture to the posterior means "
        "(gmm; one per class with --conditional) or keep the prior only",
    )
    parser.add_argument(
        "--gmm-components",
        type=_at_most("gmm_components"),
        default=default("gmm_components"),
        help="components of each mixture",
    )
    parser.add_argument(
        "--binarize",
        action="store_true",
        help="dynamically binarise batches (Bernoulli likelihood only)",
    )
    parser.add_argument(
        "--beta",
        type=_non_negative_float,
        default=None,
        help="weight of the KL term (default: 1, or 3 with --conditional, "
        "chosen by the samples' label accuracy; docs: training)",
    )
    parser.add_argument(
        "--warmup-epochs",
        type=_non_negative_int,
        default=default("warmup_epochs"),
        help="epochs of linear KL warm-up from 0 to beta",
    )
    parser.add_argument(
        "--objective",
        choices=OBJECTIVES,
        default=default("objective"),
        help="elbo, or iwae: the importance-weighted bound (Burda et al. 2016)",
    )
    parser.add_argument(
        "--importance-samples",
        type=_at_most("importance_samples"),
        default=default("importance_samples"),
        help="k, latents per example of --objective iwae",
    )
    parser.add_argument(
        "--no-dreg",
        dest="dreg",
        action="store_false",
        help="plain IWAE encoder gradients instead of doubly reparameterised "
        "ones (--objective iwae)",
    )
    parser.add_argument("--epochs", type=_positive_int, default=default("epochs"))
    parser.add_argument(
        "--batch-size", type=_at_most("batch_size"), default=default("batch_size")
    )
    parser.add_argument(
        "--learning-rate", type=_positive_float, default=default("learning_rate")
    )
    parser.add_argument("--seed", type=_non_negative_int, default=default("seed"))
    parser.add_argument(
        "--deterministic",
        action="store_true",
        help="bit-identical reruns for a seed (TensorFlow op determinism; "
        "turns XLA off, so the MLP trains about 15%% slower)",
    )
    parser.add_argument("--output-dir", default=default("output_dir"))
    parser.set_defaults(command=train_command)


def _add_export_parsers(subparsers):
    parser = subparsers.add_parser(
        "export",
        help="export a trained VAE's decoder to SavedModel, TFLite and ONNX",
        description=(
            "Export only the decoder of a trained VAE for sampling on device: "
            "per format, the decoder (z -> mean image) and the sampling graph "
            "(uniform noise -> image, the fitted latent mixture inside), plus "
            "fixed-batch LiteRT copies for clients that need static shapes. "
            "Every artifact is checked against Keras in its own runtime before "
            "anything is written."
        ),
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("model", help="the .keras file of a keras_vae.VAE")
    parser.add_argument("output_dir", help="folder to create")
    parser.add_argument(
        "--formats",
        default=",".join(parse_formats(None)),
        help=f"comma-separated formats, of {', '.join(FORMATS)}",
    )
    parser.add_argument(
        "--overwrite", action="store_true", help="replace an existing output folder"
    )
    parser.add_argument("--uint8", action="store_true", help="add a uint8 image output")
    parser.add_argument(
        "--batch-sizes",
        default=",".join(str(b) for b in DEFAULT_BATCH_SIZES),
        help="fixed batch sizes of the extra LiteRT files (LiteRT.js and GPU "
        "delegates refuse dynamic shapes); empty for none",
    )
    parser.set_defaults(command=export_command)


def _add_evaluate_parser(subparsers):
    parser = subparsers.add_parser(
        "evaluate",
        help="measure a trained model: ELBO, IWAE, active units, continuity, "
        "completeness",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("model", help="the .keras file of a VAE or Autoencoder")
    _add_data_arguments(parser)
    parser.add_argument(
        "--iwae-samples",
        type=_at_most("iwae_samples"),
        default=1000,
        help="k of the IWAE bound",
    )
    parser.add_argument(
        "--max-examples",
        type=_positive_int,
        default=None,
        help="evaluate on the first N test images (default: all)",
    )
    parser.add_argument("--seed", type=_non_negative_int, default=0)
    parser.add_argument("--json", default=None, help="also write the report here")
    parser.set_defaults(command=evaluate_command)


def build_parser():
    """Returns the `keras-vae` argument parser."""
    parser = argparse.ArgumentParser(
        prog="keras-vae",
        description="Variational autoencoders that train with model.fit.",
    )
    add_debug_option(parser)
    subparsers = parser.add_subparsers(dest="command_name", required=True)
    _add_train_parser(subparsers)
    _add_export_parsers(subparsers)
    _add_evaluate_parser(subparsers)
    add_device_parsers(subparsers)
    return parser


def train_command(args):
    """Runs `keras-vae train`; returns the run's summary."""
    import dataclasses

    from keras_vae.training.config import TrainingConfig
    from keras_vae.training.run import run_training

    names = [field.name for field in dataclasses.fields(TrainingConfig)]
    summary = run_training(TrainingConfig(**{n: getattr(args, n) for n in names}))
    print(
        f"Test negative ELBO: {summary['test_negative_elbo']:.2f} nats "
        f"(reconstruction {summary['test_reconstruction_loss']:.2f}, "
        f"KL {summary['test_kl_loss']:.2f}); "
        f"{summary['seconds_per_epoch']:.1f} s per epoch."
    )
    for name, path in summary["paths"].items():
        print(f"  {name:16s} {path}")
    return summary


def evaluate_command(args):
    """Runs `keras-vae evaluate`; returns the report."""
    import json

    from keras_vae import data
    from keras_vae.evaluation import evaluate_model
    from keras_vae.evaluation import reference_classifier
    from keras_vae.file_io import check_output_file
    from keras_vae.file_io import write_text_atomic
    from keras_vae.models.latent_model import LatentModel
    from keras_vae.models.model_files import load_model_file
    from keras_vae.training.run import read_options

    if args.json is not None:
        check_output_file(args.json, "--json")
    model = load_model_file(args.model, LatentModel)
    options = read_options(args)
    split = "validation" if options["validation_split"] else "test"
    images, labels = data.load_arrays(args.dataset, split, **options)
    images, labels = images[: args.max_examples], labels[: args.max_examples]
    if model.num_classes is None:
        labels = None
    classifier = None
    if args.dataset == "mnist" and model.example_shape == (28, 28, 1):
        classifier = reference_classifier(data_dir=args.data_dir)
    report = evaluate_model(
        model, images, iwae_samples=args.iwae_samples, classifier=classifier,
        seed=args.seed, labels=labels,
    )  # fmt: skip
    report["dataset"] = args.dataset
    width = max(len(key) for key in report)
    for key, value in report.items():
        shown = f"{value:.4f}" if isinstance(value, float) else value
        print(f"{key:{width}s}  {shown}")
    if classifier is None:
        print("completeness: skipped (the reference classifier is for MNIST)")
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(args.json, json.dumps(report, indent=2) + "\n")
    return report


def export_command(args):
    """Runs `keras-vae export`; returns the manifest."""
    from keras_vae_export.exporter import export_decoder

    manifest = export_decoder(
        args.model,
        args.output_dir,
        formats=args.formats,
        overwrite=args.overwrite,
        uint8_output=args.uint8,
        batch_sizes=args.batch_sizes,
    )
    print(f"Exported the decoder of {args.model} to {args.output_dir}:")
    for name, artifact in manifest["artifacts"].items():
        errors = [
            e
            for key, e in artifact["parity"]["max_abs_error"].items()
            if key.startswith("image@") and e is not None
        ]
        print(
            f"  {name:22s} {artifact['file']:30s} "
            f"{artifact['size_bytes'] / 1e6:7.3f} MB  "
            f"max error {max(errors, default=0.0):.2e}  parity passed"
        )
    print(f"  {'manifest':22s} {Path(args.output_dir) / 'manifest.json'}")
    return manifest


def main(argv=None):
    """Entry point of the `keras-vae` command. Returns the exit status."""
    return run(build_parser(), argv, "keras-vae")


if __name__ == "__main__":
    sys.exit(main())
