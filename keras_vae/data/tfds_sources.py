"""Images from the tensorflow-datasets catalog: any dataset with an
`image` feature (images of varying size need `image_size`)."""

import tensorflow as tf

from keras_vae.data.idx_folders import IDX_DATASETS
from keras_vae.data.image_shapes import fit_image


def check_dataset_name(name):
    """Returns `name` if it is an IDX dataset or in the tfds catalog."""
    import tensorflow_datasets as tfds

    if name in IDX_DATASETS or name in tfds.list_builders():
        return name
    raise ValueError(
        "Unknown dataset: not in the tensorflow-datasets catalog, and not a "
        "folder or .npy/.npz file. Received: "
        f"dataset={name!r}"
    )


def tfds_builder(name, data_dir):
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


def tfds_examples(name, split, data_dir, image_size, channels):
    """An unbatched dataset of (uint8 image, label), its example shape and
    class names."""
    import tensorflow_datasets as tfds

    builder = tfds_builder(name, data_dir)
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
