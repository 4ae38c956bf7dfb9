"""The JSON manifest written beside exported artifacts.

It tells an app everything it needs without TensorFlow: the latent size, the
output shape and dtype, the likelihood, each artifact's tensor names, sizes
and SHA-256, the tool versions, and the parity results. No TensorFlow or
Keras import here: the on-device sampler reads it.
"""

import hashlib
import json
import os
import re
import stat
from pathlib import Path

from keras_vae_sampler import schemas
from keras_vae_sampler.errors import ExportIntegrityError
from keras_vae_sampler.errors import ExportRuleError
from keras_vae_sampler.errors import ExportSchemaError
from keras_vae_sampler.errors import NewerExportError

MANIFEST_NAME = "manifest.json"
LATENT_SAMPLER_FILE = "latent_sampler_gmm.json"
MANIFEST_VERSION = 3
READABLE_VERSIONS = (1, 2, 3)
# Where an export's latents may come from: the prior N(0, I), or the
# Gaussian mixture fitted on posterior means.
LATENT_SAMPLERS = ("prior", "gmm")
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

    The path must be the schema's `relative_path` (no absolute path, no `..`
    part, no backslash); symbolic links that resolve outside the folder are
    refused too, so that a hand-edited manifest cannot
    make an app load a model from elsewhere.

    Args:
        export_dir: the export folder.
        relative: the path as the manifest writes it (POSIX, relative).
        what: the manifest field, for the error message.

    Returns:
        A `Path` inside `export_dir`.
    """
    export_dir = Path(export_dir)
    if not isinstance(relative, str) or not re.search(
        schemas.schema("manifest")["$defs"]["relative_path"]["pattern"], relative
    ):
        raise ExportSchemaError(
            f"The manifest's {what} must be a relative path inside the export "
            f"folder. Received: {what}={relative!r}"
        )
    path = export_dir.joinpath(*relative.split("/"))
    root = export_dir.resolve()
    if path.exists() and not path.resolve().is_relative_to(root):
        raise ExportIntegrityError(
            f"The manifest's {what} leads out of the export folder (a symbolic "
            f"link). Received: {what}={relative!r}"
        )
    return path


def verify_artifact(export_dir, entry):
    """Raises an `ExportIntegrityError` unless an artifact's files match the
    manifest."""
    artifact = contained_path(export_dir, entry["file"], "artifact file")
    for name in entry["files"]:
        contained_path(artifact if artifact.is_dir() else export_dir, name, "file")
    if not artifact.exists():
        raise ExportIntegrityError(
            f"The manifest lists {entry['file']} but it is missing. Received: "
            f"export_dir={str(export_dir)!r}"
        )
    actual = describe_files(artifact)["files"]
    if actual != entry["files"]:
        changed = sorted(
            set(actual) ^ set(entry["files"])
            | {k for k in actual if actual[k] != entry["files"].get(k)}
        )
        raise ExportIntegrityError(
            f"{entry['file']} does not match its manifest entry (changed or "
            f"corrupt: {changed}). Re-export it. Received: "
            f"export_dir={str(export_dir)!r}"
        )


def write_manifest(export_dir, manifest):
    """Writes `manifest.json` into `export_dir`; returns its path."""
    path = Path(export_dir) / MANIFEST_NAME
    path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return path


def read_json(path, received):
    """Parses a JSON file of an export or a preset: a regular file of at
    most `MAX_JSON_BYTES`; any decoding failure is one `ExportSchemaError`
    naming the file.

    Args:
        path: the file.
        received: the `Received: ...` tail of the messages, such as
            `"export_dir='exported'"`.
    """
    size = check_regular_file(path)
    if size > MAX_JSON_BYTES:
        raise ValueError(
            f"{path.name} is {size:,} bytes, more than any export writes "
            f"(at most {MAX_JSON_BYTES:,} are read). Received: {received}"
        )
    try:
        return json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as error:
        raise ExportSchemaError(
            f"{path.name} is not valid JSON ({error}). Received: {received}"
        ) from None


def _read_json(path, export_dir):
    return read_json(path, f"export_dir={str(export_dir)!r}")


def _rule(message, received):
    raise ExportRuleError(f"{MANIFEST_NAME}: {message}. Received: {received}")


def _check_tensors(key, where, tensors, required):
    roles = [tensor["role"] for tensor in tensors]
    if required not in roles or len(set(roles)) != len(roles):
        _rule(
            f"{where} need a {required!r} role and no role twice",
            f"artifacts[{key!r}].{where} roles={roles}",
        )


def _check_rules(manifest):
    """The rules of the manifest schema's description that no schema can
    express; `web/kerasvae.js` (`checkManifestRules`) checks the same."""
    from keras_vae_sampler.formats import artifact_key

    model = manifest["model"]
    num_classes = model.get("num_classes")
    names = model.get("class_names")
    if names is not None and len(names) != (num_classes or 0):
        _rule(
            "model.class_names must name each class, and only with num_classes",
            f"class_names={names!r}, num_classes={num_classes!r}",
        )
    for key, entry in manifest["artifacts"].items():
        expected = artifact_key(entry["format"], entry["graph"], entry["batch_size"])
        if key != expected:
            _rule(
                "each artifact's key must be its format, graph and batch size "
                f"(here {expected!r})",
                f"artifacts[{key!r}]",
            )
        _check_tensors(key, "inputs", entry["inputs"], GRAPH_INPUTS[entry["graph"]])
        _check_tensors(key, "outputs", entry["outputs"], "image")
        labelled = any(tensor["role"] == "label" for tensor in entry["inputs"])
        if labelled != (num_classes is not None):
            _rule(
                "artifacts take a label input exactly when model.num_classes is set",
                f"artifacts[{key!r}] label input={labelled}, "
                f"num_classes={num_classes!r}",
            )


def _upgrade(manifest):
    """Reads a version-1 manifest (one input, no roles) or a version-2 one
    (decoders only, any batch) as version 3."""
    artifacts = manifest.get("artifacts")
    for key, entry in artifacts.items() if isinstance(artifacts, dict) else ():
        if isinstance(entry, dict):
            entry.update(format=key, graph="decode", batch_size=None)
            for tensor in entry.get("inputs") or ():
                if isinstance(tensor, dict):
                    tensor.setdefault("role", "z")
    return {**manifest, "manifest_version": MANIFEST_VERSION}


def read_manifest(export_dir):
    """Reads and checks the `manifest.json` of an export folder.

    The manifest must follow `schemas/manifest.schema.json` and the rules
    its description states (the page checks the same): a malformed or
    hand-edited manifest gives one `ExportFormatError` (a `ValueError`):
    `ExportSchemaError`, `ExportRuleError`, or `NewerExportError` for a
    version newer than this reader's. Versions 1 and 2 are read as 3.

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
    if isinstance(version, int) and not isinstance(version, bool):
        if version > MANIFEST_VERSION:
            raise NewerExportError(
                f"{MANIFEST_NAME} is version {version}, written by a newer "
                f"keras-vae; this reader knows versions up to {MANIFEST_VERSION}. "
                "Upgrade: pip install --upgrade keras-vae-sampler. Received: "
                f"manifest_version={version}"
            )
        if version in READABLE_VERSIONS[:-1]:
            manifest = _upgrade(manifest)
    schemas.validate(manifest, "manifest", MANIFEST_NAME)
    _check_rules(manifest)
    return manifest


def read_latent_sampler(export_dir, manifest, verify=True):
    """Reads the export's Gaussian-mixture description, checked.

    Args:
        export_dir: the export folder.
        manifest: its manifest, from `read_manifest`.
        verify: bool. Check the file's SHA-256 against the manifest.

    Returns:
        The mixtures as numpy arrays (see `keras_vae_sampler.mixture_math`).
    """
    from keras_vae_sampler import mixture_math

    entry = (manifest.get("latent_samplers") or {}).get("gmm")
    if entry is None:
        raise ValueError(
            "This export carries no latent sampler but the prior; fit one "
            "(vae.fit_latent_sampler or keras-vae train --latent-sampler gmm) "
            "and export again. Received: latent='gmm'"
        )
    path = contained_path(export_dir, entry["file"], "latent sampler file")
    if not path.is_file():
        raise ExportIntegrityError(
            f"The manifest lists {entry['file']} but it is missing. Received: "
            f"export_dir={str(export_dir)!r}"
        )
    if verify and file_sha256(path) != entry["sha256"]:
        raise ExportIntegrityError(
            f"{entry['file']} does not match its manifest entry (changed or "
            f"corrupt). Re-export it. Received: export_dir={str(export_dir)!r}"
        )
    description = _read_json(path, export_dir)
    model = manifest["model"]
    return mixture_math.read_description(
        description, model["latent_dim"], model.get("num_classes")
    )
