"""keras-vae export: the decoder alone, for sampling on device.

Installed as `keras_vae_export` (the folder `export/` of the repository), so
it never clashes with PyPI's unrelated `export` package. Importing this
package imports neither TensorFlow nor Keras; the export functions load
TensorFlow when first used. What runs the exported files is the device
package, `keras_vae_sampler` (numpy and one runtime, no TensorFlow).

Example:
```python
from keras_vae_export import export_decoder
from keras_vae_sampler import Sampler

export_decoder(vae, "exported/")  # a trained keras_vae.VAE; every format
images = Sampler("exported/", runtime="tflite").sample(16, seed=0)
```
"""

from keras_vae_sampler.lazy import lazy_attributes

_LAZY = {
    "export_decoder": "keras_vae_export.exporter",
}

__getattr__, __dir__ = lazy_attributes(__name__, _LAZY)
