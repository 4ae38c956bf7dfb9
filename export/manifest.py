"""The JSON manifest written beside exported artifacts.

It tells an app everything it needs without TensorFlow: the latent size, the
output shape and dtype, the likelihood, each artifact's tensor names, sizes
and SHA-256, the tool versions, and the parity results. No TensorFlow or
Keras import here: the on-device sampler reads it.
"""

import hashlib
import json
from pathlib import Path

MANIFEST_NAME = "manifest.json"
MANIFEST_VERSION = 1


def _sha256(path):
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
            "sha256": _sha256(p),
        }
        for p in files
    }
    return {
        "size_bytes": sum(f["size_bytes"] for f in listing.values()),
        "files": listing,
    }


def verify_artifact(export_dir, entry):
    """Raises a `ValueError` unless an artifact's files match the manifest."""
    artifact = Path(export_dir) / entry["file"]
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


def read_manifest(export_dir):
    """Reads and checks the `manifest.json` of an export folder.

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
    try:
        manifest = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ValueError(
            f"{MANIFEST_NAME} is not valid JSON ({error}). Received: "
            f"export_dir={str(export_dir)!r}"
        ) from None
    version = manifest.get("manifest_version") if isinstance(manifest, dict) else None
    if version != MANIFEST_VERSION or "artifacts" not in manifest:
        raise ValueError(
            f"{MANIFEST_NAME} is not a keras-vae export manifest (version "
            f"{MANIFEST_VERSION}). Received: manifest_version={version!r}"
        )
    return manifest
