"""Image data for training: names, folders, array files or arrays to
batched `tf.data`.

Images come out as float32 in [0, 1] with shape `(height, width, channels)`.
A source is one of:
- a folder of PNG/JPEG/BMP/GIF images, class subfolders giving labels
  (`image_folders`);
- a `.npy` or `.npz` file of images and optional labels (`array_files`);
- a name in the tensorflow-datasets catalog (any dataset with an `image`
  feature; images of varying size need `image_size`). MNIST and
  Fashion-MNIST can also be read offline from a folder of the original IDX
  files; the repository carries the real MNIST files in `data/mnist/`;
- a numpy array, or a `tf.data.Dataset` (returned unchanged).

A string is a path when it contains a path separator, ends in `.npy` or
`.npz`, or names an existing folder (and is not `mnist`/`fashion_mnist`);
else a dataset name. `image_size` and `channels` are explained in
`image_shapes`. Folders and array files have no test split: with
`validation_split`, a seeded fraction of the examples is held out as the
`"validation"` split (for a named dataset, a fraction of its `"train"`
split).

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

from keras_vae.data import image_folders
from keras_vae.data.array_files import ARRAY_SUFFIXES
from keras_vae.data.array_files import read_array_file
from keras_vae.data.idx import read_idx
from keras_vae.data.idx import verify_checksums
from keras_vae.data.image_shapes import check_channels
from keras_vae.data.image_shapes import check_image_size
from keras_vae.data.image_shapes import fit_image
from keras_vae.input_checks import check_fraction
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


def source_kind(source):
    """`"folder"`, `"array_file"` or `"name"` for a string source (see the
    module docstring)."""
    path = Path(source)
    if path.suffix in ARRAY_SUFFIXES:
        return "array_file"
    if os.sep in source or "/" in source:
        return "folder"
    if path.is_dir() and source not in IDX_DATASETS:
        return "folder"
    return "name"


def _check_name(name):
    import tensorflow_datasets as tfds

    if name in IDX_DATASETS or name in tfds.list_builders():
        return name
    raise ValueError(
        "Unknown dataset: not in the tensorflow-datasets catalog, and not a "
        "folder or .npy/.npz file. Received: "
        f"dataset={name!r}"
    )


def _tfds_builder(name, data_dir):
    """The prepared tfds builder of `name`; downloads it if needed, with a
    clear error when that fails (offline, most often)."""
    import tensorflow_datasets as tfds

    builder = tfds.builder(name, data_dir=data_dir)
    try:
        builder.download_and_prepare()
    except Exception as error:  # tfds and its downloaders raise many types.
        reason = str(error).strip().splitlines()[0] if str(error).strip() else ""
        offline = ""
        if name in IDX_DATASETS:
            offline = (
                f"Or use its IDX files offline: a source checkout finds the "
                f"bundled data/{name}/ itself; from an installed package pass "
                f"--data-dir (data_dir) the folder of the four .gz files, or "
                f"set KERAS_VAE_DATA_DIR to the folder holding {name}/. "
            )
        raise ValueError(
            f"tensorflow-datasets could not download and prepare {name!r} "
            f"({type(error).__name__}: {reason[:200]}). Without network "
            f"access, prepare it on a machine that has it (`tfds build {name}` "
            "or `tfds.load(...)`), copy its data folder (the one holding "
            f"`{name}/`) here and pass that folder as --data-dir (data_dir). "
            f"{offline}Received: dataset={name!r}, data_dir={data_dir!r}"
        ) from None
    return builder


def _tfds_source(name, split, data_dir, image_size, channels):
    """An unbatched dataset of (uint8 image, label), its example shape and
    class names."""
    import tensorflow_datasets as tfds

    builder = _tfds_builder(name, data_dir)
    features = builder.info.features
    if "image" not in features:
        raise ValueError(
            f"Dataset {name!r} has no 'image' feature; its features are "
            f"{sorted(features)}. Received: dataset={name!r}"
        )
    splits = list(builder.info.splits.keys())
    if splits and split.split("[")[0] not in splits:
        raise ValueError(
            f"Dataset {name!r} has the splits {sorted(splits)}; hold out part "
            "of 'train' with validation_split (--validation-split). "
            f"Received: split={split!r}"
        )
    height, width, depth = features["image"].shape
    if image_size is None and (height is None or width is None):
        raise ValueError(
            f"The images of {name!r} vary in size ({features['image'].shape}); "
            "pass image_size (--image-size). Received: image_size=None"
        )
    if channels is None and depth is None:
        raise ValueError(
            f"The images of {name!r} vary in channels; pass channels "
            "(--channels 1 or 3). Received: channels=None"
        )
    example_shape = (*(image_size or (height, width)), channels or depth)
    label = features["label"] if "label" in features else None
    class_names = None
    if isinstance(label, tfds.features.ClassLabel):
        class_names = list(label.names)

    def example(features):
        image = fit_image(features["image"], image_size, channels)
        labels = features["label"] if label is not None else tf.constant(-1, "int64")
        return tf.ensure_shape(image, example_shape), tf.cast(labels, tf.int64)

    dataset = builder.as_dataset(split=split).map(
        example, num_parallel_calls=tf.data.AUTOTUNE
    )
    return dataset, example_shape, class_names


def _scale_batch(images, labels):
    return tf.cast(images, tf.float32) / 255.0, labels


def _check_unit_range(images):
    low, high = float(images.min()), float(images.max())
    if low < 0.0 or high > 1.0:
        raise ValueError(
            "Float images must lie in [0, 1] (pass uint8 images to have them "
            f"divided by 255). Received: images with min={low:g}, max={high:g}"
        )


def _check_validation_split(validation_split):
    if validation_split is None or validation_split == 0:
        return None
    return check_fraction("validation_split", validation_split)


def _held_out(count, fraction, seed):
    """Sorted indices `(kept, held_out)` of a seeded random split."""
    held = int(round(fraction * count))
    if held < 1 or held > count - 1:
        raise ValueError(
            f"validation_split={fraction:g} of {count} examples leaves no "
            "examples on one side. Received: "
            f"validation_split={fraction:g}"
        )
    order = np.random.default_rng(seed).permutation(count)
    return np.sort(order[held:]), np.sort(order[:held])


def _stream_held_out(dataset, fraction, seed, held_out):
    """Keeps the examples whose seeded draw puts them on one side of a
    split: for sources whose size is unknown before reading them."""

    def chosen(index, example):
        seeds = tf.stack([tf.constant(seed, tf.int64), index])
        draw = tf.random.stateless_uniform([], seed=seeds, dtype=tf.float64)
        return (draw < fraction) == held_out

    return dataset.enumerate().filter(chosen).map(lambda index, example: example)


def _source_split(split, validation_split, own_data):
    """The split to read and which side of the held-out split to keep
    (`None`: all of it)."""
    if validation_split is None:
        if own_data and split != "train":
            raise ValueError(
                "Folders and array files have no test split; hold out a "
                "fraction of them with validation_split (--validation-split). "
                f"Received: split={split!r}"
            )
        return split, None
    if split not in ("train", "validation"):
        raise ValueError(
            "With validation_split, split is 'train' (what is kept) or "
            f"'validation' (what is held out). Received: split={split!r}"
        )
    return ("train" if not own_data else split), split == "validation"


def load_dataset(
    source,
    split="train",
    batch_size=128,
    shuffle=None,
    seed=None,
    data_dir=None,
    with_labels=False,
    image_size=None,
    channels=None,
    validation_split=None,
    split_seed=0,
    images_key=None,
    labels_key=None,
):
    """Returns a batched, prefetched `tf.data.Dataset` of images in [0, 1].

    The dataset's `class_names` attribute holds the class names when the
    source has them (class folders, tfds class labels), else `None`.

    Args:
        source: a folder of images, a `.npy`/`.npz` file, a dataset name
            from the tensorflow-datasets catalog (such as `"mnist"`,
            `"fashion_mnist"`, `"cifar10"`), a numpy array of images (uint8,
            divided by 255, or float in [0, 1]), or a `tf.data.Dataset`,
            which is returned unchanged. See the module docstring.
        split: str. `"train"` or `"test"` for named datasets (IDX datasets
            read offline have only these); with `validation_split`,
            `"train"` or `"validation"`. Defaults to `"train"`.
        batch_size: int > 0. Defaults to `128`.
        shuffle: bool or None. Reshuffle every epoch; `None` means `True`
            for arrays and the `"train"` split. Defaults to `None`.
        seed: int or None. Shuffle seed. Defaults to `None`.
        data_dir: str or None. For `mnist` and `fashion_mnist`, a folder of
            IDX files; for other names, the tensorflow-datasets data folder.
            Defaults to `None` (see the module docstring).
        with_labels: bool. Yield `(images, labels)` instead of images.
            Labels are -1 where a dataset has none. Defaults to `False`.
        image_size: None, int or `(height, width)`. Resize every image,
            keeping its aspect ratio by a centre crop. Needed when a
            source's images differ in size. Defaults to `None`.
        channels: None, 1 or 3. Convert every image to grey or colour.
            Needed when a folder mixes both. Defaults to `None`.
        validation_split: float in (0, 1) or None. Hold out this fraction of
            the examples (seeded by `split_seed`) as the `"validation"`
            split. Defaults to `None`.
        split_seed: int. Seed of the held-out split; give the same one for
            both sides. Defaults to `0`.
        images_key: str or None. The images' array in a `.npz` file.
            Defaults to `None` (the only array, else `"images"`).
        labels_key: str or None. The labels' array in a `.npz` file.
            Defaults to `None` (`"labels"` when present).

    Returns:
        A `tf.data.Dataset` of float32 batches `(batch, height, width,
        channels)` (or the array's example shape).

    Example:
    ```python
    train = keras_vae.data.load_dataset("mnist", batch_size=128)
    test = keras_vae.data.load_dataset("mnist", split="test")
    photos = keras_vae.data.load_dataset(
        "photos/", image_size=64, channels=3, validation_split=0.1
    )
    ```
    """
    if isinstance(source, tf.data.Dataset):
        return source
    batch_size = check_positive_int("batch_size", batch_size)
    if shuffle is None:
        shuffle = not isinstance(source, str) or split == "train"
    source = _read_source(
        source, split, data_dir, image_size, channels, validation_split,
        split_seed, images_key, labels_key,
    )  # fmt: skip
    if source.images is not None:
        dataset = _in_memory_batches(
            source.images, source.labels, batch_size, shuffle, seed
        )
    else:
        dataset = source.examples
        if source.cache:
            dataset = dataset.cache()
        if shuffle:
            dataset = dataset.shuffle(
                SHUFFLE_BUFFER, seed=seed, reshuffle_each_iteration=True
            )
        dataset = dataset.batch(batch_size)
    if source.images is None or source.images.dtype == np.uint8:
        dataset = dataset.map(_scale_batch, num_parallel_calls=tf.data.AUTOTUNE)
    if not with_labels:
        dataset = dataset.map(lambda x, y: x)
    dataset = dataset.prefetch(tf.data.AUTOTUNE)
    dataset.class_names = source.class_names
    return dataset


class _Source:
    """What a source gives: in-memory `images` and `labels`, or a stream of
    uint8 `examples` (unbatched, with `cache` telling whether it fits in
    memory); and `class_names`."""

    def __init__(self, images=None, labels=None, examples=None, cache=True,
                 class_names=None):  # fmt: skip
        self.images, self.labels, self.examples = images, labels, examples
        self.cache, self.class_names = cache, class_names


def _read_source(
    source, split, data_dir, image_size, channels, validation_split, split_seed,
    images_key, labels_key,
):  # fmt: skip
    image_size = check_image_size(image_size)
    channels = check_channels(channels)
    validation_split = _check_validation_split(validation_split)
    if isinstance(source, np.ndarray):
        images, labels = _array_source(source)
        return _in_memory_source(
            images, labels, None, split, image_size, channels, validation_split,
            split_seed, own_data=False,
        )  # fmt: skip
    if not isinstance(source, str):
        raise ValueError(
            "source must be a dataset name, a folder, a .npy/.npz file, a numpy "
            "array or a tf.data.Dataset. Received: source of type "
            f"{type(source).__name__}"
        )
    kind = source_kind(source)
    if kind == "folder":
        return _folder_source(
            source, split, image_size, channels, validation_split, split_seed
        )
    if kind == "array_file":
        images, labels = read_array_file(source, images_key, labels_key)
        images, labels = _array_source(images, labels)
        return _in_memory_source(
            images, labels, None, split, image_size, channels, validation_split,
            split_seed, own_data=True,
        )  # fmt: skip
    _check_name(source)
    read_split, held_out = _source_split(split, validation_split, own_data=False)
    if source in IDX_DATASETS:
        directory = data_dir if data_dir is not None else default_idx_dir(source)
        if directory is not None:
            images, labels = read_idx_split(directory, read_split)
            return _in_memory_source(
                images, labels, None, split, image_size, channels,
                validation_split, split_seed, own_data=False,
            )  # fmt: skip
    examples, _, class_names = _tfds_source(
        source, read_split, data_dir, image_size, channels
    )
    if held_out is not None:
        examples = _stream_held_out(examples, validation_split, split_seed, held_out)
    return _Source(examples=examples, class_names=class_names)


def _in_memory_source(
    images, labels, class_names, split, image_size, channels, validation_split,
    split_seed, own_data,
):  # fmt: skip
    _, held_out = _source_split(split, validation_split, own_data)
    if held_out is not None:
        kept, held = _held_out(len(images), validation_split, split_seed)
        chosen = held if held_out else kept
        images, labels = images[chosen], labels[chosen]
    if image_size is not None or channels is not None:
        images = fit_image(tf.convert_to_tensor(images), image_size, channels)
        images = images.numpy()
    return _Source(images=images, labels=labels, class_names=class_names)


def _folder_source(folder, split, image_size, channels, validation_split, split_seed):
    scan = image_folders.scan_image_folder(folder)
    example_shape = scan.example_shape(image_size, channels)
    paths, labels = np.asarray(scan.paths, dtype=object), scan.labels
    _, held_out = _source_split(split, validation_split, own_data=True)
    if held_out is not None:
        kept, held = _held_out(len(paths), validation_split, split_seed)
        chosen = held if held_out else kept
        paths, labels = paths[chosen], labels[chosen]
    # Shuffle the file order once, so that the shuffle buffer mixes classes
    # even when the folder is larger than the buffer.
    order = np.random.default_rng(split_seed).permutation(len(paths))
    examples = image_folders.folder_examples(
        list(paths[order]), labels[order], example_shape, image_size, channels
    )
    cache = image_folders.fits_in_cache(len(paths), example_shape)
    return _Source(examples=examples, cache=cache, class_names=scan.class_names)


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


def load_arrays(name, split="train", data_dir=None, **kwargs):
    """Loads a dataset split into memory as numpy arrays.

    Args:
        name: a dataset name, folder or array file (see `load_dataset`).
        split: str. Defaults to `"train"`.
        data_dir: str or None. See `load_dataset`.
        **kwargs: `image_size`, `channels`, `validation_split`,
            `split_seed`, `images_key`, `labels_key` (see `load_dataset`).

    Returns:
        A tuple `(images, labels)`: float32 images in [0, 1] of shape
        `(n, height, width, channels)` and int64 labels `(n,)`.
    """
    source = _read_source(
        name, split, data_dir, kwargs.get("image_size"), kwargs.get("channels"),
        kwargs.get("validation_split"), kwargs.get("split_seed", 0),
        kwargs.get("images_key"), kwargs.get("labels_key"),
    )  # fmt: skip
    if source.images is not None:
        images = source.images
        if images.dtype == np.uint8:
            images = images.astype("float32") / 255.0
        return images.astype("float32", copy=False), source.labels
    batches = [
        (x.numpy(), y.numpy()) for x, y in source.examples.batch(4096).map(_scale_batch)
    ]
    return (
        np.concatenate([b[0] for b in batches]),
        np.concatenate([b[1] for b in batches]),
    )


def _array_source(images, labels=None):
    if images.ndim < 2:
        raise ValueError(
            "images must have a batch axis and at least one more. Received: "
            f"images.shape={images.shape}"
        )
    check_image_batch("images", images, images.shape[1:])
    if images.dtype != np.uint8:
        images = images.astype("float32", copy=False)
        _check_unit_range(images)
    if labels is None:
        labels = np.full((len(images),), -1, dtype="int64")
    return images, labels
