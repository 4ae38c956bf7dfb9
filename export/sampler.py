"""Sampling on device: numpy, one runtime and the manifest, no TensorFlow.

This is the Python reference of what a phone or browser app does with an
exported decoder: draw `z ~ N(0, I)`, run the decoder (with the requested
class for a conditional export), show the image. It imports numpy, the
TF-free `keras_vae.input_checks` and the chosen runtime (`ai_edge_litert`
or `onnxruntime`) only; the SavedModel runtime is the one exception, since
it needs TensorFlow.
"""

from pathlib import Path

import numpy as np

from keras_vae.input_checks import check_choice
from keras_vae.input_checks import check_labels
from keras_vae.samplers import LATENT_SAMPLERS
from keras_vae.samplers import mixture_math
from keras_vae_export.formats import FORMATS
from keras_vae_export.formats import RUNTIMES
from keras_vae_export.manifest import contained_path
from keras_vae_export.manifest import read_latent_sampler
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
        self.num_classes = model.get("num_classes")
        self.class_names = model.get("class_names")
        self.inputs = self.entry["inputs"]
        self.runner = open_runner(
            self.entry["runtime"],
            contained_path(self.export_dir, self.entry["file"], "artifact file"),
            num_threads=num_threads,
        )
        names = sorted(tensor["name"] for tensor in self.inputs)
        if names != sorted(self.runner.input_names):
            raise ValueError(
                f"The manifest's input names do not match {self.entry['file']}. "
                f"Received: inputs={names}, artifact inputs="
                f"{sorted(self.runner.input_names)}"
            )
        self._roles = [output["role"] for output in self.entry["outputs"]]
        self._verify = verify
        self._mixtures = None
        self.latent_samplers = sorted(self.manifest.get("latent_samplers") or {"prior"})

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

    def _check_conditionality(self, labels):
        if self.num_classes is None and labels is not None:
            raise ValueError(
                "This export is unconditional: it takes no labels. Received: "
                f"labels={labels!r}"
            )
        if self.num_classes is not None and labels is None:
            raise ValueError(
                f"This export is conditional ({self.num_classes} classes: "
                f"{self.class_names}); pass labels, one int or one per "
                "latent. Received: labels=None"
            )

    def _feeds(self, z, labels):
        z = as_latent_batch(z, self.latent_dim)
        self._check_conditionality(labels)
        feeds = {}
        for entry in self.inputs:
            if entry["role"] == "z":
                feeds[entry["name"]] = z
            else:
                feeds[entry["name"]] = check_labels(
                    "labels", labels, self.num_classes, count=len(z)
                )
        return feeds

    def _run(self, z, labels, role):
        if role not in self._roles:
            raise ValueError(
                f"This export has no {role!r} output (export with "
                f"uint8_output=True for it). Received: output={role!r}"
            )
        outputs = self.runner.run(self._feeds(z, labels))
        return np.asarray(outputs[self._roles.index(role)])

    def decode(self, z, labels=None):
        """Decodes `z` of shape `(n, latent_dim)` to float32 mean images.

        Args:
            z: float array `(n, latent_dim)`.
            labels: int or int array `(n,)`: the classes, for a conditional
                export (required there, refused elsewhere).
        """
        return self._run(z, labels, "image")

    def decode_uint8(self, z, labels=None):
        """Decodes `z` to uint8 images (needs an export with a uint8
        output)."""
        return self._run(z, labels, "image_uint8")

    def prior_latents(self, n, seed=None):
        """Draws `n` latent vectors from N(0, I) with numpy."""
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n <= 0:
            raise ValueError(f"n must be a positive integer. Received: n={n!r}")
        rng = np.random.default_rng(seed)
        return rng.standard_normal((n, self.latent_dim), dtype=np.float32)

    def latents(self, n, seed=None, labels=None, latent="prior"):
        """Draws `n` latents from the prior or the export's mixture.

        The mixture is read (and its hash checked) on first use; the draw
        is `keras_vae.samplers.mixture_math`'s, so a seed gives the latents
        `vae.sample(..., latent="gmm")` gives.
        """
        check_choice("latent", latent, LATENT_SAMPLERS)
        if latent == "prior":
            return self.prior_latents(n, seed)
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n <= 0:
            raise ValueError(f"n must be a positive integer. Received: n={n!r}")
        if self._mixtures is None:
            self._mixtures = read_latent_sampler(
                self.export_dir, self.manifest, verify=self._verify
            )
        if self.num_classes is not None:
            labels = check_labels("labels", labels, self.num_classes, count=n)
        rng = np.random.default_rng(seed)
        return mixture_math.draw_latents(rng, self._mixtures, n, labels)

    def sample(self, n, seed=None, labels=None, latent="prior"):
        """Draws `n` latents and decodes them.

        Args:
            n: int > 0. Number of images.
            seed: int or None. Seed of numpy's generator.
            labels: int or int array `(n,)`: the classes to draw, for a
                conditional export.
            latent: `"prior"` (N(0, I)) or `"gmm"` (the mixture the export
                carries). Defaults to `"prior"`.

        Returns:
            A float32 array of shape `(n, *output_shape)`.
        """
        self._check_conditionality(labels)
        z = self.latents(n, seed, labels, latent)
        return self.decode(z, labels)

    def __repr__(self):
        return (
            f"Sampler(format={self.format!r}, runtime={self.entry['runtime']!r}, "
            f"latent_dim={self.latent_dim}, output_shape={self.output_shape})"
        )


__all__ = ["Sampler", "FORMATS"]
