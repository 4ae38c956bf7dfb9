"""The browser page of an export: which files it is made of, and a static copy.

The page (`web/` in the repository, installed as `keras_vae_export/web/`) is
plain HTML, CSS and ES modules; it reads `export/manifest.json` and runs the
export's ONNX sampling graph and decoder with onnxruntime-web (wasm).
`site_files` is the one list of what may be served or copied: the page's own
files, the pinned runtime files, `manifest.json` and the two ONNX files (the
fitted mixture is inside the sampling graph), each checked against its
SHA-256 and kept inside its folder. `keras-vae serve` serves exactly that
list; `keras-vae web` copies it.

The runtime is shipped, not fetched: onnxruntime-web 1.30.0's wasm backend
needs two files (`ort.wasm.bundle.min.mjs`, 73 KB, and
`ort-wasm-simd-threaded.wasm`, 14.2 MB; 3.7 MB gzipped in the wheel and in
git). Shipping them keeps `serve` and `web` offline and free of Node; their
version and SHA-256 are pinned once, in `web/vendor/onnxruntime-web/
PINNED.json`, and checked before every use.
"""

import json
import os
import shutil
import tempfile
from pathlib import Path

from keras_vae_export.manifest import MANIFEST_NAME
from keras_vae_export.manifest import contained_path
from keras_vae_export.manifest import file_sha256
from keras_vae_export.manifest import read_manifest
from keras_vae_export.manifest import verify_artifact
from keras_vae_export.output_folders import check_not_overlapping
from keras_vae_export.output_folders import check_replaceable
from keras_vae_export.output_folders import export_folder_files
from keras_vae_export.output_folders import replace_folder

PAGE_FILES = ("index.html", "app.js", "kerasvae.js", "drawing.js", "style.css")
RUNTIME_DIR = "vendor/onnxruntime-web"
RUNTIME_NOTICES = ("PINNED.json", "LICENSE")
EXPORT_PREFIX = "export"


def page_dir():
    """The folder of the page: `keras_vae_export/web` in an installed wheel,
    `web/` beside `export/` in a source checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "web", here.parent / "web"):
        if (candidate / "index.html").is_file():
            return candidate
    raise ValueError(
        "The web page's files are missing from this installation. Received: "
        f"searched={[str(here / 'web'), str(here.parent / 'web')]}"
    )


def runtime_pin():
    """The pinned onnxruntime-web: `{"version", "files": {name: {"size_bytes",
    "sha256"}}}`."""
    return json.loads((page_dir() / RUNTIME_DIR / "PINNED.json").read_text())


def _check_runtime(directory):
    pin = runtime_pin()
    for name, expected in pin["files"].items():
        path = directory / name
        if not path.is_file() or file_sha256(path) != expected["sha256"]:
            raise ValueError(
                f"The shipped onnxruntime-web {pin['version']} file {name} is "
                "missing or does not match its pinned SHA-256; reinstall "
                f"keras-vae. Received: path={str(path)!r}"
            )
    return pin


def _export_files(export_dir):
    """The export's files the page needs, checked: {relative name: path}."""
    export_dir = Path(export_dir)
    manifest = read_manifest(export_dir)
    entry = manifest["artifacts"].get("onnx")
    if entry is None or entry["runtime"] != "onnx":
        raise ValueError(
            "The page runs the ONNX decoder, and this export has none; export "
            "with `--formats onnx`. Received: "
            f"artifacts={sorted(manifest['artifacts'])}"
        )
    verify_artifact(export_dir, entry)
    path = contained_path(export_dir, entry["file"], "artifact file")
    if not path.is_file():
        raise ValueError(
            f"The ONNX artifact must be one file. Received: file={entry['file']!r}"
        )
    files = {MANIFEST_NAME: export_dir / MANIFEST_NAME, entry["file"]: path}
    sampling = manifest["artifacts"].get("onnx:sample")
    if sampling is not None:  # the sampling graph: the mixture is inside it
        verify_artifact(export_dir, sampling)
        files[sampling["file"]] = contained_path(
            export_dir, sampling["file"], "artifact file"
        )
    return files


def site_files(export_dir):
    """Everything the page of an export is made of, checked.

    Args:
        export_dir: folder written by `export_decoder`, with an ONNX artifact.

    Returns:
        A dict `{url path relative to the site root: (file, root folder)}`,
        where `file` lies inside `root folder`. Nothing else may be served.
    """
    page = page_dir()
    _check_runtime(page / RUNTIME_DIR)
    files = {name: (page / name, page) for name in PAGE_FILES}
    for name in (*runtime_pin()["files"], *RUNTIME_NOTICES):
        files[f"{RUNTIME_DIR}/{name}"] = (page / RUNTIME_DIR / name, page)
    export_root = Path(export_dir).resolve()
    for name, path in _export_files(export_dir).items():
        files[f"{EXPORT_PREFIX}/{name}"] = (path, export_root)
    return files


def site_folder_files(folder):
    """The files an earlier `write_site` wrote in `folder` (`None` if it is
    not a site): the page, the pinned runtime and the export copy its
    `export/manifest.json` lists."""
    folder = Path(folder)
    export = export_folder_files(folder / EXPORT_PREFIX)
    if export is None or not (folder / "index.html").is_file():
        return None
    runtime = (*runtime_pin()["files"], *RUNTIME_NOTICES)
    return {
        *PAGE_FILES,
        *(f"{RUNTIME_DIR}/{name}" for name in runtime),
        *(f"{EXPORT_PREFIX}/{name}" for name in export),
    }


def write_site(export_dir, site_dir, overwrite=False):
    """Writes a self-contained static folder: the page, the runtime and the
    export's files, to host on any static server.

    The folder is assembled under a temporary name beside `site_dir` and
    renamed into place; an existing `site_dir` is replaced only with
    `overwrite=True`, and only when it holds nothing but what an earlier
    `write_site` wrote. A `site_dir` that is, holds or lies inside
    `export_dir` is refused.

    Args:
        export_dir: folder written by `export_decoder`, with an ONNX artifact.
        site_dir: folder to create.
        overwrite: bool. Replace an existing `site_dir` written by an earlier
            `write_site`. Defaults to `False`.

    Returns:
        The sorted list of files written, relative to `site_dir`.
    """
    site_dir = Path(site_dir)
    check_not_overlapping(
        site_dir, {"export_dir": export_dir}, "site_dir", "site folder"
    )
    check_replaceable(
        site_dir, site_folder_files, "keras-vae web", overwrite, name="site_dir"
    )
    files = site_files(export_dir)
    site_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".site-", dir=site_dir.parent))
    try:
        for name, (path, _) in files.items():
            target = staging.joinpath(*name.split("/"))
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
        os.chmod(staging, 0o755)
        check_replaceable(  # again: the folder may have changed meanwhile
            site_dir, site_folder_files, "keras-vae web", overwrite, name="site_dir"
        )
        replace_folder(staging, site_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return sorted(files)
