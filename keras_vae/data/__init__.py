"""Image data for training: dataset names or arrays to batched `tf.data`.

Modules: `datasets` (names, arrays and `tf.data` pipelines) and `idx` (the
IDX file reader behind offline MNIST).
"""

from keras_vae.data.datasets import IDX_DATASETS
from keras_vae.data.datasets import REPOSITORY_DATA_DIR
from keras_vae.data.datasets import default_idx_dir
from keras_vae.data.datasets import load_arrays
from keras_vae.data.datasets import load_dataset
from keras_vae.data.datasets import read_idx_split

__all__ = [
    "IDX_DATASETS",
    "REPOSITORY_DATA_DIR",
    "default_idx_dir",
    "load_arrays",
    "load_dataset",
    "read_idx_split",
]
