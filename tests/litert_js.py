"""Runs `.tflite` files with LiteRT.js in headless Chromium, for tests that
compare Google's browser runtime (npm `@litertjs/core`) with the Python LiteRT
interpreter.

The page is driven by `tests/browser/litert_check.mjs` (playwright-core and
`@litertjs/core` from `npm ci`, Debian's `/usr/bin/chromium`). LiteRT.js
refuses models with dynamic input shapes: export them with a fixed batch.
"""

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from tests.browser_harness import static_server

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
LITERT_CHECK = ROOT / "tests" / "browser" / "litert_check.mjs"
LITERTJS = ROOT / "node_modules" / "@litertjs"

# What a page needs of LiteRT.js, as npm lays it out under node_modules/@litertjs:
# the ES module, the one module it imports, and the Wasm builds it picks from
# (by the browser's features: relaxed SIMD, threads, JSPI).
LITERTJS_FILES = ("core/dist/index.js", "wasm-utils/dist/index.js", "core/wasm")

DTYPES = ("float32", "int32", "uint8")


def litert_js_available():
    """Whether LiteRT.js can run here: Chromium, Node and the npm packages
    (playwright-core, @litertjs/core) are present.

    Returns:
        bool.
    """
    return (
        Path(CHROMIUM).exists()
        and shutil.which("node") is not None
        and (ROOT / "node_modules" / "playwright-core").is_dir()
        and all((LITERTJS / name).exists() for name in LITERTJS_FILES)
    )


def _feed(name, value):
    array = np.asarray(value)
    if array.dtype == np.float64:
        array = array.astype("float32")
    elif array.dtype == np.int64:
        array = array.astype("int32")
    if array.dtype.name not in DTYPES:
        raise ValueError(f"input {name!r}: LiteRT.js takes {DTYPES}, not {array.dtype}")
    return {
        "dtype": array.dtype.name,
        "shape": list(array.shape),
        "data": array.ravel().tolist(),
    }


def _stage(site, tflite_path):
    """Links the model and LiteRT.js's files into `site`."""
    os.symlink(Path(tflite_path).resolve(), site / "model.tflite")
    for name in LITERTJS_FILES:
        target = site / "litertjs" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(LITERTJS / name, target)


def run_litert_js(tflite_path, feeds, accelerator="wasm", runs=1, timeout=180):
    """Runs a `.tflite` file with LiteRT.js in headless Chromium.

    Serves the model and LiteRT.js from a temporary folder on 127.0.0.1,
    compiles the model for `accelerator` and runs its default signature on
    `feeds`, by input name.

    Args:
        tflite_path: path of the `.tflite` file. Its inputs must have fixed
            shapes (LiteRT.js refuses dynamic ones).
        feeds: dict of input name to array (float32, int32 or uint8; float64
            and int64 arrays are cast to float32 and int32).
        accelerator: `"wasm"` (CPU, XNNPack) or `"webgpu"` (with no GPU,
            Chromium's SwiftShader). Ops WebGPU cannot run go to wasm: the
            result's `"fully_accelerated"` is then false.
        runs: how many times to run the model; each run is timed and the
            outputs are the first run's.
        timeout: seconds for the whole check.

    Returns:
        The report of `tests/browser/litert_check.mjs`, a dict: `"ok"`; when
        true, `"inputs"` and `"output_details"` (lists of dicts with `name`,
        `dtype`, `shape`, in the model's order), `"outputs"` (dict of output
        name to numpy array), `"accelerator"`, `"fully_accelerated"`,
        `"ms_load"`, `"ms_compile"`, `"ms_runs"` (each run through reading
        its outputs back) and `"ms_run"` (the first); when false, `"error"`
        and `"stage"`. Always `"console"` (the page's console messages) and
        `"requests"` (the URLs the page fetched).
    """
    spec = {
        "litert_path": "litertjs/",
        "model": "model.tflite",
        "accelerator": accelerator,
        "feeds": {name: _feed(name, value) for name, value in feeds.items()},
        "runs": runs,
        # The page gives up first, so that its report still comes back.
        "timeout_ms": int(max(timeout - 15, timeout / 2) * 1000),
    }
    with tempfile.TemporaryDirectory(prefix="litert_js_") as site:
        _stage(Path(site), tflite_path)
        with static_server(site) as (url, _):
            result = subprocess.run(
                ["node", str(LITERT_CHECK), json.dumps({"url": url, **spec})],
                cwd=ROOT,
                capture_output=True,
                text=True,
                timeout=timeout,
            )
    if result.returncode != 0 or not result.stdout.strip():
        raise RuntimeError(
            f"litert_check.mjs failed ({result.returncode}): {result.stderr[-3000:]}"
        )
    report = json.loads(result.stdout.strip().splitlines()[-1])
    if report.get("ok"):
        report["outputs"] = {
            name: np.asarray(output["data"], output["dtype"]).reshape(output["shape"])
            for name, output in report["outputs"].items()
        }
    return report
