"""Images (and labels) from `.npy` and `.npz` files.

Images are an array `(n, height, width)` or `(n, height, width, channels)`
with 1, 3 or 4 channels (alpha is dropped when `channels` is given), uint8
(divided by 255 later) or float in [0, 1]. Files are read with
`allow_pickle=False`, so no object array (and no pickled code) is ever
loaded.

In a `.npz`, the images are the array named `images_key`; without one, the
only array in the file, else the array named `"images"`. Labels are the
array named `labels_key`; without one, the array named `"labels"` if there
is one, else none (-1). Labels are integers, one per image.
"""

import math
import os
import zipfile
import zlib
from pathlib import Path

import numpy as np

from keras_vae_sampler.checks import LIMITS

ARRAY_SUFFIXES = (".npy", ".npz")
# An array is read only when its header's shape and dtype pass the checks
# below and it needs at most this share of the machine's memory.
MEMORY_SHARE = 0.5


def _memory_bytes():
    """The machine's physical memory in bytes, or `None` when unknown."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None


def _declared(handle, name):
    """The shape and dtype an `.npy` stream's header declares, read without
    reading the data."""
    fmt = np.lib.format
    try:
        version = fmt.read_magic(handle)
        if version == (1, 0):
            shape, _, dtype = fmt.read_array_header_1_0(handle)
        elif version in ((2, 0), (3, 0)):  # 3.0 only allows utf-8 field names
            shape, _, dtype = fmt.read_array_header_2_0(handle)
        else:
            raise ValueError(f"unknown .npy format version {version}")
    except Exception as error:  # numpy parses an untrusted header: any error
        raise ValueError(
            f"{name} is not a readable numpy file ({error}). Received: dataset={name!r}"
        ) from None
    return shape, dtype


def check_memory(shape, dtype, name):
    """Refuses an array that would not fit in memory, before reading it.

    The estimate is the array itself and the float32 copy the input
    pipeline makes of it (a uint8 file needs five times its size).
    """
    needed = math.prod(shape) * (dtype.itemsize + 4)
    memory = _memory_bytes()
    if memory is not None and needed > MEMORY_SHARE * memory:
        raise ValueError(
            f"{name} declares an array of shape {shape} ({dtype}) that needs "
            f"{needed:,} bytes with its float32 copy, more than "
            f"{MEMORY_SHARE:.0%} of this machine's memory ({memory:,} bytes); "
            f"it is not read. Received: shape={shape}"
        )


def _load(path, **kwargs):
    try:
        return np.load(path, allow_pickle=False, **kwargs)
    except ValueError as error:
        if "allow_pickle" in str(error):
            raise ValueError(
                f"{path.name} holds an object array; save images as a numeric "
                f"array (uint8 or float). Received: dataset={str(path)!r}"
            ) from None
        raise ValueError(
            f"{path.name} is not a readable numpy file ({error}). "
            f"Received: dataset={str(path)!r}"
        ) from None
    except (OSError, EOFError, zipfile.BadZipFile) as error:
        raise ValueError(
            f"{path.name} is not a readable numpy file ({error}). "
            f"Received: dataset={str(path)!r}"
        ) from None


def _pick(archive, path, key, option, fallback_names):
    names = list(archive.files)
    if key is not None:
        if key not in names:
            raise ValueError(
                f"{path.name} has no array named {key!r}; its arrays are "
                f"{names}. Received: {option}={key!r}"
            )
        return key
    for name in fallback_names:
        if name in names:
            return name
    return None


def _read(archive, path, key):
    try:
        return archive[key]
    except ARCHIVE_ERRORS as error:
        raise _unreadable(path, error) from None
    except ValueError as error:
        if "allow_pickle" in str(error):
            raise ValueError(
                f"The array {key!r} in {path.name} is an object array; save "
                "a numeric array (uint8 or float). Received: "
                f"dataset={str(path)!r}"
            ) from None
        # numpy's own reading errors ("EOF: reading array data ...").
        raise _unreadable(path, error) from None


def _array_name(path, key):
    return f"{path.name}" + (f"[{key!r}]" if key else "")


def _check_image_shape(shape, dtype, path, key):
    """The images' checks that need no data: dtype, shape, image side and
    memory (also run on the header, before reading)."""
    name = _array_name(path, key)
    if dtype.hasobject:
        raise ValueError(
            f"{name} holds an object array; save images as a numeric array "
            f"(uint8 or float). Received: dataset={str(path)!r}"
        )
    if not (np.issubdtype(dtype, np.integer) or dtype.kind == "f"):
        raise ValueError(
            f"{name} must hold numbers (uint8 or float in [0, 1]), not "
            f"{dtype}. Received: images.dtype={dtype}"
        )
    shape = tuple(shape)
    if len(shape) not in (3, 4) or (len(shape) == 4 and shape[-1] not in (1, 3, 4)):
        raise ValueError(
            f"{name} must be images of shape (n, height, width) or (n, height, "
            f"width, 1|3|4). Received: images.shape={shape}"
        )
    side = LIMITS["image_side"]
    if max(shape[1:3]) > side:
        raise ValueError(
            f"{name} holds images larger than {side} pixels a side. "
            f"Received: images.shape={shape}"
        )
    check_memory(shape, dtype, name)


def _check_images(images, path, key):
    _check_image_shape(images.shape, images.dtype, path, key)
    name = _array_name(path, key)
    if images.ndim == 3:
        images = images[..., None]
    if images.dtype.kind in "iu" and images.dtype != np.uint8:
        low, high = int(images.min(initial=0)), int(images.max(initial=0))
        if low < 0 or high > 255:
            raise ValueError(
                f"Integer images must lie in [0, 255]. Received: {name} with "
                f"min={low}, max={high}"
            )
        images = images.astype("uint8")
    return images


def _check_label_shape(shape, dtype, count, path, key):
    """The labels' checks that need no data (also run on the header)."""
    if dtype.hasobject or not np.issubdtype(dtype, np.integer) or len(shape) != 1:
        raise ValueError(
            f"Labels {path.name}[{key!r}] must be a 1-D array of integers. "
            f"Received: labels.dtype={dtype}, labels.shape={tuple(shape)}"
        )
    if shape[0] != count:
        raise ValueError(
            f"{path.name} holds {count} images but {shape[0]} labels in "
            f"{key!r}. Received: labels.shape={tuple(shape)}"
        )


def _check_labels(labels, count, path, key):
    _check_label_shape(labels.shape, labels.dtype, count, path, key)
    return labels.astype("int64")


def _unreadable(path, error):
    return ValueError(
        f"{path.name} is not a readable numpy file ({type(error).__name__}: "
        f"{error}). Received: dataset={str(path)!r}"
    )


# What a damaged .npz raises while a member is read (zipfile raises
# NotImplementedError for a flag it does not support, RuntimeError for one
# that marks the member encrypted).
ARCHIVE_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    OSError,
    EOFError,
    KeyError,
    NotImplementedError,
    RuntimeError,
)


def _member_header(archive, path, key):
    """The shape and dtype of a `.npz` member, from its header alone."""
    try:
        with archive.zip.open(f"{key}.npy") as handle:
            return _declared(handle, _array_name(path, key))
    except ARCHIVE_ERRORS as error:
        raise _unreadable(path, error) from None


def read_array_file(path, images_key=None, labels_key=None):
    """Reads images and labels from a `.npy` or `.npz` file.

    Args:
        path: str or `Path` of a `.npy` or `.npz` file.
        images_key: str or None. The images' array in a `.npz`. Defaults to
            `None` (the only array, else `"images"`).
        labels_key: str or None. The labels' array in a `.npz`. Defaults to
            `None` (`"labels"` if present, else no labels).

    Returns:
        A tuple `(images, labels)`: images `(n, height, width, channels)`,
        uint8 or float; int64 labels `(n,)`, -1 where there are none.
    """
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"No such array file. Received: dataset={str(path)!r}")
    labels = None
    if path.suffix == ".npy":
        if images_key is not None or labels_key is not None:
            raise ValueError(
                "A .npy file holds one array; images_key and labels_key are "
                f"for .npz files. Received: dataset={str(path)!r}"
            )
        with open(path, "rb") as handle:
            shape, dtype = _declared(handle, path.name)
        _check_image_shape(shape, dtype, path, None)
        images = _load(path)
        key = None
    else:
        with _load(path) as archive:
            if not archive.files:
                raise ValueError(
                    f"{path.name} holds no arrays. Received: dataset={str(path)!r}"
                )
            only = archive.files if len(archive.files) == 1 else ()
            key = _pick(archive, path, images_key, "images_key", [*only, "images"])
            if key is None:
                raise ValueError(
                    f"{path.name} holds several arrays {archive.files} and none "
                    "is named 'images'; name the images' array (--images-key). "
                    "Received: images_key=None"
                )
            shape, dtype = _member_header(archive, path, key)
            _check_image_shape(shape, dtype, path, key)
            label_name = _pick(archive, path, labels_key, "labels_key", ["labels"])
            if label_name == key:
                label_name = None
            if label_name is not None:
                label_shape, label_dtype = _member_header(archive, path, label_name)
                _check_label_shape(label_shape, label_dtype, shape[0], path, label_name)
            images = _read(archive, path, key)
            if label_name is not None:
                labels = _read(archive, path, label_name)
    images = _check_images(images, path, key)
    if labels is None:
        return images, np.full((len(images),), -1, dtype="int64")
    return images, _check_labels(labels, len(images), path, label_name)
