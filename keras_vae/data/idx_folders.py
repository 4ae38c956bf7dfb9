"""MNIST-layout folders of IDX files: the offline way to read MNIST and
Fashion-MNIST.

Where IDX datasets come from, for `name` in `IDX_DATASETS`:
1. `data_dir`, when given: it must hold the four IDX files (`.gz` or raw);
2. else `$KERAS_VAE_DATA_DIR/<name>`, when that folder exists;
3. else the repository's `data/<name>` folder, when it exists (the
   repository carries the real MNIST files in `data/mnist/`);
4. else `tensorflow_datasets.load(name)`, which downloads.

Free of TensorFlow; the file format itself is read by `idx`.
"""

import os
from pathlib import Path

from keras_vae.data.idx import read_idx
from keras_vae.data.idx import verify_checksums

IDX_DATASETS = ("mnist", "fashion_mnist")
IDX_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
REPOSITORY_DATA_DIR = Path(__file__).resolve().parents[2] / "data"


def _find_idx_file(directory, stem):
    for name in (stem + ".gz", stem):
        if (directory / name).is_file():
            return directory / name
    raise ValueError(
        f"The data folder has no {stem}.gz or {stem}. Received: "
        f"data_dir={str(directory)!r}"
    )


def _check_split(split):
    if split not in IDX_FILES:
        raise ValueError(
            f"IDX datasets have the splits {sorted(IDX_FILES)}. Received: "
            f"split={split!r}"
        )


def read_idx_split(data_dir, split="train"):
    """Reads one split of an MNIST-layout folder of IDX files.

    Files listed in the folder's `SHA256SUMS`, if it has one, are checked.

    Args:
        data_dir: folder with `train-images-idx3-ubyte.gz` etc. (or raw).
        split: `"train"` or `"test"`. Defaults to `"train"`.

    Returns:
        A tuple `(images, labels)`: uint8 `(n, height, width, 1)` and
        int64 `(n,)`.
    """
    _check_split(split)
    directory = Path(data_dir)
    if not directory.is_dir():
        raise ValueError(
            f"data_dir is not a folder. Received: data_dir={str(data_dir)!r}"
        )
    paths = [_find_idx_file(directory, stem) for stem in IDX_FILES[split]]
    verify_checksums(directory, [p.name for p in paths])
    images = read_idx(paths[0], expected_ndim=3)
    labels = read_idx(paths[1], expected_ndim=1)
    if len(images) != len(labels):
        raise ValueError(
            f"{paths[0].name} holds {len(images)} images but {paths[1].name} "
            f"holds {len(labels)} labels. Received: data_dir={str(data_dir)!r}"
        )
    if len(images) == 0:
        raise ValueError(
            f"{paths[0].name} holds no images. Received: data_dir={str(data_dir)!r}"
        )
    return images[..., None], labels.astype("int64")


def default_idx_dir(name):
    """The offline folder for an IDX dataset, or `None` (use tfds)."""
    for root in (os.environ.get("KERAS_VAE_DATA_DIR"), REPOSITORY_DATA_DIR):
        if root and (Path(root) / name).is_dir():
            return Path(root) / name
    return None
