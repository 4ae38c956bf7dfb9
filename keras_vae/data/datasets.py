"""Image data for training: dataset names or arrays to batched `tf.data`.

Images come out as float32 in [0, 1] with shape `(height, width, channels)`.
Names are looked up in the tensorflow-datasets catalog. MNIST and
Fashion-MNIST can also be read offline from a folder of the original IDX
files; the repository carries the real MNIST files in `data/mnist/`.

Where IDX datasets come from, for `name` in `IDX_DATASETS`:
1. `data_dir`, when given: it must hold the four IDX files (`.gz` or raw);
2. else `$KERAS_VAE_DATA_DIR/<name>`, when that folder exists;
3. else the repository's `data/<name>` folder, when it exists;
4. else `tensorflow_datasets.load(name)`, which downloads.
"""

import os
from pathlib import Path

import numpy as np
import tensorflow as tf

from keras_vae.data.idx import read_idx
from keras_vae.data.idx import verify_checksums
from keras_vae.input_checks import check_image_batch
from keras_vae.input_checks import check_positive_int

IDX_DATASETS = ("mnist", "fashion_mnist")
IDX_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
REPOSITORY_DATA_DIR = Path(__file__).resolve().parents[2] / "data"
SHUFFLE_BUFFER = 10_000


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


def _check_name(name):
    import tensorflow_datasets as tfds

    if name in IDX_DATASETS or name in tfds.list_builders():
        return name
    raise ValueError(
        "Unknown dataset: not in the tensorflow-datasets catalog. Received: "
        f"dataset={name!r}"
    )


def _tfds_images(name, split, data_dir):
    import tensorflow_datasets as tfds

    dataset, info = tfds.load(name, split=split, data_dir=data_dir, with_info=True)
    if "image" not in info.features:
        raise ValueError(
            f"Dataset {name!r} has no 'image' feature; its features are "
            f"{sorted(info.features)}. Received: dataset={name!r}"
        )
    has_labels = "label" in info.features
    return dataset.map(
        lambda example: (
            example["image"],
            example["label"] if has_labels else tf.constant(-1, "int64"),
        ),
        num_parallel_calls=tf.data.AUTOTUNE,
    )


def _scale_batch(images, labels):
    return tf.cast(images, tf.float32) / 255.0, labels


def _check_unit_range(images):
    low, high = float(images.min()), float(images.max())
    if low < 0.0 or high > 1.0:
        raise ValueError(
            "Float images must lie in [0, 1] (pass uint8 images to have them "
            f"divided by 255). Received: images with min={low:g}, max={high:g}"
        )


def load_dataset(
    source,
    split="train",
    batch_size=128,
    shuffle=None,
    seed=None,
    data_dir=None,
    with_labels=False,
):
    """Returns a batched, prefetched `tf.data.Dataset` of images in [0, 1].

    Args:
        source: a dataset name from the tensorflow-datasets catalog (such as
            `"mnist"`, `"fashion_mnist"`, `"cifar10"`), a numpy array of
            images (uint8, divided by 255, or float in [0, 1]), or a
            `tf.data.Dataset`, which is returned unchanged.
        split: str. Split of a named dataset. IDX datasets read offline have
            `"train"` and `"test"`. Defaults to `"train"`.
        batch_size: int > 0. Defaults to `128`.
        shuffle: bool or None. Reshuffle every epoch; `None` means `True`
            for arrays and the `"train"` split. Defaults to `None`.
        seed: int or None. Shuffle seed. Defaults to `None`.
        data_dir: str or None. For `mnist` and `fashion_mnist`, a folder of
            IDX files; for other names, the tensorflow-datasets data folder.
            Defaults to `None` (see the module docstring).
        with_labels: bool. Yield `(images, labels)` instead of images.
            Labels are -1 where a dataset has none. Defaults to `False`.

    Returns:
        A `tf.data.Dataset` of float32 batches `(batch, height, width,
        channels)` (or the array's example shape).

    Example:
    ```python
    train = keras_vae.data.load_dataset("mnist", batch_size=128)
    test = keras_vae.data.load_dataset("mnist", split="test")
    ```
    """
    if isinstance(source, tf.data.Dataset):
        return source
    batch_size = check_positive_int("batch_size", batch_size)
    if shuffle is None:
        shuffle = not isinstance(source, str) or split == "train"
    if isinstance(source, str):
        images, labels = _named_source(source, split, data_dir)
    elif isinstance(source, np.ndarray):
        images, labels = _array_source(source)
    else:
        raise ValueError(
            "source must be a dataset name, a numpy array or a "
            f"tf.data.Dataset. Received: source of type {type(source).__name__}"
        )
    if isinstance(images, np.ndarray):
        dataset = _in_memory_batches(images, labels, batch_size, shuffle, seed)
    else:
        dataset = images.cache()
        if shuffle:
            dataset = dataset.shuffle(
                SHUFFLE_BUFFER, seed=seed, reshuffle_each_iteration=True
            )
        dataset = dataset.batch(batch_size)
    if not isinstance(images, np.ndarray) or images.dtype == np.uint8:
        dataset = dataset.map(_scale_batch, num_parallel_calls=tf.data.AUTOTUNE)
    if not with_labels:
        dataset = dataset.map(lambda x, y: x)
    return dataset.prefetch(tf.data.AUTOTUNE)


def _in_memory_batches(images, labels, batch_size, shuffle, seed):
    """Batches of in-memory arrays, shuffled by index: one gather per batch
    instead of per-example work, so the pipeline never starves the step."""
    images = tf.convert_to_tensor(images)
    labels = tf.convert_to_tensor(labels)
    indices = tf.data.Dataset.range(len(images))
    if shuffle:
        indices = indices.shuffle(len(images), seed=seed, reshuffle_each_iteration=True)
    return indices.batch(batch_size).map(
        lambda index: (tf.gather(images, index), tf.gather(labels, index)),
        num_parallel_calls=tf.data.AUTOTUNE,
    )


def load_arrays(name, split="train", data_dir=None):
    """Loads a named dataset split into memory as numpy arrays.

    Args:
        name: dataset name (see `load_dataset`).
        split: str. Defaults to `"train"`.
        data_dir: str or None. See `load_dataset`.

    Returns:
        A tuple `(images, labels)`: float32 images in [0, 1] of shape
        `(n, height, width, channels)` and int64 labels `(n,)`.
    """
    images, labels = _named_source(name, split, data_dir)
    if isinstance(images, np.ndarray):
        return images.astype("float32") / 255.0, labels
    batches = [(x.numpy(), y.numpy()) for x, y in images.batch(4096).map(_scale_batch)]
    return (
        np.concatenate([b[0] for b in batches]),
        np.concatenate([b[1] for b in batches]),
    )


def _named_source(name, split, data_dir):
    _check_name(name)
    if name in IDX_DATASETS:
        directory = data_dir if data_dir is not None else default_idx_dir(name)
        if directory is not None:
            return read_idx_split(directory, split)
    return _tfds_images(name, split, data_dir), None


def _array_source(images):
    if images.ndim < 2:
        raise ValueError(
            "images must have a batch axis and at least one more. Received: "
            f"images.shape={images.shape}"
        )
    check_image_batch("images", images, images.shape[1:])
    if images.dtype != np.uint8:
        images = images.astype("float32", copy=False)
        _check_unit_range(images)
    return images, np.full((len(images),), -1, dtype="int64")
