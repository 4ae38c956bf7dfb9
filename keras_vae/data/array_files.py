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

import zipfile
from pathlib import Path

import numpy as np

ARRAY_SUFFIXES = (".npy", ".npz")


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
    except ValueError as error:
        if "allow_pickle" in str(error):
            raise ValueError(
                f"The array {key!r} in {path.name} is an object array; save "
                "a numeric array (uint8 or float). Received: "
                f"dataset={str(path)!r}"
            ) from None
        raise


def _check_images(images, path, key):
    name = f"{path.name}" + (f"[{key!r}]" if key else "")
    if not (np.issubdtype(images.dtype, np.integer) or images.dtype.kind == "f"):
        raise ValueError(
            f"{name} must hold numbers (uint8 or float in [0, 1]), not "
            f"{images.dtype}. Received: images.dtype={images.dtype}"
        )
    if images.ndim == 3:
        images = images[..., None]
    if images.ndim != 4 or images.shape[-1] not in (1, 3, 4):
        raise ValueError(
            f"{name} must be images of shape (n, height, width) or (n, height, "
            f"width, 1|3|4). Received: images.shape={images.shape}"
        )
    if images.dtype.kind in "iu" and images.dtype != np.uint8:
        low, high = int(images.min(initial=0)), int(images.max(initial=0))
        if low < 0 or high > 255:
            raise ValueError(
                f"Integer images must lie in [0, 255]. Received: {name} with "
                f"min={low}, max={high}"
            )
        images = images.astype("uint8")
    return images


def _check_labels(labels, count, path, key):
    if not np.issubdtype(labels.dtype, np.integer) or labels.ndim != 1:
        raise ValueError(
            f"Labels {path.name}[{key!r}] must be a 1-D array of integers. "
            f"Received: labels.dtype={labels.dtype}, labels.shape={labels.shape}"
        )
    if len(labels) != count:
        raise ValueError(
            f"{path.name} holds {count} images but {len(labels)} labels in "
            f"{key!r}. Received: labels.shape={labels.shape}"
        )
    return labels.astype("int64")


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
            images = _read(archive, path, key)
            label_name = _pick(archive, path, labels_key, "labels_key", ["labels"])
            if label_name == key:
                label_name = None
            if label_name is not None:
                labels = _read(archive, path, label_name)
    images = _check_images(images, path, key)
    if labels is None:
        return images, np.full((len(images),), -1, dtype="int64")
    return images, _check_labels(labels, len(images), path, label_name)
