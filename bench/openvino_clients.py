"""Which exported files Intel's OpenVINO runs, against the Python `Sampler`.

OpenVINO reads ONNX and TFLite files directly. It is not a dependency of
keras-vae, so this runs in two steps and two environments:

1. `--prepare` (the project's venv): exports three models with a latent
   of 16 (the default MLP, the conv-small conv decoder, and a conditional
   MLP with a per-class mixture; untrained: this measures whether a client
   computes what LiteRT and onnxruntime compute, not sample quality) in
   every ONNX and LiteRT format, fixed batch too, and writes each
   artifact's inputs (1,024 rows of the portable noise, or latents) and
   the image the project's own runtime gives.
2. `--json` (a venv with numpy and `openvino` only): compiles every file
   for OpenVINO's CPU device, with the float32 precision hint and with
   OpenVINO's default, runs it on the same inputs and records, per file,
   the largest difference or the error OpenVINO gave.

`make bench-clients` does both; the result is
`bench/results/openvino_clients.json`, which docs/clients.md cites.
"""

import argparse
import json
import platform
import sys
from pathlib import Path

import numpy as np

FORMATS = "onnx,tflite,tflite-fp16,tflite-int8,tflite-w8,tflite-w4"
BATCH = 1024
LATENT_DIM = 16
# On CPUs with bfloat16 units OpenVINO computes in bfloat16 unless told
# otherwise; float32 is what parity needs. Both are measured.
CONFIGS = {"f32 hint": {"INFERENCE_PRECISION_HINT": "f32"}, "default": {}}
MODELS = ("mlp", "conv-small", "conditional-mlp")


def client_model(name):
    """A model the client benchmarks export (untrained: they measure
    compatibility, not quality), with a latent mixture fitted on random
    images so the sampling graph holds one."""
    import keras_vae

    conditional = name.startswith("conditional-")
    architecture = name.removeprefix("conditional-")
    encoder, decoder = keras_vae.build_encoder_decoder(
        architecture, (28, 28, 1), LATENT_DIM, num_classes=10 if conditional else None
    )
    x = np.random.default_rng(0).random((200, 28, 28, 1)).astype("float32")
    if conditional:
        vae = keras_vae.ConditionalVAE(encoder, decoder, seed=0)
        vae.fit_latent_sampler(x, num_components=4, labels=np.arange(200) % 10)
    else:
        vae = keras_vae.VAE(encoder, decoder, seed=0)
        vae.fit_latent_sampler(x, num_components=4)
    return vae


def client_feeds(entry, latent_dim, conditional):
    """The inputs of a batch of BATCH for an exported artifact's graph."""
    from keras_vae_sampler import uniform_noise

    feeds = {"label": (np.arange(BATCH) % 10).astype("int32")} if conditional else {}
    if entry["graph"] == "sample":
        feeds["noise"] = uniform_noise.seeded_noise(1, BATCH, latent_dim)
    else:
        feeds["z"] = np.random.default_rng(2).standard_normal(
            (BATCH, latent_dim), dtype="float32"
        )
    return feeds


def prepare(export_dir, cases_path):
    cases = {}
    for name in MODELS:
        cases.update(_model_cases(name, Path(export_dir)))
    _save_cases(cases, cases_path)


def _model_cases(name, export_dir):
    from keras_vae_export import export_decoder
    from keras_vae_sampler.runtimes import open_runner

    vae = client_model(name)
    folder = export_dir / name
    manifest = export_decoder(
        vae, folder, formats=FORMATS, batch_sizes=(BATCH,), overwrite=True
    )
    cases = {}
    for key, entry in manifest["artifacts"].items():
        feeds = client_feeds(entry, vae.latent_dim, vae.num_classes is not None)
        runner = open_runner(entry["runtime"], folder / entry["file"])
        cases[f"{name}/{key}"] = {"file": f"{name}/{entry['file']}", "feeds": feeds,
                                  "image": runner.run(feeds)[0]}  # fmt: skip
    return cases


def _save_cases(cases, cases_path):
    arrays = {
        f"{key}|{name}": value
        for key, case in cases.items()
        for name, value in [*case["feeds"].items(), ("image", case["image"])]
    }
    np.savez(cases_path, **arrays)
    Path(cases_path).with_suffix(".files.json").write_text(
        json.dumps({key: case["file"] for key, case in cases.items()})
    )


def run(export_dir, cases_path, json_path):
    import openvino

    files = json.loads(Path(cases_path).with_suffix(".files.json").read_text())
    arrays = np.load(cases_path)
    results = {
        config: _run_config(openvino.Core(), CONFIGS[config], export_dir, files, arrays)
        for config in CONFIGS
    }
    Path(json_path).write_text(
        json.dumps(
            {
                "openvino": openvino.__version__,
                "configs": CONFIGS,
                "rows": BATCH,
                "latent_dim": LATENT_DIM,
                "python": platform.python_version(),
                "reference": "the project's own runtime (ai-edge-litert or "
                "onnxruntime) on the same file and inputs",
                "results": results,
            },
            indent=1,
        )
        + "\n"
    )


def _run_config(core, config, export_dir, files, arrays):
    """Every file compiled with `config`: {key: outcome}."""
    results = {}
    for key, file_name in files.items():
        feeds = {
            name.split("|", 1)[1]: arrays[name]
            for name in arrays.files
            if name.startswith(f"{key}|") and not name.endswith("|image")
        }
        expected = arrays[f"{key}|image"]
        try:
            compiled = core.compile_model(
                str(Path(export_dir) / file_name), "CPU", config
            )
            request = compiled.create_infer_request()
            # A port has every name of its tensor ("label" and the node's).
            outputs = request.infer(
                {
                    port: feeds[next(n for n in port.names if n in feeds)]
                    for port in compiled.inputs
                }
            )
            image = next(
                outputs[port] for port in compiled.outputs if "image" in port.names
            )
            results[key] = {
                "file": file_name,
                "runs": True,
                "max_abs_error": float(np.abs(image - expected).max()),
            }
        except Exception as error:  # OpenVINO raises its own RuntimeErrors.
            message = " ".join(str(error).split())[:300]
            results[key] = {"file": file_name, "runs": False, "error": message}
        print(config or "default", key, results[key], flush=True)
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--export-dir", required=True)
    parser.add_argument("--cases", required=True, help=".npz of inputs and images")
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--prepare", action="store_true")
    group.add_argument("--json", help="run with OpenVINO and write this JSON")
    args = parser.parse_args(argv)
    if args.prepare:
        prepare(args.export_dir, args.cases)
    else:
        run(args.export_dir, args.cases, args.json)


if __name__ == "__main__":
    sys.exit(main())
