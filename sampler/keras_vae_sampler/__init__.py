"""keras-vae-sampler: sampling from a keras-vae export on a device, without
TensorFlow.

Everything that runs after `keras-vae export`: the manifest and mixture
readers, the runtimes (LiteRT through `ai-edge-litert`, ONNX Runtime), the
`Sampler`, the portable noise generator that the page shares, and the
browser page with its server (`keras-vae-sampler serve`). It depends on
numpy; each runtime is an extra.

Example:
```python
from keras_vae_sampler import Sampler

sampler = Sampler("exported/", runtime="tflite")
images = sampler.sample(16, seed=0)  # (16, 28, 28, 1) floats in [0, 1]
```
"""

from keras_vae_sampler.lazy import lazy_attributes
from keras_vae_sampler.version import __version__

_LAZY = {
    "Sampler": "keras_vae_sampler.sampler",
    "read_manifest": "keras_vae_sampler.manifest",
    "MissingRuntimeError": "keras_vae_sampler.errors",
}


__getattr__, __dir__ = lazy_attributes(__name__, _LAZY)

__all__ = ["__version__", *_LAZY]
