"""Which exported files TensorFlow.js runs, against the Python `Sampler`.

TF.js runs the SavedModel after `tensorflowjs_converter --input_format
tf_saved_model` (a TF.js graph model: `model.json` and weight shards). This
benchmark exports the client model of `bench/openvino_clients.py` (small,
conditional, a per-class mixture; with `--uint8`), converts both SavedModels
(decoder and sampling graph), runs them in Node with TF.js's pure JavaScript
backend (`cpu`) and its WebAssembly backend (`wasm`)
(`bench/tfjs_clients.mjs`), and records per graph and backend the largest
difference from the SavedModel run in TensorFlow, or TF.js's error.

The converter (pip `tensorflowjs` 4.22.0) is no dependency of keras-vae and
its own requirements do not install beside TensorFlow 2.21 (TF Decision
Forests 1.12 is built against TensorFlow 2.19), so `make bench-clients`
installs it and the modules it imports (`tf-keras`, `tensorflow-hub`, `jax`,
`jaxlib`) without their dependencies into `.venv-tfjs/` and puts that folder
on the converter's `PYTHONPATH`. The converter imports
`tensorflow_decision_forests` only to register that library's ops, which no
keras-vae graph uses: an empty module stands in for it.

Usage:
    python -m bench.tfjs_clients --tfjs-path .venv-tfjs \\
        --work-dir runs/clients/tfjs --json bench/results/tfjs_clients.json
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.common import ROOT
from bench.common import run_node
from bench.openvino_clients import client_feeds
from bench.openvino_clients import client_model

BACKENDS = ("cpu", "wasm")
CONVERTER = "tensorflowjs.converters.converter"


def convert(saved_model, output, tfjs_path):
    """Converts a SavedModel folder to a TF.js graph model folder."""
    with tempfile.TemporaryDirectory() as stub:
        Path(stub, "tensorflow_decision_forests.py").write_text(
            '"""Stand-in: the converter imports it only to register its ops."""\n'
        )
        environment = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(tfjs_path), stub]),
            "TF_CPP_MIN_LOG_LEVEL": "2",
        }
        subprocess.run(
            [sys.executable, "-m", CONVERTER, "--input_format=tf_saved_model",
             "--output_format=tfjs_graph_model", str(saved_model), str(output)],
            check=True, env=environment, capture_output=True, text=True,
        )  # fmt: skip


def tensor(array):
    return {
        "dtype": str(array.dtype),
        "shape": list(array.shape),
        "data": array.ravel().tolist(),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tfjs-path", required=True)
    parser.add_argument("--work-dir", required=True)
    parser.add_argument("--json", required=True)
    args = parser.parse_args(argv)
    from keras_vae_export import export_decoder
    from keras_vae_sampler.runtimes import open_runner

    work = Path(args.work_dir)
    vae = client_model("conditional-mlp")
    export_dir = work / "exported"
    manifest = export_decoder(
        vae, export_dir, formats="savedmodel", uint8_output=True, overwrite=True
    )
    cases = {}
    for key, entry in manifest["artifacts"].items():
        saved_model = export_dir / entry["file"]
        model_dir = work / "tfjs" / key.replace(":", "_")
        convert(saved_model, model_dir, Path(args.tfjs_path).resolve())
        feeds = client_feeds(entry, vae.latent_dim, conditional=True)
        outputs = open_runner("savedmodel", saved_model).run(feeds)
        names = [output["name"] for output in entry["outputs"]]
        cases[key] = {
            "model_dir": str(model_dir.resolve()),
            "feeds": {name: tensor(value) for name, value in feeds.items()},
            "expected": {n: tensor(v) for n, v in zip(names, outputs)},
        }
    spec_path = work / "cases.json"
    spec_path.write_text(json.dumps({"cases": cases, "backends": list(BACKENDS)}))
    report = run_node("tfjs_clients.mjs", str(spec_path), timeout=600)
    package = json.loads((ROOT / "package.json").read_text())["devDependencies"]
    text = json.dumps(
        {
            "tfjs": report["tfjs"],
            "converter": "tensorflowjs 4.22.0 (pip), tf_saved_model -> "
            "tfjs_graph_model",
            "npm": {k: v for k, v in package.items() if k.startswith("@tensorflow")},
            "node": subprocess.run(
                ["node", "--version"], capture_output=True, text=True
            ).stdout.strip(),
            "python": platform.python_version(),
            "reference": "the SavedModel run in TensorFlow on the same inputs",
            "artifacts": {
                key: {"file": manifest["artifacts"][key]["file"]} for key in cases
            },
            "results": report["backends"],
        },
        indent=1,
    )
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    sys.exit(main())
