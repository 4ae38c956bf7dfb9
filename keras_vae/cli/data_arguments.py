"""The options that say which images to read, shared by `train` and
`evaluate`; `training.config.data_source` turns them into one
`DataSource`."""

import argparse

from keras_vae.input_checks import CHANNEL_CHOICES
from keras_vae.input_checks import check_fraction
from keras_vae.input_checks import check_image_size
from keras_vae.training.config import DEFAULT_VALIDATION_SPLIT
from keras_vae.training.config import default
from keras_vae_sampler.checks import check_at_most
from keras_vae_sampler.cli import argument_type
from keras_vae_sampler.cli import refused


def image_size(text):
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


def add_data_arguments(parser):
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
        type=image_size,
        default=default("image_size"),
        help="resize images to N or HxW, keeping the aspect ratio by a centre "
        "crop (needed when sizes differ)",
    )
    parser.add_argument(
        "--channels",
        type=int,
        choices=CHANNEL_CHOICES,
        default=default("channels"),
        help="convert images to grey (1) or colour (3) (needed when mixed)",
    )
    parser.add_argument(
        "--validation-split",
        type=argument_type(check_fraction, float),
        default=default("validation_split"),
        help="hold out this fraction of the training data (seeded by --seed; "
        "evaluate with training's seed) for validation and the held-out ELBO; "
        f"default: {DEFAULT_VALIDATION_SPLIT:g} for folders and array files, "
        "the test split for named datasets",
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
