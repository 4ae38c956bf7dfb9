"""From `pip install` to a page of samples from a preset (#27 goal: under
30 s on this machine), measured as a newcomer would go:

1. a fresh venv and `pip install "./sampler[onnx]"` (from the package
   registry's cache; no TensorFlow),
2. `keras-vae-sampler serve --preset mnist` until it prints its address,
3. Chromium opens the page until the first grid of samples is drawn
   (`bench/browser_benchmark.mjs`, onnxruntime-web, one navigation).

    python -m bench.preset_first_page --json bench/results/preset_first_page.json
"""

import argparse
import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from bench.common import ROOT
from bench.common import run_node


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work-dir", type=Path, default=ROOT / "runs" / "first_page")
    parser.add_argument("--preset", default="mnist")
    parser.add_argument("--json", type=Path, required=True)
    args = parser.parse_args()
    venv = args.work_dir / "venv"
    shutil.rmtree(venv, ignore_errors=True)
    args.work_dir.mkdir(parents=True, exist_ok=True)

    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet"]
        + ["./sampler[onnx]"],
        check=True,
        cwd=ROOT,
    )
    installed = time.perf_counter()
    server = subprocess.Popen(
        [str(venv / "bin" / "keras-vae-sampler"), "serve", "--preset", args.preset]
        + ["--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
        cwd=args.work_dir,
    )
    try:
        url = re.search(r"(http://\S+/)", server.stdout.readline()).group(1)
        serving = time.perf_counter()
        spec = {
            "url": url.replace("localhost", "127.0.0.1"),
            "pages": [{"runtime": "ort", "threads": 1}],
            "navigations": 1,
            "calls": 1,
            "batches": 1,
        }
        browser = run_node("browser_benchmark.mjs", json.dumps(spec), timeout=300)
        done = time.perf_counter()
    finally:
        server.terminate()
        server.wait(timeout=10)
    first_image = browser["first_image"]
    report = {
        "what": __doc__.split("\n\n")[0],
        "preset": args.preset,
        "install_s": installed - start,
        "serve_start_s": serving - installed,
        "browser_s": done - serving,
        "page_first_image_ms": first_image,
        "total_s": done - start,
    }
    args.json.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
