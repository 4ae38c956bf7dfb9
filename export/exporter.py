"""`export_decoder`: the decoder of a VAE to every requested format.

Every artifact is written into a temporary folder beside the output folder,
loaded back in its own runtime and compared with Keras (the parity gate);
only when every requested format passes is the folder moved into place,
with its `manifest.json`. A failure leaves nothing behind and an existing
output untouched.
"""

import importlib.metadata
import importlib.util
import json
import os
import shutil
import tempfile
from pathlib import Path

import keras

from keras_vae_export.decode_model import GRAPHS
from keras_vae_export.decode_model import build_export_model
from keras_vae_export.decode_model import input_entries
from keras_vae_export.decode_model import output_roles
from keras_vae_export.parity import PARITY_BATCH_SIZES
from keras_vae_export.parity import PARITY_SEED
from keras_vae_export.parity import compare_outputs
from keras_vae_export.parity import parity_inputs
from keras_vae_sampler import uniform_noise
from keras_vae_sampler.clients import wrong_in
from keras_vae_sampler.errors import ExportError
from keras_vae_sampler.errors import missing_runtime
from keras_vae_sampler.formats import FIXED_BATCH_RUNTIMES
from keras_vae_sampler.formats import FORMATS
from keras_vae_sampler.formats import artifact_file_name
from keras_vae_sampler.formats import artifact_key
from keras_vae_sampler.formats import parse_batch_sizes
from keras_vae_sampler.formats import parse_formats
from keras_vae_sampler.manifest import LATENT_SAMPLER_FILE
from keras_vae_sampler.manifest import MANIFEST_VERSION
from keras_vae_sampler.manifest import describe_files
from keras_vae_sampler.manifest import write_manifest
from keras_vae_sampler.output_folders import check_replaceable
from keras_vae_sampler.output_folders import export_folder_files
from keras_vae_sampler.output_folders import replace_folder
from keras_vae_sampler.runtimes import artifact_input_names
from keras_vae_sampler.runtimes import open_runner

VERSIONED_PACKAGES = (
    "keras-vae",
    "keras",
    "tensorflow",
    "tf2onnx",
    "onnx",
    "onnxruntime",
    "ai-edge-litert",
    "ai-edge-quantizer",
    "numpy",
)
REQUIRED_MODULES = {
    "tflite": [("ai_edge_litert", "ai-edge-litert")],
    "onnx": [("onnx", "onnx"), ("tf2onnx", "tf2onnx"), ("onnxruntime", "onnxruntime")],
    "savedmodel": [],
}


def _write_artifact(name, decode_model, path, inputs):
    runtime = FORMATS[name].runtime
    if runtime == "savedmodel":
        from keras_vae_export.savedmodel_format import write_savedmodel

        write_savedmodel(decode_model, path, inputs)
    elif runtime == "onnx":
        from keras_vae_export.onnx_format import write_onnx

        write_onnx(decode_model, path, inputs)
    else:
        from keras_vae_export.tflite_format import write_tflite

        write_tflite(decode_model, path, inputs, FORMATS[name].variant)


# The class whose instances (and subclasses' instances) export, by its
# Keras registered name: the exporter needs no class of keras_vae.
VAE_REGISTERED_NAME = "keras_vae>VAE"


def _check_vae(model):
    if isinstance(model, (str, os.PathLike)):
        raise ExportError(
            "export_decoder takes a model, not a file: load it first "
            "(keras.saving.load_model(path) after `import keras_vae`), or run "
            f"`keras-vae export {model} OUTPUT_DIR`. Received: model={str(model)!r}"
        )
    names = {keras.saving.get_registered_name(cls) for cls in type(model).__mro__}
    if VAE_REGISTERED_NAME not in names:
        raise ExportError(
            "Only a keras_vae.VAE (or ConditionalVAE) can be exported: the "
            "export holds its decoder and samples from its N(0, I) prior. "
            "Received: model of "
            f"type {type(model).__name__}"
        )
    return model


def _write_latent_samplers(vae, staging):
    """Writes the fitted latent sampler's description (if any) and returns
    the manifest's `latent_samplers` entry."""
    if getattr(vae, "latent_sampler", None) is None:
        return None
    path = staging / LATENT_SAMPLER_FILE
    path.write_text(json.dumps(vae.latent_sampler.describe()) + "\n")
    listing = describe_files(path)["files"][path.name]
    return {
        "prior": {"type": "standard_normal"},
        "gmm": {
            "type": "gaussian_mixture",
            "file": path.name,
            "num_components": vae.latent_sampler.num_components,
            "covariance_type": vae.latent_sampler.covariance_type,
            **listing,
        },
    }


def _class_names(vae):
    if vae.num_classes is None:
        return None
    names = getattr(vae, "class_names", None)
    return list(names) if names else [str(c) for c in range(vae.num_classes)]


def _check_destination(output_dir, overwrite):
    try:
        check_replaceable(
            output_dir, export_folder_files, "keras-vae export", overwrite
        )
    except ValueError as error:
        raise ExportError(str(error)) from None


def check_export_arguments(output_dir, formats, batch_sizes, overwrite):
    """The checks `export_decoder` makes before any work, also for callers
    that must make them before loading a model (`keras-vae export`).

    Returns:
        `(formats, batch_sizes)`, parsed.

    Raises:
        ExportError: an output folder that may not be replaced.
        ValueError: unknown formats or bad batch sizes.
        MissingRuntimeError: a converter or runtime a format needs.
    """
    _check_destination(Path(output_dir), overwrite)
    formats = parse_formats(formats)
    batch_sizes = parse_batch_sizes(batch_sizes)
    _check_modules(formats)
    return formats, batch_sizes


def _check_modules(formats):
    for name in formats:
        spec = FORMATS[name]
        for module, package in REQUIRED_MODULES[spec.runtime] + list(spec.modules):
            if importlib.util.find_spec(module) is None:
                raise missing_runtime(module, package)


def _versions():
    versions = {}
    for package in VERSIONED_PACKAGES:
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            versions[package] = None
    return versions


class _Graphs:
    """The Keras graphs to convert and their parity references, each built
    once per (graph, batch size)."""

    def __init__(self, vae, uint8_output):
        self.vae, self.uint8_output = vae, uint8_output
        self._built = {}

    def get(self, graph, batch_size):
        key = (graph, batch_size)
        if key not in self._built:
            model = build_export_model(self.vae, graph, self.uint8_output, batch_size)
            inputs = input_entries(self.vae, graph, batch_size)
            sizes = PARITY_BATCH_SIZES if batch_size is None else (batch_size,)
            batches = parity_inputs(inputs, self.vae.num_classes, sizes)
            references = {
                n: [
                    keras.ops.convert_to_numpy(model(arrays)[role])
                    for role in output_roles(self.uint8_output, graph)
                ]
                for n, arrays in batches.items()
            }
            self._built[key] = (model, inputs, batches, references)
        return self._built[key]


def _convert(name, graph, batch_size, graphs, staging, num_threads):
    """Writes one artifact, runs it in its runtime against Keras, and
    returns its manifest entry."""
    spec = FORMATS[name]
    model, inputs, batches, references = graphs.get(graph, batch_size)
    file_name = artifact_file_name(name, graph, batch_size)
    path = staging / file_name
    _write_artifact(name, model, path, inputs)
    runner = open_runner(spec.runtime, path, num_threads=num_threads)
    names = artifact_input_names(runner, inputs)
    roles = output_roles(graphs.uint8_output, graph)
    if runner.output_names != roles:
        raise ExportError(
            f"The converted {file_name} names its outputs {runner.output_names}, "
            f"not {roles}. Received: format={name!r}"
        )
    batch = -1 if batch_size is None else batch_size
    shapes = {
        "image": ([batch, *graphs.vae.example_shape], "float32"),
        "image_uint8": ([batch, *graphs.vae.example_shape], "uint8"),
        "z": ([batch, graphs.vae.latent_dim], "float32"),
    }
    return {
        "file": file_name,
        "format": name,
        "graph": graph,
        "batch_size": batch_size,
        "runtime": spec.runtime,
        "description": spec.description,
        "inputs": [{**entry, "name": n} for entry, n in zip(inputs, names)],
        "outputs": [
            {
                "role": role,
                "name": name,
                "shape": shapes[role][0],
                "dtype": shapes[role][1],
            }
            for role, name in zip(roles, runner.output_names)
        ],  # fmt: skip
        "parity": compare_outputs(runner, names, batches, references, spec, roles),
        **({"wrong_in": wrong_in(name)} if wrong_in(name) else {}),
        **_runtime_requirement(spec.runtime, path),
        **describe_files(path),
    }


def _runtime_requirement(runtime, path):
    """The oldest LiteRT runtime a `.tflite` file runs in, as it states it."""
    if runtime != "tflite":
        return {}
    from keras_vae_export.tflite_format import min_runtime_version

    return {"min_runtime_version": min_runtime_version(path)}


def export_decoder(
    model,
    output_dir,
    formats=None,
    overwrite=False,
    uint8_output=False,
    num_threads=None,
    batch_sizes=None,
):
    """Exports the decoder of a VAE for sampling on device.

    Each format gets two graphs: the decoder (`z`, `label`? -> `image`) and
    the sampler (`noise`, `label`? -> `image`), which holds the fitted
    latent mixture (or the prior) as constants and takes uniform noise (see
    `keras_vae_sampler.uniform_noise`). LiteRT formats also get a copy of
    each per fixed batch size. The manifest lists every artifact under
    `artifact_key(format, graph, batch_size)`.

    Args:
        model: a `keras_vae.VAE` (or `ConditionalVAE`). `keras-vae export`
            loads a `.keras` file and passes its model.
        output_dir: folder to create. It holds one artifact per format and
            `manifest.json`.
        formats: `None` (all), a list, or a comma-separated string of
            `savedmodel`, `tflite`, `tflite-fp16`, `tflite-int8`, `onnx`.
        overwrite: bool. Replace an existing, non-empty `output_dir` that an
            earlier export wrote; a folder holding any file the manifest
            does not list is refused (nothing is deleted). Defaults to
            `False`.
        uint8_output: bool. Add a second output with uint8 pixels, for apps
            that only display. Defaults to `False`.
        num_threads: int or None. Runtime threads for the parity check.
        batch_sizes: fixed batch sizes of the extra LiteRT files, for
            clients that refuse dynamic shapes (LiteRT.js, GPU delegates):
            a list of ints, a string such as `"1,64"`, `()` for none, or
            `None` for `(1, 64)`.

    Returns:
        The manifest, as a dict.

    Example:
    ```python
    manifest = export_decoder(vae, "exported/", formats="tflite,onnx")
    manifest["artifacts"]["tflite"]["parity"]["passed"]  # True
    ```
    """
    output_dir = Path(output_dir)
    formats, batch_sizes = check_export_arguments(
        output_dir, formats, batch_sizes, overwrite
    )
    vae = _check_vae(model)
    graphs = _Graphs(vae, uint8_output)
    latent_dim = vae.latent_dim
    output_shape = list(vae.example_shape)
    try:
        output_dir.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(
            tempfile.mkdtemp(prefix=f".{output_dir.name}.tmp-", dir=output_dir.parent)
        )
        umask = os.umask(0)
        os.umask(umask)
        staging.chmod(0o777 & ~umask)  # mkdtemp makes it private
    except OSError as error:
        raise ExportError(
            f"Cannot write next to the output folder ({error.strerror}). "
            f"Received: output_dir={str(output_dir)!r}"
        ) from None
    try:
        artifacts = {}
        for name in formats:
            fixed = batch_sizes if FORMATS[name].runtime in FIXED_BATCH_RUNTIMES else ()
            for graph in GRAPHS:
                for batch_size in (None, *fixed):
                    artifacts[artifact_key(name, graph, batch_size)] = _convert(
                        name, graph, batch_size, graphs, staging, num_threads
                    )
        failed = {
            n: a["parity"] for n, a in artifacts.items() if not a["parity"]["passed"]
        }
        if failed:
            raise ExportError(
                "Parity check failed: these artifacts differ from the Keras "
                f"decoder by more than their tolerance: {failed}. Nothing was "
                f"written. Received: formats={list(formats)}"
            )
        manifest = {
            "manifest_version": MANIFEST_VERSION,
            "model": {
                "latent_dim": latent_dim,
                "output_shape": output_shape,
                "output_dtype": "float32",
                "output_range": (
                    None
                    if vae.likelihood.output_range is None
                    else [float(v) for v in vae.likelihood.output_range]
                ),
                "likelihood": vae.likelihood_name,
                "num_classes": vae.num_classes,
                "class_names": _class_names(vae),
                "uint8_output": uint8_output,
                "prior": "standard normal N(0, I)",
                "noise_size": uniform_noise.noise_size(latent_dim),
                "name": vae.name,
            },
            "parity": {
                "batch_sizes": list(PARITY_BATCH_SIZES),
                "seed": PARITY_SEED,
                "reference": "Keras decoder, float32",
            },
            "artifacts": artifacts,
            "versions": _versions(),
        }
        samplers = _write_latent_samplers(vae, staging)
        if samplers:
            manifest["latent_samplers"] = samplers
        write_manifest(staging, manifest)
        # Checked again: the folder may have gained files while converting.
        _check_destination(output_dir, overwrite)
        replace_folder(staging, output_dir)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return manifest
