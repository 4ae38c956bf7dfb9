"""Browser benchmark: the exported decoder in headless Chromium, on
onnxruntime-web (ONNX file) and LiteRT.js (fixed-batch LiteRT files), against
onnxruntime in Python on the same ONNX file.

Serves the page with `keras_vae_sampler.web_server` (as `keras-vae serve`
does, cross-origin isolated so wasm threads are allowed), drives Debian's
Chromium with playwright-core (`bench/browser_benchmark.mjs`) and measures:

- time to first image: from navigation start to the first drawn sample grid
  (64 samples), in a fresh browser context each time (nothing cached), and
  on repeat visits (reloads: files revalidated, compiled wasm reused);
- decode latency at batch 1 (`window.kerasVae.decode`, median of 1,000
  calls) and throughput at batch 64, per page: onnxruntime-web with 1 and 2
  wasm threads, LiteRT.js (one thread: the page ships its unthreaded builds);
- the same with `Sampler(..., runtime="onnx").decode` in Python, 1 and 2
  intra-op threads.

Usage (after `keras-vae train --output-dir runs/demo` and `keras-vae export
runs/demo/model.keras runs/demo/exported`):

    python -m bench.browser_benchmark --export-dir runs/demo/exported \\
        --json bench/results/browser_benchmark.json
"""

import argparse
import json
import os
import platform
import statistics
import threading
import time
from pathlib import Path

from bench.common import run_node
from keras_vae_sampler.sampler import Sampler
from keras_vae_sampler.web_server import make_server
from keras_vae_sampler.web_site import runtime_pin


def python_onnxruntime(export_dir, threads, calls, batches):
    sampler = Sampler(export_dir, runtime="onnx", num_threads=threads)
    labels = (
        None
        if sampler.num_classes is None
        else (lambda n: [i % sampler.num_classes for i in range(n)])
    )
    one = sampler.prior_latents(1, seed=1)
    many = sampler.prior_latents(64, seed=2)

    def decode(z):
        return sampler.decode(z, labels=None if labels is None else labels(len(z)))

    for _ in range(50):
        decode(one)
    single = []
    for _ in range(calls):
        start = time.perf_counter()
        decode(one)
        single.append((time.perf_counter() - start) * 1000)
    for _ in range(5):
        decode(many)
    start = time.perf_counter()
    for _ in range(batches):
        decode(many)
    seconds = time.perf_counter() - start
    single.sort()
    return {
        "batch1_ms_median": statistics.median(single),
        "batch1_ms_p90": single[int(len(single) * 0.9)],
        "batch64_images_per_s": 64 * batches / seconds,
        "batch64_ms": 1000 * seconds / batches,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--export-dir", required=True)
    parser.add_argument("--json", default=None)
    parser.add_argument("--navigations", type=int, default=7)
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--batches", type=int, default=200)
    parser.add_argument(
        "--pages",
        default="ort:1,ort:2,litert:1",
        help="the page's runtime and wasm threads, comma-separated",
    )
    parser.add_argument("--threads", default="1,2", help="Python onnxruntime's")
    args = parser.parse_args()
    threads = [int(t) for t in args.threads.split(",")]
    pages = [
        {"runtime": runtime, "threads": int(count)}
        for runtime, count in (page.split(":") for page in args.pages.split(","))
    ]

    server = make_server(args.export_dir, port=0)
    worker = threading.Thread(target=server.serve_forever, daemon=True)
    worker.start()
    url = "http://127.0.0.1:%d/" % server.server_address[1]
    spec = {
        "url": url,
        "pages": pages,
        "navigations": args.navigations,
        "calls": args.calls,
        "batches": args.batches,
    }
    try:
        browser = run_node("browser_benchmark.mjs", json.dumps(spec), timeout=900)
    finally:
        server.shutdown()
        server.server_close()
    outside = [r for r in browser.pop("requests") if not r.startswith(url)]
    if outside:
        raise SystemExit(f"requests left 127.0.0.1: {outside}")

    import onnxruntime

    manifest = json.loads((Path(args.export_dir) / "manifest.json").read_text())
    report = {
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "chromium": browser["chromium"],
            "onnxruntime_web": runtime_pin("onnxruntime-web")["version"],
            "litertjs": runtime_pin("litertjs")["version"],
            "onnxruntime": onnxruntime.__version__,
            "note": "shared 2-core machine; other jobs were running",
        },
        "model": {
            key: manifest["model"][key]
            for key in ("name", "latent_dim", "output_shape", "likelihood")
        },
        "onnx_size_bytes": manifest["artifacts"]["onnx"]["size_bytes"],
        "pages": {
            f"{p['runtime']}:{p['threads']}": "onnxruntime-web, ONNX"
            if p["runtime"] == "ort"
            else "LiteRT.js, fixed-batch float32 LiteRT files (batch 1 and 64)"
            for p in pages
        },
        "first_image_ms": {
            t: {
                "median": statistics.median(v),
                "min": min(v),
                "max": max(v),
                "runs": v,
            }
            for t, v in browser["first_image"].items()
        },
        "first_image_repeat_visit_ms": {
            t: {"median": statistics.median(v), "runs": v}
            for t, v in browser["first_image_repeat_visit"].items()
        },
        "browser_wasm": browser["decode"],
        "python_onnxruntime": {
            str(t): python_onnxruntime(args.export_dir, t, args.calls, args.batches)
            for t in threads
        },
    }
    text = json.dumps(report, indent=2, default=float)
    print(text)
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(text + "\n")
    keys = list(report["first_image_ms"])
    first, decode = report["first_image_ms"], browser["decode"]
    print("\n| page (runtime:threads) | " + " | ".join(keys) + " |")
    print("|---|" + "---|" * len(keys))
    rows = [
        ("first image (ms, median)", lambda k: first[k]["median"]),
        (
            "first image, repeat visit (ms, median)",
            lambda k: report["first_image_repeat_visit_ms"][k]["median"],
        ),
        ("batch 1 decode (ms, median)", lambda k: decode[k]["batch1_ms_median"]),
        ("batch 64 (images/s)", lambda k: decode[k]["batch64_images_per_s"]),
    ]
    for name, value in rows:
        print(f"| {name} | " + " | ".join(f"{value(k):.3g}" for k in keys) + " |")
    python = report["python_onnxruntime"]
    print("\nPython onnxruntime, batch 1 ms / batch 64 images/s by threads:")
    for t in threads:
        print(
            f"  {t}: {python[str(t)]['batch1_ms_median']:.3g} ms, "
            f"{python[str(t)]['batch64_images_per_s']:.3g} images/s"
        )


if __name__ == "__main__":
    main()
