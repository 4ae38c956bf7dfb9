"""Image data for training: dataset names, image folders, array files or
arrays to batched `tf.data`.

Modules: `datasets` (sources, splits and `tf.data` pipelines),
`image_folders` (folders of PNG/JPEG/BMP/GIF files), `array_files` (`.npy`
and `.npz`), `image_shapes` (resizing and colour conversion) and `idx` (the
IDX file reader behind offline MNIST).
"""

from keras_vae.data.datasets import IDX_DATASETS
from keras_vae.data.datasets import REPOSITORY_DATA_DIR
from keras_vae.data.datasets import default_idx_dir
from keras_vae.data.datasets import load_arrays
from keras_vae.data.datasets import load_dataset
from keras_vae.data.datasets import read_idx_split
from keras_vae.data.datasets import source_kind

__all__ = [
    "IDX_DATASETS",
    "REPOSITORY_DATA_DIR",
    "default_idx_dir",
    "load_arrays",
    "load_dataset",
    "read_idx_split",
    "source_kind",
]
