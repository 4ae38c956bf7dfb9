"""The JSON manifest written beside exported artifacts.

It tells an app everything it needs without TensorFlow: the latent size, the
output shape and dtype, the likelihood, each artifact's tensor names, sizes
and SHA-256, the tool versions, and the parity results. No TensorFlow or
Keras import here: the on-device sampler reads it.
"""

import hashlib
import json
import os
import stat
from pathlib import Path

MANIFEST_NAME = "manifest.json"
LATENT_SAMPLER_FILE = "latent_sampler_gmm.json"
MANIFEST_VERSION = 3
READABLE_VERSIONS = (1, 2, 3)
GRAPH_INPUTS = {"decode": "z", "sample": "noise"}


# The largest JSON file of an export that is read (the manifest, the mixture
# file): the conditional MNIST mixture is 1.9 MB.
MAX_JSON_BYTES = 64 << 20


def check_regular_file(path):
    """Refuses a path that is not a regular file (after links): a FIFO, a
    device or a socket would block or never end when read. Returns its
    size in bytes."""
    info = os.stat(path)
    if not stat.S_ISREG(info.st_mode):
        raise ValueError(
            f"{Path(path).name} is not a regular file (a FIFO, device, socket "
            f"or folder), so it is not read. Received: path={str(path)!r}"
        )
    return info.st_size


def file_sha256(path):
    """The SHA-256 hex digest of a regular file, read in 1 MiB blocks."""
    check_regular_file(path)
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def describe_files(path):
    """Sizes and SHA-256 of an artifact (a file, or every file of a folder).

    Args:
        path: the artifact's file or folder.

    Returns:
        A dict `{"size_bytes": total, "files": {relative path: {"size_bytes",
        "sha256"}}}`; a single file is listed under its own name.
    """
    path = Path(path)
    files = (
        sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    )
    base = path if path.is_dir() else path.parent
    listing = {
        p.relative_to(base).as_posix(): {
            "size_bytes": p.stat().st_size,
            "sha256": file_sha256(p),
        }
        for p in files
    }
    return {
        "size_bytes": sum(f["size_bytes"] for f in listing.values()),
        "files": listing,
    }


def contained_path(export_dir, relative, what="file"):
    """The path of a file the manifest lists, refused unless it stays inside
    the export folder.

    Absolute paths, `..` parts, backslashes and symbolic links that resolve
    outside the folder are refused, so that a hand-edited manifest cannot
    make an app load a model from elsewhere.

    Args:
        export_dir: the export folder.
        relative: the path as the manifest writes it (POSIX, relative).
        what: the manifest field, for the error message.

    Returns:
        A `Path` inside `export_dir`.
    """
    export_dir = Path(export_dir)
    parts = relative.split("/") if isinstance(relative, str) else None
    if (
        not parts
        or relative.startswith("/")
        or "\\" in relative
        or ":" in relative
        or any(part in ("", ".", "..") for part in parts)
    ):
        raise ValueError(
            f"The manifest's {what} must be a relative path inside the export "
            f"folder. Received: {what}={relative!r}"
        )
    path = export_dir.joinpath(*parts)
    root = export_dir.resolve()
    if path.exists() and not path.resolve().is_relative_to(root):
        raise ValueError(
            f"The manifest's {what} leads out of the export folder (a symbolic "
            f"link). Received: {what}={relative!r}"
        )
    return path


def verify_artifact(export_dir, entry):
    """Raises a `ValueError` unless an artifact's files match the manifest."""
    artifact = contained_path(export_dir, entry["file"], "artifact file")
    for name in entry["files"]:
        contained_path(artifact if artifact.is_dir() else export_dir, name, "file")
    if not artifact.exists():
        raise ValueError(
            f"The manifest lists {entry['file']} but it is missing. Received: "
            f"export_dir={str(export_dir)!r}"
        )
    actual = describe_files(artifact)["files"]
    if actual != entry["files"]:
        changed = sorted(
            set(actual) ^ set(entry["files"])
            | {k for k in actual if actual[k] != entry["files"].get(k)}
        )
        raise ValueError(
            f"{entry['file']} does not match its manifest entry (changed or "
            f"corrupt: {changed}). Re-export it. Received: "
            f"export_dir={str(export_dir)!r}"
        )


def write_manifest(export_dir, manifest):
    """Writes `manifest.json` into `export_dir`; returns its path."""
    path = Path(export_dir) / MANIFEST_NAME
    path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return path


def _read_json(path, export_dir):
    """Parses a JSON file of the export; any decoding failure is one
    `ValueError` naming the file."""
    size = check_regular_file(path)
    if size > MAX_JSON_BYTES:
        raise ValueError(
            f"{path.name} is {size:,} bytes, more than any export writes "
            f"(at most {MAX_JSON_BYTES:,} are read). Received: "
            f"export_dir={str(export_dir)!r}"
        )
    try:
        return json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as error:
        raise ValueError(
            f"{path.name} is not valid JSON ({error}). Received: "
            f"export_dir={str(export_dir)!r}"
        ) from None


def _fail(message, received):
    raise ValueError(f"{MANIFEST_NAME}: {message}. Received: {received}")


def _is_int(value, low=0):
    return isinstance(value, int) and not isinstance(value, bool) and value >= low


def _check_tensor_entries(where, entries, roles, required):
    if not isinstance(entries, list) or not entries:
        _fail(f"{where} must be a non-empty list", f"{where}={entries!r}")
    for entry in entries:
        if not isinstance(entry, dict):
            _fail(f"each of {where} must be an object", f"{where} entry {entry!r}")
        if entry.get("role") not in roles:
            _fail(f"{where} roles must be in {roles}", f"role={entry.get('role')!r}")
        if not isinstance(entry.get("name"), str):
            _fail(f"{where} names must be strings", f"name={entry.get('name')!r}")
        shape = entry.get("shape")
        if not isinstance(shape, list) or not all(
            _is_int(d, 1) or d == -1 for d in shape
        ):
            _fail(f"{where} shapes must be lists of sizes", f"shape={shape!r}")
    found = [entry["role"] for entry in entries]
    if required not in found or len(set(found)) != len(found):
        _fail(f"{where} need a {required!r} role and no role twice", f"roles={found}")


def _check_model(model):
    if not isinstance(model, dict):
        _fail("'model' must be an object", f"model={model!r}")
    if not _is_int(model.get("latent_dim"), 1):
        _fail("model.latent_dim must be a positive integer", model.get("latent_dim"))
    shape = model.get("output_shape")
    if (
        not isinstance(shape, list)
        or not shape
        or not all(_is_int(d, 1) for d in shape)
    ):
        _fail("model.output_shape must be a list of positive integers", shape)
    classes = model.get("num_classes")
    if classes is not None and not _is_int(classes, 2):
        _fail("model.num_classes must be null or an integer >= 2", classes)
    names = model.get("class_names")
    if (
        classes is not None
        and names is not None
        and (
            not isinstance(names, list)
            or len(names) != classes
            or not all(isinstance(n, str) for n in names)
        )
    ):
        _fail("model.class_names must name each class", names)


def _check_artifacts(artifacts, num_classes):
    from keras_vae_export.formats import FORMATS
    from keras_vae_export.formats import RUNTIMES
    from keras_vae_export.formats import artifact_key

    if not isinstance(artifacts, dict) or not artifacts:
        _fail("'artifacts' must be a non-empty object", f"artifacts={artifacts!r}")
    for key, entry in artifacts.items():
        if not isinstance(entry, dict):
            _fail("each artifact must be an object", f"artifacts[{key!r}]")
        if not isinstance(entry.get("file"), str):
            _fail("artifact files must be strings", f"file={entry.get('file')!r}")
        if entry.get("runtime") not in RUNTIMES:
            _fail(f"artifact runtimes must be in {RUNTIMES}", entry.get("runtime"))
        files = entry.get("files")
        if not isinstance(files, dict) or not all(
            isinstance(f, str)
            and isinstance(d, dict)
            and isinstance(d.get("sha256"), str)
            and _is_int(d.get("size_bytes"))
            for f, d in files.items()
        ):
            _fail("artifact 'files' must map names to size and sha256", files)
        graph, batch = entry.get("graph"), entry.get("batch_size", "missing")
        if not isinstance(graph, str) or graph not in GRAPH_INPUTS:
            _fail(f"artifact graphs must be in {tuple(GRAPH_INPUTS)}", graph)
        if batch is not None and not _is_int(batch, 1):
            _fail("artifact batch_size must be null or >= 1", f"batch_size={batch!r}")
        format_name = entry.get("format")
        if (
            not isinstance(format_name, str)
            or format_name not in FORMATS
            or key != artifact_key(format_name, graph, batch)
        ):
            _fail(
                "each artifact's key must be its format, graph and batch size "
                "(such as 'tflite:sample@64')",
                f"artifacts[{key!r}] format={format_name!r}",
            )
        _check_tensor_entries(
            "inputs", entry.get("inputs"), ("z", "noise", "label"), GRAPH_INPUTS[graph]
        )
        _check_tensor_entries(
            "outputs", entry.get("outputs"), ("image", "image_uint8", "z"), "image"
        )
        labelled = any(tensor["role"] == "label" for tensor in entry["inputs"])
        if labelled != (num_classes is not None):
            _fail(
                "artifacts take a label input exactly when model.num_classes is set",
                f"artifacts[{key!r}] label input={labelled}, "
                f"num_classes={num_classes!r}",
            )


def _upgrade(manifest):
    """Reads a version-1 manifest (one input, no roles) or a version-2 one
    (decoders only, any batch) as version 3."""
    artifacts = manifest.get("artifacts")
    old = manifest.get("manifest_version") in (1, 2)
    for key, entry in artifacts.items() if isinstance(artifacts, dict) else ():
        if old and isinstance(entry, dict):
            entry.update(format=key, graph="decode", batch_size=None)
        if isinstance(entry, dict) and isinstance(entry.get("inputs"), list):
            for tensor in entry["inputs"]:
                if isinstance(tensor, dict):
                    tensor.setdefault("role", "z")
    return manifest


def read_manifest(export_dir):
    """Reads and checks the `manifest.json` of an export folder.

    Every field the sampler and the web page use is checked, so that any
    malformed or hand-edited manifest gives one `ValueError`.

    Args:
        export_dir: folder written by `export_decoder`.

    Returns:
        The manifest as a dict.
    """
    path = Path(export_dir) / MANIFEST_NAME
    if not path.is_file():
        raise ValueError(
            f"No {MANIFEST_NAME} in the export folder; export a model first "
            f"(keras-vae export). Received: export_dir={str(export_dir)!r}"
        )
    manifest = _read_json(path, export_dir)
    version = manifest.get("manifest_version") if isinstance(manifest, dict) else None
    if version not in READABLE_VERSIONS or isinstance(version, bool):
        raise ValueError(
            f"{MANIFEST_NAME} is not a keras-vae export manifest (versions "
            f"{READABLE_VERSIONS}). Received: manifest_version={version!r}"
        )
    manifest = _upgrade(manifest)
    _check_model(manifest.get("model"))
    _check_artifacts(manifest.get("artifacts"), manifest["model"].get("num_classes"))
    _check_latent_samplers(manifest.get("latent_samplers"))
    return manifest


def _check_latent_samplers(samplers):
    if samplers is None:
        return
    if not isinstance(samplers, dict) or not set(samplers) <= {"prior", "gmm"}:
        _fail("'latent_samplers' must be an object with prior and gmm", samplers)
    entry = samplers.get("gmm")
    if entry is not None and not (
        isinstance(entry, dict)
        and entry.get("type") == "gaussian_mixture"
        and isinstance(entry.get("file"), str)
        and isinstance(entry.get("sha256"), str)
        and _is_int(entry.get("size_bytes"))
    ):
        _fail("latent_samplers.gmm needs type, file, sha256 and size_bytes", entry)


def read_latent_sampler(export_dir, manifest, verify=True):
    """Reads the export's Gaussian-mixture description, checked.

    Args:
        export_dir: the export folder.
        manifest: its manifest, from `read_manifest`.
        verify: bool. Check the file's SHA-256 against the manifest.

    Returns:
        The mixtures as numpy arrays (see `keras_vae.samplers.mixture_math`).
    """
    from keras_vae.samplers import mixture_math

    entry = (manifest.get("latent_samplers") or {}).get("gmm")
    if entry is None:
        raise ValueError(
            "This export carries no latent sampler but the prior; fit one "
            "(vae.fit_latent_sampler or keras-vae train --latent-sampler gmm) "
            "and export again. Received: latent='gmm'"
        )
    path = contained_path(export_dir, entry["file"], "latent sampler file")
    if not path.is_file():
        raise ValueError(
            f"The manifest lists {entry['file']} but it is missing. Received: "
            f"export_dir={str(export_dir)!r}"
        )
    if verify and file_sha256(path) != entry["sha256"]:
        raise ValueError(
            f"{entry['file']} does not match its manifest entry (changed or "
            f"corrupt). Re-export it. Received: export_dir={str(export_dir)!r}"
        )
    description = _read_json(path, export_dir)
    model = manifest["model"]
    return mixture_math.read_description(
        description, model["latent_dim"], model.get("num_classes")
    )
