"""Loading `.keras` files that a user hands to the package.

Loading keeps Keras' `safe_mode=True`: no Lambda layers and no pickled code
are deserialised; only registered classes and their configs are trusted.
"""

import zipfile
from pathlib import Path

import keras

# The most a .keras file may unpack to before it is checked or loaded: the
# largest models of this package are a few hundred MB of weights.
MAX_UNPACKED_BYTES = 4 << 30


def _one_line(error, limit=1500):
    """An error's whole message on one line; a long one keeps its start and
    its end (where Keras puts the cause)."""
    text = " | ".join(line.strip() for line in str(error).splitlines() if line.strip())
    if len(text) <= limit:
        return text
    return f"{text[:500]} ... {text[-(limit - 505) :]}"


def load_model_file(path, expected_class, name="model"):
    """Loads a `.keras` file and checks what it holds.

    Args:
        path: path of a `.keras` file.
        expected_class: the class the model must be, such as
            `keras_vae.VAE`.
        name: the argument's name in error messages. Defaults to `"model"`.

    Returns:
        The loaded model.
    """
    path = Path(path)
    if path.suffix != ".keras" or not path.is_file():
        raise ValueError(
            f"{name} must be the path of an existing .keras file. Received: "
            f"{name}={str(path)!r}"
        )
    if not zipfile.is_zipfile(path):
        raise ValueError(
            f"{name} is not a valid .keras file: not a zip archive, or "
            f"truncated. Received: {name}={str(path)!r}"
        )
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
            if unpacked > MAX_UNPACKED_BYTES:
                raise ValueError(
                    f"{name} would unpack to {unpacked:,} bytes, more than "
                    f"{MAX_UNPACKED_BYTES:,} (keras_vae.models.model_files."
                    f"MAX_UNPACKED_BYTES); it is not opened. Received: "
                    f"{name}={str(path)!r}"
                )
            damaged = archive.testzip()
    except (zipfile.BadZipFile, OSError) as error:
        damaged = str(error)
    if damaged:
        raise ValueError(
            f"{name} is a damaged .keras file ({damaged} fails its checksum). "
            f"Received: {name}={str(path)!r}"
        )
    from keras_vae.registration import register_serializables

    register_serializables()
    try:
        model = keras.saving.load_model(path, safe_mode=True)
    except Exception as error:  # Keras raises many kinds here.
        raise ValueError(
            f"Could not load {name} ({type(error).__name__}: {_one_line(error)}). "
            f"Received: {name}={str(path)!r}"
        ) from None
    if not isinstance(model, expected_class):
        raise ValueError(
            f"{name} holds a {type(model).__name__}, not a "
            f"{expected_class.__name__}. Received: {name}={str(path)!r}"
        )
    return model
