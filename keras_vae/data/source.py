"""What to read: `DataSource`, the reading options of one source in one
object, built once and passed down.

The command line's data options (`--dataset`, `--data-dir`,
`--image-size`, ...), a `TrainingConfig` and `load_dataset`'s arguments
each become one `DataSource`, checked when it is made; the readers take it
whole. Free of TensorFlow, so the command line and the training config can
build one before anything starts TensorFlow.
"""

import dataclasses
import os
from pathlib import Path

from keras_vae.data.array_files import ARRAY_SUFFIXES
from keras_vae.data.idx_folders import IDX_DATASETS
from keras_vae.input_checks import check_channels
from keras_vae.input_checks import check_fraction
from keras_vae.input_checks import check_image_size


def source_kind(source):
    """`"folder"`, `"array_file"` or `"name"` for a string source.

    A string is a path when it contains a path separator, ends in `.npy` or
    `.npz`, or names an existing folder (and is not `mnist`/
    `fashion_mnist`); else a dataset name.
    """
    path = Path(source)
    if path.suffix in ARRAY_SUFFIXES:
        return "array_file"
    if os.sep in source or "/" in source:
        return "folder"
    if path.is_dir() and source not in IDX_DATASETS:
        return "folder"
    return "name"


@dataclasses.dataclass(frozen=True)
class DataSource:
    """Where images come from and how to read them.

    `load_dataset` and `load_arrays` take one as their source; the reading
    options are then the source's. The options are checked when the
    source is made: `image_size` is stored as a pair and a
    `validation_split` of 0 as `None`.

    Args:
        dataset: a dataset name from the tensorflow-datasets catalog, a
            folder of images, a `.npy`/`.npz` file, or a numpy array of
            images (see `keras_vae.data.datasets`).
        data_dir: str or None. For `mnist` and `fashion_mnist`, a folder of
            IDX files; for other names, the tensorflow-datasets data folder.
            Defaults to `None`.
        image_size: None, int or `(height, width)`. Resize every image,
            keeping its aspect ratio by a centre crop. Defaults to `None`.
        channels: None, 1 or 3. Convert every image to grey or colour.
            Defaults to `None`.
        validation_split: float in [0, 1) or None. Hold out this fraction of
            the examples (seeded by `split_seed`) as the `"validation"`
            split; `0` or `None` holds out nothing. Defaults to `None`.
        split_seed: int. Seed of the held-out split; the same one gives the
            same two sides. Defaults to `0`.
        images_key: str or None. The images' array in a `.npz` file.
            Defaults to `None` (the only array, else `"images"`).
        labels_key: str or None. The labels' array in a `.npz` file.
            Defaults to `None` (`"labels"` when present).

    Example:
    ```python
    source = keras_vae.data.DataSource(
        "photos/", image_size=64, channels=3, validation_split=0.1
    )
    train = keras_vae.data.load_dataset(source, split="train")
    held_out = keras_vae.data.load_dataset(source, split=source.evaluation_split)
    ```
    """

    dataset: object
    data_dir: str | None = None
    image_size: tuple[int, int] | None = None
    channels: int | None = None
    validation_split: float | None = None
    split_seed: int = 0
    images_key: str | None = None
    labels_key: str | None = None

    def __post_init__(self):
        image_size = check_image_size("image_size", self.image_size)
        channels = check_channels("channels", self.channels)
        fraction = self.validation_split
        if fraction is not None and fraction == 0:
            fraction = None
        elif fraction is not None:
            fraction = check_fraction("validation_split", fraction)
        object.__setattr__(self, "image_size", image_size)
        object.__setattr__(self, "channels", channels)
        object.__setattr__(self, "validation_split", fraction)

    def local_inputs(self):
        """The files and folders this source reads, as `{option: path}`:
        what an output must never replace."""
        inputs = {}
        if isinstance(self.dataset, str) and source_kind(self.dataset) != "name":
            inputs["--dataset"] = self.dataset
        if self.data_dir is not None:
            inputs["--data-dir"] = self.data_dir
        return inputs

    @property
    def evaluation_split(self):
        """The split that measures a model trained on this source: the
        held-out `"validation"` one, else `"test"`."""
        return "validation" if self.validation_split else "test"


_DEFAULTS = {field.name: field.default for field in dataclasses.fields(DataSource)}


def as_data_source(source, **options):
    """`source` itself if it is a `DataSource`, else a `DataSource` of it
    and `options` (the reading options of `load_dataset`).

    A `DataSource` carries its own options: giving one beside it is an
    error rather than silently one or the other.
    """
    if not isinstance(source, DataSource):
        return DataSource(source, **options)
    given = [
        f"{name}={value!r}"
        for name, value in options.items()
        if not (
            value is _DEFAULTS[name]
            or (type(value) is type(_DEFAULTS[name]) and value == _DEFAULTS[name])
        )
    ]
    if given:
        raise ValueError(
            "A DataSource carries its reading options; set them on it, not "
            f"beside it. Received: {', '.join(given)}"
        )
    return source
