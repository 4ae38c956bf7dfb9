"""Image data for training: dataset names, image folders, array files or
arrays to batched `tf.data`.

Modules, by job: `datasets` (the front: `load_dataset`, `load_arrays`),
`source` (`DataSource`, the reading options in one object; no
TensorFlow), `source_readers` (one split of a source, read),
`held_out` (seeded validation splits), `tfds_sources`
(tensorflow-datasets), `idx_folders` (offline MNIST folders) over `idx`
(the IDX file reader), `image_folders` (folders of PNG/JPEG/BMP/GIF files),
`array_files` (`.npy` and `.npz`) and `image_shapes` (resizing and colour
conversion). Names are imported when first used, so that `DataSource` is
at hand without TensorFlow.
"""

from keras_vae_sampler.lazy import lazy_attributes

_LAZY = {
    "DataSource": "keras_vae.data.source",
    "IDX_DATASETS": "keras_vae.data.idx_folders",
    "REPOSITORY_DATA_DIR": "keras_vae.data.idx_folders",
    "default_idx_dir": "keras_vae.data.idx_folders",
    "load_arrays": "keras_vae.data.datasets",
    "load_dataset": "keras_vae.data.datasets",
    "read_idx_split": "keras_vae.data.idx_folders",
    "source_kind": "keras_vae.data.source",
}
__all__ = sorted(_LAZY)
__getattr__, __dir__ = lazy_attributes(__name__, _LAZY)
