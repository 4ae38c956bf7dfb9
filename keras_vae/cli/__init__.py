"""The `keras-vae` command line: `train`, `evaluate`, `export`, `sample`,
`serve` and `web`.

This is the one place where the model side (`keras_vae`), the conversion
(`keras_vae_export`, imported only by `export`) and the device side
(`keras_vae_sampler`, whose `sample`, `serve` and `web` are added as they
are defined there) meet.

One module per command, each with its parser and the function it runs:
`train`, `evaluate` and `export`; `data_arguments` holds the options that
say which images to read (train and evaluate). Option converters are
`keras_vae_sampler.cli.argument_type` adapters over the checks of
`keras_vae.input_checks` and `keras_vae_sampler.checks`, so an option and
the Python argument it fills follow one rule. Nothing here imports
TensorFlow until a command runs, so `keras-vae --help` answers at once.
"""

from keras_vae.cli import evaluate
from keras_vae.cli import export
from keras_vae.cli import train
from keras_vae_sampler.cli import add_device_parsers
from keras_vae_sampler.cli import command_parser
from keras_vae_sampler.cli import run


def build_parser():
    """Returns the `keras-vae` argument parser."""
    parser, subparsers = command_parser(
        "keras-vae", "Variational autoencoders that train with model.fit."
    )
    train.add_parser(subparsers)
    export.add_parser(subparsers)
    evaluate.add_parser(subparsers)
    add_device_parsers(subparsers)
    return parser


def main(argv=None):
    """Entry point of the `keras-vae` command. Returns the exit status."""
    return run(build_parser(), argv, "keras-vae")
