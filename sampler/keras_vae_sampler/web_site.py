"""The browser page of an export: which files it is made of, and a static copy.

The page (`keras_vae_sampler/web/`) is
plain HTML, CSS and ES modules; it reads `export/manifest.json` and runs the
export's sampling graph and decoder in the runtime the visitor picks:
onnxruntime-web (wasm, the ONNX files; the default) or LiteRT.js (wasm, the
fixed-batch float32 LiteRT files). `site_files` is the one list of what may be
served or copied: the page's own files, the pinned runtimes' files,
`manifest.json` and the export files the runtimes run (the fitted mixture is
inside the sampling graphs), each checked against its SHA-256 and kept inside
its folder. `keras-vae serve` serves exactly that list; `keras-vae web`
copies it.

The runtimes are shipped, not fetched, which keeps `serve` and `web` offline
and free of Node. `PAGE_RUNTIMES` lists them; each folder under `web/vendor/`
pins its npm release once, in its `PINNED.json` (version, and the size and
SHA-256 of every file), checked before every use:
- onnxruntime-web 1.30.0: `ort.wasm.bundle.min.mjs` (73 KB) and
  `ort-wasm-simd-threaded.wasm` (14.2 MB; 3.7 MB gzipped);
- LiteRT.js 2.5.3 (`@litertjs/core` and `@litertjs/wasm-utils`): the module,
  its one import, and two wasm builds (9.4 MB each, 2.8 MB gzipped; LiteRT.js
  picks the relaxed-SIMD build where the browser has it, else the compat one).
"""

import base64
import hashlib
import json
import os
import re
import shutil
import tempfile
from pathlib import Path

from keras_vae_sampler.manifest import MANIFEST_NAME
from keras_vae_sampler.manifest import contained_path
from keras_vae_sampler.manifest import file_sha256
from keras_vae_sampler.manifest import read_manifest
from keras_vae_sampler.manifest import verify_artifact
from keras_vae_sampler.output_folders import check_not_overlapping
from keras_vae_sampler.output_folders import check_replaceable
from keras_vae_sampler.output_folders import export_folder_files
from keras_vae_sampler.output_folders import replace_folder

PAGE_FILES = ("index.html", "app.js", "kerasvae.js", "drawing.js", "style.css")
VENDOR_DIR = "vendor"
# The runtimes the page ships: the folder under `web/vendor/` of each.
PAGE_RUNTIMES = ("onnxruntime-web", "litertjs")
# Everything under `web/vendor/`: the runtimes and the JSON Schema validator.
PAGE_VENDORED = (*PAGE_RUNTIMES, "json-schema")
RUNTIME_NOTICES = ("PINNED.json", "LICENSE")
# The export format's schemas, which the page validates manifests against.
SCHEMA_PREFIX = "schemas"
EXPORT_PREFIX = "export"


def page_dir():
    """The folder of the page, `keras_vae_sampler/web/`."""
    folder = Path(__file__).resolve().parent / "web"
    if not (folder / "index.html").is_file():
        raise ValueError(
            "The web page's files are missing from this installation; "
            f"reinstall keras-vae-sampler. Received: searched={str(folder)!r}"
        )
    return folder


def inline_script_hashes():
    """The CSP sources of the page's inline scripts (its one import map, which
    resolves LiteRT.js's bare import): `'sha256-...'` each, space-separated,
    for a `script-src` that allows nothing else inline."""
    html = (page_dir() / "index.html").read_text(encoding="utf-8")
    scripts = re.findall(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", html, re.S)
    return " ".join(
        "'sha256-{}'".format(
            base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()
        )
        for text in scripts
    )


def runtime_pin(runtime="onnxruntime-web"):
    """A shipped package's pin (a runtime of `PAGE_RUNTIMES`, or any of
    `PAGE_VENDORED`): `{"package", "version", "npm_root", "files":
    {path: {"size_bytes", "sha256"}}}`, paths relative to its folder (and to
    `node_modules/<npm_root>` in the npm install it was copied from)."""
    if runtime not in PAGE_VENDORED:
        raise ValueError(
            f"The page ships {PAGE_VENDORED}. Received: runtime={runtime!r}"
        )
    return json.loads((page_dir() / VENDOR_DIR / runtime / "PINNED.json").read_text())


def _runtime_files(runtime):
    """A shipped runtime's files, checked: {site path: path}."""
    pin = runtime_pin(runtime)
    folder = page_dir() / VENDOR_DIR / runtime
    for name, expected in pin["files"].items():
        path = folder.joinpath(*name.split("/"))
        if not path.is_file() or file_sha256(path) != expected["sha256"]:
            raise ValueError(
                f"The shipped {pin['package']} {pin['version']} file {name} is "
                "missing or does not match its pinned SHA-256; reinstall "
                f"keras-vae. Received: path={str(path)!r}"
            )
    names = (*pin["files"], *RUNTIME_NOTICES)
    return {
        f"{VENDOR_DIR}/{runtime}/{name}": folder.joinpath(*name.split("/"))
        for name in names
    }


def _schema_files():
    """The format's JSON Schemas, as the page fetches them: {site path: path}."""
    from keras_vae_sampler import schemas

    folder = Path(schemas.__file__).resolve().parent
    return {
        f"{SCHEMA_PREFIX}/{name}.schema.json": folder / f"{name}.schema.json"
        for name in schemas.SCHEMAS
    }


def _page_artifacts(manifest):
    """The manifest keys of the artifacts the page's runtimes run: the ONNX
    decoder and sampling graph (onnxruntime-web) and the fixed-batch float32
    LiteRT files of both graphs (LiteRT.js, which refuses dynamic shapes)."""
    return [
        key
        for key, entry in manifest["artifacts"].items()
        if entry["format"] == "onnx"
        or (entry["format"] == "tflite" and entry["batch_size"] is not None)
    ]


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
    files = {MANIFEST_NAME: export_dir / MANIFEST_NAME}
    for key in _page_artifacts(manifest):
        listed = manifest["artifacts"][key]
        verify_artifact(export_dir, listed)
        files[listed["file"]] = contained_path(
            export_dir, listed["file"], "artifact file"
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
    files = {name: (page / name, page) for name in PAGE_FILES}
    for runtime in PAGE_VENDORED:
        for name, path in _runtime_files(runtime).items():
            files[name] = (path, page)
    for name, path in _schema_files().items():
        files[name] = (path, path.parent)
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
    runtimes = (
        f"{VENDOR_DIR}/{runtime}/{name}"
        for runtime in PAGE_VENDORED
        for name in (*runtime_pin(runtime)["files"], *RUNTIME_NOTICES)
    )
    return {
        *PAGE_FILES,
        *runtimes,
        *_schema_files(),
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
