"""One split of a `DataSource`, read: in-memory arrays (numpy arrays,
array files, IDX folders) or a stream of uint8 examples (image folders,
tensorflow-datasets), with the held-out split, `image_size` and `channels`
applied. `datasets` batches what these give."""

import dataclasses

import numpy as np
import tensorflow as tf

from keras_vae.data import image_folders
from keras_vae.data.array_files import read_array_file
from keras_vae.data.held_out import side_indices
from keras_vae.data.held_out import split_to_read
from keras_vae.data.held_out import stream_held_out
from keras_vae.data.idx_folders import IDX_DATASETS
from keras_vae.data.idx_folders import default_idx_dir
from keras_vae.data.idx_folders import read_idx_split
from keras_vae.data.image_shapes import fit_image
from keras_vae.data.source import source_kind
from keras_vae.data.tfds_sources import check_dataset_name
from keras_vae.data.tfds_sources import tfds_examples
from keras_vae.input_checks import check_image_batch


@dataclasses.dataclass
class SourceData:
    """What a source gives: in-memory `images` and `labels`, or a stream of
    uint8 `examples` (unbatched, with `cache` telling whether it fits in
    memory); and `class_names`."""

    images: np.ndarray | None = None
    labels: np.ndarray | None = None
    examples: tf.data.Dataset | None = None
    cache: bool = True
    class_names: list | None = None


def read_source(source, split):
    """Reads `split` of a `DataSource` (see `keras_vae.data.datasets`)."""
    dataset = source.dataset
    if isinstance(dataset, np.ndarray):
        images, labels = _array_source(dataset)
        return _in_memory_source(images, labels, source, split, own_data=False)
    if not isinstance(dataset, str):
        raise ValueError(
            "source must be a dataset name, a folder, a .npy/.npz file, a numpy "
            "array or a tf.data.Dataset. Received: source of type "
            f"{type(dataset).__name__}"
        )
    kind = source_kind(dataset)
    if kind == "folder":
        return _folder_source(source, split)
    if kind == "array_file":
        images, labels = read_array_file(dataset, source.images_key, source.labels_key)
        images, labels = _array_source(images, labels)
        return _in_memory_source(images, labels, source, split, own_data=True)
    check_dataset_name(dataset)
    read_split, held_out = split_to_read(split, source.validation_split, False)
    if dataset in IDX_DATASETS:
        directory = source.data_dir
        if directory is None:
            directory = default_idx_dir(dataset)
        if directory is not None:
            images, labels = read_idx_split(directory, read_split)
            return _in_memory_source(images, labels, source, split, own_data=False)
    examples, _, class_names = tfds_examples(
        dataset, read_split, source.data_dir, source.image_size, source.channels
    )
    if held_out is not None:
        examples = stream_held_out(
            examples, source.validation_split, source.split_seed, held_out
        )
    return SourceData(examples=examples, class_names=class_names)


def _in_memory_source(images, labels, source, split, own_data):
    _, held_out = split_to_read(split, source.validation_split, own_data)
    if held_out is not None:
        chosen = side_indices(
            len(images), source.validation_split, source.split_seed, held_out
        )
        images, labels = images[chosen], labels[chosen]
    if source.image_size is not None or source.channels is not None:
        images = fit_image(
            tf.convert_to_tensor(images), source.image_size, source.channels
        )
        images = images.numpy()
    return SourceData(images=images, labels=labels)


def _folder_source(source, split):
    scan = image_folders.scan_image_folder(source.dataset)
    example_shape = scan.example_shape(source.image_size, source.channels)
    paths, labels = np.asarray(scan.paths, dtype=object), scan.labels
    _, held_out = split_to_read(split, source.validation_split, own_data=True)
    if held_out is not None:
        chosen = side_indices(
            len(paths), source.validation_split, source.split_seed, held_out
        )
        paths, labels = paths[chosen], labels[chosen]
    # Shuffle the file order once, so that the shuffle buffer mixes classes
    # even when the folder is larger than the buffer.
    order = np.random.default_rng(source.split_seed).permutation(len(paths))
    examples = image_folders.folder_examples(
        list(paths[order]),
        labels[order],
        example_shape,
        source.image_size,
        source.channels,
    )
    cache = image_folders.fits_in_cache(len(paths), example_shape)
    return SourceData(examples=examples, cache=cache, class_names=scan.class_names)


def _check_unit_range(images):
    low, high = float(images.min()), float(images.max())
    if low < 0.0 or high > 1.0:
        raise ValueError(
            "Float images must lie in [0, 1] (pass uint8 images to have them "
            f"divided by 255). Received: images with min={low:g}, max={high:g}"
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
