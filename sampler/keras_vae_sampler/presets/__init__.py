"""Presets: trained models that ship with the package, and their exports.

A preset folder (KerasHub's layout) holds `config.json` (the model,
serialised by Keras), `model.weights.h5`, optionally `exported/` (a
`keras-vae export` folder of its decoder) and `metadata.json`: the model's
class, the versions that wrote it, how it was trained (command, seed,
seconds) and the size and SHA-256 of every other file of the folder
(`schemas/preset.schema.json`). `keras_vae.VAE.from_preset` reads the model
(TensorFlow); this module reads the rest, without TensorFlow, so that
`keras-vae-sampler sample --preset mnist` works on a device.

`PRESETS` is the one table of the presets that ship: the command line, the
models' `from_preset` and the docs read it. How each was trained is build
knowledge, not the device's: `tools/make_presets.py` holds the recipes, and
each preset's `metadata.json` records the command that made it.
"""

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from keras_vae_sampler import schemas
from keras_vae_sampler.errors import ExportIntegrityError
from keras_vae_sampler.errors import NewerExportError
from keras_vae_sampler.manifest import describe_files
from keras_vae_sampler.manifest import read_json

PRESET_VERSION = 1
METADATA_NAME = "metadata.json"
CONFIG_NAME = "config.json"
WEIGHTS_NAME = "model.weights.h5"
EXPORTED_NAME = "exported"
BUNDLED_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Preset:
    """A preset that ships with the package.

    Args:
        name: the preset's name (`from_preset(name)`, `--preset name`).
        description: one line for people.
        class_name: the model's class in `keras_vae` (`"VAE"`,
            `"ConditionalVAE"`).
    """

    name: str
    description: str
    class_name: str


PRESETS = {
    preset.name: preset
    for preset in (
        Preset(
            "mnist",
            "VAE on MNIST (the CLI defaults but 60 epochs, the sweep's best "
            "point for what the device draws: MLP, 16-d latent, Bernoulli), "
            "with its 50-component latent mixture",
            "VAE",
        ),
        Preset(
            "mnist_small",
            "the mnist preset's encoder and latent mixture with a compact conv "
            "decoder (conv-small, 40,673 parameters, an int8 file under 100 "
            "KB) trained behind the frozen encoder: for small devices",
            "VAE",
        ),
        Preset(
            "mnist_conditional",
            "ConditionalVAE on MNIST's labels (beta 3, 30 epochs), with a "
            "50-component latent mixture per class",
            "ConditionalVAE",
        ),
    )
}


def preset_folder(preset):
    """The folder of a preset: a bundled one's by name, or a folder that
    `save_to_preset` wrote.

    Args:
        preset: a name in `PRESETS` or a path.

    Returns:
        A `Path`.

    Raises:
        ValueError: an unknown name (the message lists the known ones), or
            a bundled preset that was not built.
    """
    if isinstance(preset, str) and preset in PRESETS:
        folder = BUNDLED_DIR / preset
        if not (folder / METADATA_NAME).is_file():
            raise ValueError(
                f"The preset {preset!r} is not built in this installation (its "
                f"folder {str(folder)!r} has no {METADATA_NAME}); build it with "
                f"`python tools/make_presets.py`. Received: preset={preset!r}"
            )
        return folder
    if not isinstance(preset, (str, os.PathLike)) or not Path(preset).is_dir():
        raise ValueError(
            f"Unknown preset. Expected one of {sorted(PRESETS)} or a folder "
            f"written by save_to_preset. Received: preset={preset!r}"
        )
    return Path(preset)


def _read_metadata(folder):
    path = folder / METADATA_NAME
    received = f"Received: preset={str(folder)!r}"
    if path.is_symlink() or not path.is_file():
        raise ValueError(
            f"This folder is not a preset: it has no {METADATA_NAME} (write one "
            f"with save_to_preset). {received}"
        )
    metadata = read_json(path, f"preset={str(folder)!r}")
    version = metadata.get("preset_version") if isinstance(metadata, dict) else None
    if isinstance(version, int) and version > PRESET_VERSION:
        raise NewerExportError(
            f"This preset was written by a newer keras-vae (preset version "
            f"{version}; this one reads {PRESET_VERSION}): `pip install --upgrade "
            f"keras-vae-sampler`. {received}"
        )
    schemas.validate(metadata, schemas.PRESET_SCHEMA, METADATA_NAME)
    return metadata


def _special_entries(folder):
    """Symbolic links and special files under `folder`: a preset has none.
    Walks without following links."""
    found = []
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = Path(root) / name
            mode = path.lstat().st_mode
            if stat.S_ISLNK(mode) or not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
                found.append(path.relative_to(folder).as_posix())
    return sorted(found)


def preset_files(folder):
    """Sizes and SHA-256 of every file of a preset folder but its metadata:
    `{relative path: {"size_bytes", "sha256"}}`."""
    files = describe_files(folder)["files"]
    files.pop(METADATA_NAME, None)
    return files


def read_preset(preset):
    """Reads and checks a preset's metadata and files.

    Every file of the folder must be one `metadata.json` lists, with its
    listed size and SHA-256; nothing may be missing or added.

    Args:
        preset: a name in `PRESETS` or a folder written by `save_to_preset`.

    Returns:
        `(folder, metadata)`.

    Raises:
        ValueError: an unknown preset or a folder that is not one.
        ExportSchemaError: `metadata.json` is not JSON or breaks its schema.
        NewerExportError: written by a newer keras-vae.
        ExportIntegrityError: a file is missing, added or altered.
    """
    folder = preset_folder(preset)
    metadata = _read_metadata(folder)
    received = f"Received: preset={str(preset)!r}"
    special = _special_entries(folder)
    if special:
        raise ExportIntegrityError(
            f"The preset folder holds symbolic links or special files, which a "
            f"preset never has: {special[:5]}. {received}"
        )
    actual = preset_files(folder)
    listed = metadata["files"]
    missing = sorted(set(listed) - set(actual))
    if missing:
        raise ExportIntegrityError(
            f"The preset is missing files its {METADATA_NAME} lists: {missing[:5]}. "
            f"Rebuild or re-download it. {received}"
        )
    added = sorted(set(actual) - set(listed))
    altered = sorted(name for name in listed if actual[name] != listed[name])
    if added or altered:
        raise ExportIntegrityError(
            f"The preset's files do not match its {METADATA_NAME} (altered: "
            f"{altered[:5]}, not listed: {added[:5]}). Rebuild or re-download it. "
            f"{received}"
        )
    return folder, metadata


def preset_export_dir(preset):
    """The checked `exported/` folder of a preset, for `Sampler`, `sample
    --preset` and `serve --preset`.

    Raises:
        ValueError: the preset was saved without an export.
    """
    folder, metadata = read_preset(preset)
    if not metadata.get("exported"):
        raise ValueError(
            "This preset was saved without an exported decoder; save it with "
            "save_to_preset(..., export_formats='tflite-int8,onnx') or export "
            f"the model with `keras-vae export`. Received: preset={str(preset)!r}"
        )
    return folder / metadata["exported"]


def written_files(folder):
    """The files an earlier `save_to_preset` wrote in `folder` (for
    `output_folders.check_replaceable`), or `None` when it is not a
    preset."""
    try:
        metadata = _read_metadata(Path(folder))
    except ValueError:
        return None
    return {*metadata["files"], METADATA_NAME}
