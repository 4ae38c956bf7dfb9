"""Folders of PNG, JPEG, BMP and GIF images as a `tf.data` source.

A folder is read recursively. If its top level holds subfolders, each
subfolder is a class: its name is the class name and every image below it
(at any depth) has that class's label, in sorted order of the names (as in
`keras.utils.image_dataset_from_directory`). A folder without subfolders
gives unlabelled images (label -1).

Before any training, `scan_image_folder` opens and fully decodes every file
once with Pillow (in threads), so a corrupt or truncated file, a file that
is not an image despite its extension, images of different sizes (without
`image_size`) and grey mixed with colour (without `channels`) are refused
up front with the file named. The training pipeline itself is `tf.data`:
file names in, `tf.io.read_file` and `tf.io.decode_image` in parallel,
cached in memory when the decoded images fit in `CACHE_LIMIT_BYTES`, else
read from disk every epoch. Only the first frame of an animated GIF is used.
"""

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import tensorflow as tf

from keras_vae.data.image_shapes import fit_image

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif")
IMAGE_FORMATS = ("PNG", "JPEG", "BMP", "GIF")
GREY_MODES = ("1", "L", "LA", "I", "I;16", "I;16B", "I;16L", "F")
CACHE_LIMIT_BYTES = 2 * 1024**3


class ImageFolder:
    """What a scan found: files, labels, class names, decoded shapes.

    Attributes:
        root: `Path` of the folder.
        paths: list of str, every image file, in sorted order.
        labels: int64 array, the class of each file (-1 without classes).
        class_names: list of str, or `None` for a folder without classes.
        sizes: list of `(height, width)`, per file.
        channels: list of 1 or 3 (grey or colour), per file.
    """

    def __init__(self, root, paths, labels, class_names, sizes, channels):
        self.root = root
        self.paths = paths
        self.labels = labels
        self.class_names = class_names
        self.sizes = sizes
        self.channels = channels

    def example_shape(self, image_size=None, channels=None):
        """The common `(height, width, channels)` of the folder's images
        after `image_size` and `channels`; raises if they differ without."""
        if image_size is None:
            image_size = self._common("size", self.sizes, "image_size", "--image-size")
        if channels is None:
            channels = self._common(
                "colour", self.channels, "channels", "--channels 1 or 3"
            )
        return (*image_size, channels)

    def _common(self, what, values, argument, option):
        first = values[0]
        for path, value in zip(self.paths, values):
            if value != first:
                show = {1: "grey", 3: "colour"} if what == "colour" else {}
                mixes = "grey and colour images" if show else f"image {what}s"
                raise ValueError(
                    f"The folder mixes {mixes}: "
                    f"{self._relative(self.paths[0])} is "
                    f"{show.get(first, first)}, {self._relative(path)} is "
                    f"{show.get(value, value)}. Pass {argument} ({option}) to "
                    f"convert them all. Received: dataset={str(self.root)!r}"
                )
        return first

    def _relative(self, path):
        return repr(os.path.relpath(path, self.root))


def _read_folder(folder, root):
    try:
        return sorted(os.scandir(folder), key=lambda entry: entry.name)
    except OSError as error:
        raise ValueError(
            f"Cannot read the folder {str(folder)!r} ({error.strerror}). "
            f"Received: dataset={str(root)!r}"
        ) from None


def _folder_id(folder, root):
    """The (device, inode) of a folder, after links."""
    try:
        info = os.stat(folder)
    except OSError as error:
        raise ValueError(
            f"Cannot read the folder {os.path.relpath(folder, root)!r} "
            f"({error.strerror}). Received: dataset={str(root)!r}"
        ) from None
    return info.st_dev, info.st_ino


def _kind(entry):
    """`"dir"`, `"file"` (regular, after links) or `"other"`: a FIFO,
    device, socket, broken link or link loop, never opened."""
    try:
        if entry.is_dir():
            return "dir"
        return "file" if entry.is_file() else "other"
    except OSError:  # a link loop, on some systems
        return "other"


def _image_files(folder, root, above=frozenset()):
    """Image files below `folder` (sorted, recursive), and one other file.

    `above` holds the folders on the way down, so that a symbolic link back
    to one of them (a cycle) is refused instead of followed forever."""
    here = _folder_id(folder, root)
    if here in above:
        raise ValueError(
            f"The folder {os.path.relpath(folder, root)!r} leads back to a "
            "folder above it (a symbolic link cycle); remove the link. "
            f"Received: dataset={str(root)!r}"
        )
    images, other = [], None
    for entry in _read_folder(folder, root):
        kind = _kind(entry)
        if kind == "dir":
            found, found_other = _image_files(entry.path, root, above | {here})
            images += found
            other = other or found_other
        elif entry.name.lower().endswith(IMAGE_EXTENSIONS):
            if kind != "file":
                raise ValueError(
                    f"{os.path.relpath(entry.path, root)!r} is not a regular "
                    "file (a FIFO, device, socket, broken link or link loop), "
                    "so it is not read; remove it. Received: "
                    f"file={entry.path!r}"
                )
            images.append(entry.path)
        elif not entry.name.startswith("."):
            other = other or entry.path
    return images, other


def _inspect(path):
    """(height, width, channels) of a fully decoded image file, or the
    reason it cannot be one."""
    from PIL import Image

    try:
        with Image.open(path) as image:
            if image.format not in IMAGE_FORMATS:
                return f"a {image.format} file, not PNG, JPEG, BMP or GIF"
            image.load()
            grey = image.mode in GREY_MODES
            return image.height, image.width, 1 if grey else 3
    except Exception as error:  # Pillow raises many types for bad files.
        return f"{type(error).__name__}: {error}"


def scan_image_folder(folder):
    """Lists and checks every image of a folder.

    Args:
        folder: str or `Path`. A folder of images, or of class subfolders of
            images (see the module docstring).

    Returns:
        An `ImageFolder`.
    """
    root = Path(folder)
    entries = _read_folder(root, root)
    visible = [e for e in entries if not e.name.startswith(".")]
    if not visible:
        raise ValueError(
            f"The image folder is empty. Received: dataset={str(folder)!r}"
        )
    class_dirs = [e for e in visible if _kind(e) == "dir"]
    paths, labels, class_names, other = [], [], None, None
    if class_dirs:
        loose = [e.name for e in visible if _kind(e) != "dir"]
        loose_images = [n for n in loose if n.lower().endswith(IMAGE_EXTENSIONS)]
        if loose_images:
            raise ValueError(
                "The folder holds class subfolders and also images outside "
                f"them (such as {loose_images[0]!r}); move those into a class "
                f"folder. Received: dataset={str(folder)!r}"
            )
        class_names = []
        for entry in class_dirs:
            found, found_other = _image_files(
                entry.path, root, frozenset({_folder_id(root, root)})
            )
            other = other or found_other
            if not found:
                continue
            if len(found) == 1:
                raise ValueError(
                    f"The class folder {entry.name!r} holds one image; each "
                    "class needs at least two (one may be held out for "
                    f"validation). Received: dataset={str(folder)!r}"
                )
            labels += [len(class_names)] * len(found)
            class_names.append(entry.name)
            paths += found
    else:
        paths, other = _image_files(root, root)
        labels = [-1] * len(paths)
    if not paths:
        example = f" (such as {os.path.relpath(other, root)!r})" if other else ""
        raise ValueError(
            f"The folder holds no {', '.join(IMAGE_FORMATS)} images{example}; "
            f"accepted extensions are {', '.join(IMAGE_EXTENSIONS)}. "
            f"Received: dataset={str(folder)!r}"
        )
    with ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 1)) as pool:
        found = list(pool.map(_inspect, paths, chunksize=64))
    for path, result in zip(paths, found):
        if isinstance(result, str):
            raise ValueError(
                f"Cannot read the image file {os.path.relpath(path, root)!r} "
                f"({result}). Remove or replace it. Received: file={path!r}"
            )
    return ImageFolder(
        root,
        paths,
        np.asarray(labels, dtype="int64"),
        class_names,
        [r[:2] for r in found],
        [r[2] for r in found],
    )


def folder_examples(paths, labels, example_shape, image_size, channels):
    """An unbatched `tf.data.Dataset` of `(uint8 image, int64 label)` read
    from `paths`, each decoded to `example_shape`."""

    def decode(path, label):
        image = tf.io.decode_image(
            tf.io.read_file(path), channels=0, expand_animations=False
        )
        image = fit_image(image, image_size, example_shape[-1])
        return tf.ensure_shape(image, example_shape), label

    dataset = tf.data.Dataset.from_tensor_slices(
        (np.asarray(paths, dtype=object).astype(str), labels)
    )
    return dataset.map(decode, num_parallel_calls=tf.data.AUTOTUNE)


def fits_in_cache(count, example_shape):
    """Whether `count` decoded uint8 images fit the in-memory cache."""
    return count * int(np.prod(example_shape)) <= CACHE_LIMIT_BYTES
