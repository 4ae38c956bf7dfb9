"""`keras-vae train`: its options, whose defaults are `TrainingConfig`'s
and whose choices are the tables of the model side, and the command."""

import argparse
import dataclasses

from keras_vae import likelihoods
from keras_vae import objectives
from keras_vae.cli.data_arguments import add_data_arguments
from keras_vae.input_checks import check_non_negative_float
from keras_vae.input_checks import check_positive_float
from keras_vae.models.architectures import ARCHITECTURES
from keras_vae.training.config import TrainingConfig
from keras_vae.training.config import default
from keras_vae_sampler.cli import argument_type
from keras_vae_sampler.cli import at_most
from keras_vae_sampler.cli import non_negative_int
from keras_vae_sampler.manifest import LATENT_SAMPLERS

non_negative_float = argument_type(check_non_negative_float, float)
positive_float = argument_type(check_positive_float, float)


def add_parser(subparsers):
    """Adds `train` to an argparse subparsers object."""
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
    add_data_arguments(parser)
    parser.add_argument(
        "--architecture", choices=ARCHITECTURES, default=default("architecture")
    )
    parser.add_argument(
        "--encoder-from",
        default=default("encoder_from"),
        metavar="MODEL",
        help="train only a new decoder (of --architecture, e.g. conv-small) "
        "behind this trained model's frozen encoder, keeping its latent space "
        "and mixture: a .keras file, a preset folder or a preset name",
    )
    parser.add_argument(
        "--latent-dim", type=at_most("latent_dim"), default=default("latent_dim")
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
        type=at_most("gmm_components"),
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
        type=non_negative_float,
        default=None,
        help="weight of the KL term (default: 1, or 3 with --conditional, "
        "chosen by the samples' label accuracy; docs: training)",
    )
    parser.add_argument(
        "--warmup-epochs",
        type=non_negative_int,
        default=default("warmup_epochs"),
        help="epochs of linear KL warm-up from 0 to beta",
    )
    parser.add_argument(
        "--objective",
        choices=objectives.names(),
        default=default("objective"),
        help="elbo, or iwae: the importance-weighted bound (Burda et al. 2016)",
    )
    parser.add_argument(
        "--importance-samples",
        type=at_most("importance_samples"),
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
    parser.add_argument("--epochs", type=at_most("epochs"), default=default("epochs"))
    parser.add_argument(
        "--batch-size", type=at_most("batch_size"), default=default("batch_size")
    )
    parser.add_argument(
        "--learning-rate",
        type=positive_float,
        default=default("learning_rate"),
    )
    parser.add_argument("--seed", type=non_negative_int, default=default("seed"))
    parser.add_argument(
        "--deterministic",
        action="store_true",
        help="bit-identical reruns for a seed (TensorFlow op determinism; "
        "turns XLA off, so the MLP trains about 15%% slower)",
    )
    parser.add_argument("--output-dir", default=default("output_dir"))
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="replace a finished run in --output-dir (its files and the exports "
        "made from it)",
    )
    parser.set_defaults(command=train_command)


def train_command(args):
    """Runs `keras-vae train`; returns the run's summary."""
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
