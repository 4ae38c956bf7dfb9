"""keras-vae export: the decoder alone, for sampling on device.

Installed as `keras_vae_export` (the folder `export/` of the repository), so
it never clashes with PyPI's unrelated `export` package. Importing this
package imports neither TensorFlow nor Keras: `keras_vae_export.sampler`
runs with numpy and one runtime. The export functions load TensorFlow when
first used.

Example:
```python
from keras_vae_export import export_decoder, Sampler

export_decoder("vae.keras", "exported/")            # every format
images = Sampler("exported/", runtime="tflite").sample(16, seed=0)
```
"""

from keras_vae_export.formats import FORMATS

_LAZY = {
    "export_decoder": "keras_vae_export.exporter",
    "ExportError": "keras_vae_export.errors",
    "MissingRuntimeError": "keras_vae_export.errors",
    "Sampler": "keras_vae_export.sampler",
    "read_manifest": "keras_vae_export.manifest",
}


def __getattr__(name):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'keras_vae_export' has no attribute {name!r}")
