"""Writes small image folders and array files for tests (not collected by
pytest)."""

import numpy as np
from PIL import Image


def write_image(path, array, format=None):
    """Saves a uint8 array `(h, w)` or `(h, w, 3)` as an image file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.asarray(array, dtype=np.uint8)).save(path, format=format)
    return path


def write_class_folders(root, images, labels, names=None, suffix=".png"):
    """Writes `images[i]` to `root/<names[labels[i]]>/<i>.png`; images are
    uint8 `(n, h, w)`, `(n, h, w, 1)` or `(n, h, w, 3)`."""
    for index, (image, label) in enumerate(zip(images, labels)):
        name = names[label] if names is not None else str(label)
        image = image[..., 0] if image.ndim == 3 and image.shape[-1] == 1 else image
        write_image(root / name / f"{index:05d}{suffix}", image)
    return root


def random_images(count, shape, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (count, *shape), np.uint8)
