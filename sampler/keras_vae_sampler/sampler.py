"""Sampling on device: numpy, one runtime and the manifest, no TensorFlow.

This is the Python reference of what a phone or browser app does with an
export: make uniform noise (the portable generator of
`keras_vae_sampler.uniform_noise`, so a seed draws the same images here and
in the page), run the sampling graph (with the requested class for a
conditional export; the fitted mixture is inside it), show the image. Or
decode latents of its own with the decoder. It imports numpy and the
chosen runtime (`ai_edge_litert` or `onnxruntime`) only; the SavedModel
runtime is the one exception, since it needs TensorFlow.
"""

from pathlib import Path

import numpy as np

from keras_vae_sampler import uniform_noise
from keras_vae_sampler.checks import check_choice
from keras_vae_sampler.checks import check_labels
from keras_vae_sampler.checks import check_threads
from keras_vae_sampler.formats import DEFAULT_RUNTIME
from keras_vae_sampler.formats import RUNTIMES
from keras_vae_sampler.formats import artifact_key
from keras_vae_sampler.manifest import LATENT_SAMPLERS
from keras_vae_sampler.manifest import contained_path
from keras_vae_sampler.manifest import read_latent_sampler
from keras_vae_sampler.manifest import read_manifest
from keras_vae_sampler.manifest import verify_artifact
from keras_vae_sampler.runtimes import as_latent_batch
from keras_vae_sampler.runtimes import open_runner


class Sampler:
    """Samples and decodes with one exported format.

    `sample` runs the format's sampling graph on uniform noise (the fitted
    mixture, or the prior, is inside it); `decode` runs its decoder on
    latents of your own.

    Args:
        export_dir: folder written by `export_decoder` (with
            `manifest.json`).
        runtime: `"tflite"`, `"onnx"` or `"savedmodel"`. Defaults to
            `"tflite"` (`formats.DEFAULT_RUNTIME`).
        format: str or None. Which artifact of that runtime, such as
            `"tflite-int8"`; `None` takes the float32 one when exported.
        num_threads: int or None. CPU threads of the runtime. Defaults to
            `None`.
        verify: bool. Check the artifact's SHA-256 against the manifest
            before loading it. Defaults to `True`.
        batch_size: int or None. Use the format's fixed-batch files (as a
            LiteRT.js or GPU-delegate app would), which take exactly this
            many rows; `None` uses the files that take any batch.

    Example:
    ```python
    sampler = Sampler("exported/", runtime="onnx")
    images = sampler.sample(16, seed=0)   # (16, 28, 28, 1) float32 in [0, 1]
    images = sampler.decode(np.zeros((2, sampler.latent_dim), "float32"))
    ```
    """

    def __init__(
        self,
        export_dir,
        runtime=DEFAULT_RUNTIME,
        format=None,
        num_threads=None,
        verify=True,
        batch_size=None,
    ):
        self.export_dir = Path(export_dir)
        self.manifest = read_manifest(self.export_dir)
        self.format = self._choose_format(runtime, format)
        self.batch_size = self._choose_batch_size(batch_size)
        artifacts = self.manifest["artifacts"]
        self.entry = artifacts[artifact_key(self.format, "decode", self.batch_size)]
        self.sample_entry = artifacts.get(
            artifact_key(self.format, "sample", self.batch_size)
        )
        if verify:
            for entry in (self.entry, self.sample_entry):
                if entry is not None:
                    verify_artifact(self.export_dir, entry)
        model = self.manifest["model"]
        self.latent_dim = int(model["latent_dim"])
        self.output_shape = tuple(model["output_shape"])
        self.num_classes = model.get("num_classes")
        self.class_names = model.get("class_names")
        self.inputs = self.entry["inputs"]
        self._num_threads = check_threads("num_threads", num_threads)
        self.runner = self._open(self.entry)
        self._verify = verify
        self._mixtures = None
        self._sampling = None
        self.latent_samplers = sorted(self.manifest.get("latent_samplers") or {"prior"})

    def _open(self, entry):
        runner = open_runner(
            entry["runtime"],
            contained_path(self.export_dir, entry["file"], "artifact file"),
            num_threads=self._num_threads,
        )
        names = sorted(tensor["name"] for tensor in entry["inputs"])
        if names != sorted(runner.input_names):
            raise ValueError(
                f"The manifest's input names do not match {entry['file']}. "
                f"Received: inputs={names}, artifact inputs="
                f"{sorted(runner.input_names)}"
            )
        return runner

    def _choose_format(self, runtime, format):
        artifacts = self.manifest["artifacts"]
        if runtime not in RUNTIMES:
            raise ValueError(
                f"Unknown runtime; known: {', '.join(RUNTIMES)}. Received: "
                f"runtime={runtime!r}"
            )
        candidates = [
            n
            for n, entry in artifacts.items()
            if entry["runtime"] == runtime
            and entry["graph"] == "decode"
            and entry["batch_size"] is None
        ]
        if format is None:
            format = runtime if runtime in candidates else next(iter(candidates), None)
        if format not in candidates:
            raise ValueError(
                f"This export has no {runtime} artifact named {format!r}; it "
                f"has {sorted(artifacts)}. Received: runtime={runtime!r}, "
                f"format={format!r}"
            )
        return format

    def _choose_batch_size(self, batch_size):
        if batch_size is None:
            return None
        sizes = sorted(
            entry["batch_size"]
            for entry in self.manifest["artifacts"].values()
            if entry["format"] == self.format
            and entry["graph"] == "decode"
            and entry["batch_size"] is not None
        )
        if not sizes:
            raise ValueError(
                f"This export's {self.format} files take any batch and have no "
                "fixed-batch copies (LiteRT formats get them, export "
                f"--batch-sizes); use batch_size=None. Received: "
                f"batch_size={batch_size!r}"
            )
        if batch_size not in sizes or isinstance(batch_size, bool):
            raise ValueError(
                f"This export's {self.format} files have fixed batch sizes "
                f"{sizes} (and any batch with batch_size=None). Received: "
                f"batch_size={batch_size!r}"
            )
        return int(batch_size)

    def _check_batch(self, name, array):
        if self.batch_size is not None and len(array) != self.batch_size:
            raise ValueError(
                f"These {self.format} files take exactly {self.batch_size} rows "
                f"(a fixed-batch export). Received: {name}.shape={array.shape}"
            )

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

    def _run(self, entry, array, labels, output):
        """Runs one graph on its first input (`z` or `noise`, checked) and
        the labels; returns the `output` named by its role."""
        self._check_batch(entry["inputs"][0]["role"], array)
        self._check_conditionality(labels)
        roles = [tensor["role"] for tensor in entry["outputs"]]
        if output not in roles:
            raise ValueError(
                f"This export's {entry['graph']} graph has no {output!r} output "
                f"(it has {roles}; export with uint8_output=True for "
                f"image_uint8). Received: output={output!r}"
            )
        feeds = {}
        for tensor in entry["inputs"]:
            if tensor["role"] == "label":
                feeds[tensor["name"]] = check_labels(
                    "labels", labels, self.num_classes, count=len(array)
                )
            else:
                feeds[tensor["name"]] = array
        if entry is self.entry:
            runner = self.runner
        else:  # the sampling graph, opened on first use
            if self._sampling is None:
                self._sampling = self._open(entry)
            runner = self._sampling
        return np.asarray(runner.run(feeds)[roles.index(output)])

    def decode(self, z, labels=None):
        """Decodes `z` of shape `(n, latent_dim)` to float32 mean images.

        Args:
            z: float array `(n, latent_dim)`.
            labels: int or int array `(n,)`: the classes, for a conditional
                export (required there, refused elsewhere).
        """
        z = as_latent_batch(z, self.latent_dim)
        return self._run(self.entry, z, labels, "image")

    def decode_uint8(self, z, labels=None):
        """Decodes `z` to uint8 images (needs an export with a uint8
        output)."""
        z = as_latent_batch(z, self.latent_dim)
        return self._run(self.entry, z, labels, "image_uint8")

    def prior_latents(self, n, seed=None):
        """Draws `n` latent vectors from N(0, I): the seed's uniform noise
        through the prior's part of the noise contract (as the page does)."""
        n = self._check_count(n)
        noise = uniform_noise.seeded_noise(seed, n, self.latent_dim)
        prior = uniform_noise.mixture_tables(None, self.latent_dim)
        return uniform_noise.latents_from_noise(noise, prior)

    def _mixture_tables(self, latent):
        if latent == "gmm" and "gmm" not in self.latent_samplers:
            raise ValueError(
                "This export carries no latent sampler but the prior; fit one "
                "(vae.fit_latent_sampler or keras-vae train --latent-sampler "
                "gmm) and export again. Received: latent='gmm'"
            )
        if self._mixtures is None:
            mixtures = None
            if "gmm" in self.latent_samplers:
                mixtures = read_latent_sampler(
                    self.export_dir, self.manifest, verify=self._verify
                )
            self._mixtures = uniform_noise.mixture_tables(
                mixtures, self.latent_dim, self.num_classes
            )
        return self._mixtures

    def latents(self, n, seed=None, labels=None, latent="prior"):
        """Draws `n` latents from the prior or the export's mixture.

        `"gmm"` turns the seed's uniform noise into latents with
        `keras_vae_sampler.uniform_noise` (numpy), exactly as the sampling
        graph does inside; the mixture is read (and its hash checked) on
        first use. A seed gives the latents `vae.sample(..., latent="gmm")`
        gives.
        """
        check_choice("latent", latent, LATENT_SAMPLERS)
        if latent == "prior":
            return self.prior_latents(n, seed)
        n = self._check_count(n)
        tables = self._mixture_tables(latent)
        if self.num_classes is not None:
            labels = check_labels("labels", labels, self.num_classes, count=n)
        noise = uniform_noise.seeded_noise(seed, n, self.latent_dim)
        return uniform_noise.latents_from_noise(noise, tables, labels)

    @staticmethod
    def _check_count(n):
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n <= 0:
            raise ValueError(f"n must be a positive integer. Received: n={n!r}")
        return int(n)

    def sample_noise(self, noise, labels=None, output="image"):
        """Runs the sampling graph on noise of your own.

        Args:
            noise: float32 `(n, 1 + 2 * latent_dim)` in [0, 1) (see
                `keras_vae_sampler.uniform_noise`).
            labels: int or int array `(n,)`, for a conditional export.
            output: `"image"`, `"image_uint8"` or `"z"` (the latents the
                graph drew).

        Returns:
            The images, `(n, *output_shape)`, or the latents `(n, d)`.
        """
        if self.sample_entry is None:
            raise ValueError(
                "This export has no sampling graph (an older keras-vae wrote "
                "it); export it again, or use decode. Received: "
                f"format={self.format!r}"
            )
        noise = uniform_noise.check_noise(noise, self.latent_dim)
        return self._run(self.sample_entry, noise, labels, output)

    def sample(self, n, seed=None, labels=None, latent=None):
        """Draws `n` images.

        By default the sampling graph draws them from the seed's uniform
        noise, with the mixture the export carries (the prior when it has
        none); `latent="prior"` decodes N(0, I) latents drawn with numpy.

        Args:
            n: int > 0. Number of images.
            seed: int in [0, 2**32) or None. Seed of the portable generator
                (`uniform_noise.portable_uniform`), which the page shares.
            labels: int or int array `(n,)`: the classes to draw, for a
                conditional export.
            latent: `None` (the export's own sampler), `"gmm"` (the
                mixture; an error without one) or `"prior"`.

        Returns:
            A float32 array of shape `(n, *output_shape)`.
        """
        self._check_conditionality(labels)
        if latent is not None:
            check_choice("latent", latent, LATENT_SAMPLERS)
        if latent == "prior" or self.sample_entry is None:
            z = self.latents(n, seed, labels, latent or "prior")
            return self.decode(z, labels)
        n = self._check_count(n)
        if latent == "gmm":
            self._mixture_tables(latent)  # refused without a mixture
        noise = uniform_noise.seeded_noise(seed, n, self.latent_dim)
        return self.sample_noise(noise, labels)

    def __repr__(self):
        return (
            f"Sampler(format={self.format!r}, runtime={self.entry['runtime']!r}, "
            f"batch_size={self.batch_size}, latent_dim={self.latent_dim}, "
            f"output_shape={self.output_shape})"
        )


__all__ = ["Sampler"]
