"""keras-vae export: the decoder alone, for sampling on device.

Installed as `keras_vae_export` (the folder `export/` of the repository), so
it never clashes with PyPI's unrelated `export` package. Importing this
package imports neither TensorFlow nor Keras: `keras_vae_sampler.sampler`
runs with numpy and one runtime. The export functions load TensorFlow when
first used.

Example:
```python
from keras_vae_export import export_decoder, Sampler

export_decoder("vae.keras", "exported/")            # every format
images = Sampler("exported/", runtime="tflite").sample(16, seed=0)
```
"""

import importlib
import sys

from keras_vae_sampler.formats import FORMATS
from keras_vae_sampler.lazy import lazy_attributes

# Former modules of this package, now the device package's: one module
# under two names.
MOVED_MODULES = (
    "errors",
    "formats",
    "manifest",
    "output_folders",
    "runtimes",
    "sampler",
    "web_server",
    "web_site",
)
for _name in MOVED_MODULES:
    sys.modules[f"{__name__}.{_name}"] = importlib.import_module(
        f"keras_vae_sampler.{_name}"
    )

_LAZY = {
    "export_decoder": "keras_vae_export.exporter",
    "ExportError": "keras_vae_sampler.errors",
    "MissingRuntimeError": "keras_vae_sampler.errors",
    "Sampler": "keras_vae_sampler.sampler",
    "read_manifest": "keras_vae_sampler.manifest",
}

__getattr__, __dir__ = lazy_attributes(__name__, _LAZY)
