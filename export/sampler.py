"""Sampling on device: numpy, one runtime and the manifest, no TensorFlow.

This is the Python reference of what a phone or browser app does with an
exported decoder: draw `z ~ N(0, I)`, run the decoder, show the image. It
imports numpy and the chosen runtime (`ai_edge_litert` or `onnxruntime`)
only; the SavedModel runtime is the one exception, since it needs
TensorFlow.
"""

from pathlib import Path

import numpy as np

from keras_vae_export.formats import FORMATS
from keras_vae_export.formats import RUNTIMES
from keras_vae_export.manifest import read_manifest
from keras_vae_export.manifest import verify_artifact
from keras_vae_export.runtimes import as_latent_batch
from keras_vae_export.runtimes import open_runner


class Sampler:
    """Decodes latent vectors with one exported artifact.

    Args:
        export_dir: folder written by `export_decoder` (with
            `manifest.json`).
        runtime: `"tflite"`, `"onnx"` or `"savedmodel"`. Defaults to
            `"tflite"`.
        format: str or None. Which artifact of that runtime, such as
            `"tflite-int8"`; `None` takes the float32 one when exported.
        num_threads: int or None. CPU threads of the runtime. Defaults to
            `None`.
        verify: bool. Check the artifact's SHA-256 against the manifest
            before loading it. Defaults to `True`.

    Example:
    ```python
    sampler = Sampler("exported/", runtime="onnx")
    images = sampler.sample(16, seed=0)   # (16, 28, 28, 1) float32 in [0, 1]
    ```
    """

    def __init__(
        self, export_dir, runtime="tflite", format=None, num_threads=None, verify=True
    ):
        self.export_dir = Path(export_dir)
        self.manifest = read_manifest(self.export_dir)
        self.format = self._choose_format(runtime, format)
        self.entry = self.manifest["artifacts"][self.format]
        if verify:
            verify_artifact(self.export_dir, self.entry)
        model = self.manifest["model"]
        self.latent_dim = int(model["latent_dim"])
        self.output_shape = tuple(model["output_shape"])
        self.runner = open_runner(
            self.entry["runtime"],
            self.export_dir / self.entry["file"],
            num_threads=num_threads,
        )
        self._roles = [output["role"] for output in self.entry["outputs"]]

    def _choose_format(self, runtime, format):
        artifacts = self.manifest["artifacts"]
        if runtime not in RUNTIMES:
            raise ValueError(
                f"Unknown runtime; known: {', '.join(RUNTIMES)}. Received: "
                f"runtime={runtime!r}"
            )
        candidates = [n for n in artifacts if artifacts[n]["runtime"] == runtime]
        if format is None:
            format = runtime if runtime in candidates else next(iter(candidates), None)
        if format not in candidates:
            raise ValueError(
                f"This export has no {runtime} artifact named {format!r}; it "
                f"has {sorted(artifacts)}. Received: runtime={runtime!r}, "
                f"format={format!r}"
            )
        return format

    def _run(self, z, role):
        if role not in self._roles:
            raise ValueError(
                f"This export has no {role!r} output (export with "
                f"uint8_output=True for it). Received: output={role!r}"
            )
        outputs = self.runner.run(as_latent_batch(z, self.latent_dim))
        return np.asarray(outputs[self._roles.index(role)])

    def decode(self, z):
        """Decodes `z` of shape `(n, latent_dim)` to float32 mean images."""
        return self._run(z, "image")

    def decode_uint8(self, z):
        """Decodes `z` to uint8 images (needs an export with a uint8
        output)."""
        return self._run(z, "image_uint8")

    def prior_latents(self, n, seed=None):
        """Draws `n` latent vectors from N(0, I) with numpy."""
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n <= 0:
            raise ValueError(f"n must be a positive integer. Received: n={n!r}")
        rng = np.random.default_rng(seed)
        return rng.standard_normal((n, self.latent_dim), dtype=np.float32)

    def sample(self, n, seed=None):
        """Draws `n` latents from the prior and decodes them.

        Args:
            n: int > 0. Number of images.
            seed: int or None. Seed of numpy's generator.

        Returns:
            A float32 array of shape `(n, *output_shape)`.
        """
        return self.decode(self.prior_latents(n, seed))

    def __repr__(self):
        return (
            f"Sampler(format={self.format!r}, runtime={self.entry['runtime']!r}, "
            f"latent_dim={self.latent_dim}, output_shape={self.output_shape})"
        )


__all__ = ["Sampler", "FORMATS"]
