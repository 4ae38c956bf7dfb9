"""Image data for training: names, folders, array files or arrays to
batched `tf.data`: the front of `keras_vae.data`.

Images come out as float32 in [0, 1] with shape `(height, width, channels)`.
A source is one of:
- a folder of PNG/JPEG/BMP/GIF images, class subfolders giving labels
  (`image_folders`);
- a `.npy` or `.npz` file of images and optional labels (`array_files`);
- a name in the tensorflow-datasets catalog (any dataset with an `image`
  feature; images of varying size need `image_size`; `tfds_sources`).
  MNIST and Fashion-MNIST can also be read offline from a folder of the
  original IDX files (`idx_folders`, which says where they are looked
  for); the repository carries the real MNIST files in `data/mnist/`;
- a numpy array, or a `tf.data.Dataset` (returned unchanged).

A string is a path when it contains a path separator, ends in `.npy` or
`.npz`, or names an existing folder (and is not `mnist`/`fashion_mnist`);
else a dataset name (`source.source_kind`). The reading options travel
together as one `source.DataSource`; `image_size` and `channels` are
explained in `image_shapes`. Folders and array files have no test split:
with `validation_split`, a seeded fraction of the examples is held out as
the `"validation"` split (for a named dataset, a fraction of its `"train"`
split; `held_out`). `source_readers` reads one split; this module batches
it.
"""

import numpy as np
import tensorflow as tf

from keras_vae.data.source import as_data_source
from keras_vae.data.source_readers import read_source
from keras_vae_sampler.checks import check_positive_int

SHUFFLE_BUFFER = 10_000


def _scale_batch(images, labels):
    return tf.cast(images, tf.float32) / 255.0, labels


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
            divided by 255, or float in [0, 1]), a `DataSource` (which
            carries `data_dir` ... `labels_key`: leave those out), or a
            `tf.data.Dataset`, which is returned unchanged. See the module
            docstring.
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
    source = as_data_source(
        source,
        data_dir=data_dir,
        image_size=image_size,
        channels=channels,
        validation_split=validation_split,
        split_seed=split_seed,
        images_key=images_key,
        labels_key=labels_key,
    )
    if shuffle is None:
        shuffle = not isinstance(source.dataset, str) or split == "train"
    source = read_source(source, split)
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
        name: a dataset name, folder, array file or `DataSource` (see
            `load_dataset`).
        split: str. Defaults to `"train"`.
        data_dir: str or None. See `load_dataset`.
        **kwargs: `image_size`, `channels`, `validation_split`,
            `split_seed`, `images_key`, `labels_key` (see `load_dataset`).

    Returns:
        A tuple `(images, labels)`: float32 images in [0, 1] of shape
        `(n, height, width, channels)` and int64 labels `(n,)`.
    """
    source = read_source(as_data_source(name, data_dir=data_dir, **kwargs), split)
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
