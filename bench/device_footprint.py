"""What a device installs, and how soon it draws: the device package against
the full project, side by side (#26's goals).

1. Installs, each into a fresh venv under `--work-dir`: the device package
   with LiteRT (`keras-vae-sampler[litert]`), with both runtimes
   (`[litert,onnx]`), and the full project with its export extra
   (`keras-vae[export]`, TensorFlow included), from this checkout, not
   editable. Records each venv's size on disk (and an empty venv's, the
   part every venv has).
2. Times import-to-first-image in the device venvs: a fresh interpreter
   imports `keras_vae_sampler`, opens the export (manifest, schema and hash
   checks, the runtime's session) and draws one image; `--repeats` runs,
   median. The whole process (interpreter start included) is timed too.

The export is MNIST-sized: the default `keras-vae train` architecture,
untrained (timing and size do not depend on the weights), exported as
`tflite` and `onnx`.

    python -m bench.device_footprint --json bench/results/device_footprint.json
"""

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.common import ROOT
from bench.common import cpu_info
from bench.common import write_json

INSTALLS = {
    "empty venv": [],
    "keras-vae-sampler[litert]": ["./sampler[litert]"],
    "keras-vae-sampler[litert,onnx]": ["./sampler[litert,onnx]"],
    "keras-vae[export]": ["./sampler", ".[export]"],
}
TIMED = {
    "tflite": "keras-vae-sampler[litert]",
    "onnx": "keras-vae-sampler[litert,onnx]",
}
FIRST_IMAGE = """
import json, sys, time
start = time.perf_counter()
from keras_vae_sampler import Sampler
image = Sampler(sys.argv[1], runtime=sys.argv[2]).sample(1, seed=0)
seconds = time.perf_counter() - start
assert image.shape == (1, 28, 28, 1)
print(json.dumps({"seconds": seconds}))
"""


def folder_bytes(folder):
    return sum(p.stat().st_size for p in Path(folder).rglob("*") if p.is_file())


def install(name, requirements, work_dir):
    """A fresh venv with `requirements`; returns its path."""
    venv = work_dir / name.replace("[", "_").replace("]", "").replace(",", "_")
    shutil.rmtree(venv, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet"]
    if requirements:
        subprocess.run([*pip, *requirements], check=True, cwd=ROOT)
    return venv


def export_default(export_dir):
    """The default architecture, untrained, as tflite and onnx."""
    import keras_vae
    from keras_vae_export import export_decoder

    encoder, decoder = keras_vae.build_encoder_decoder("mlp", (28, 28, 1), 16)
    vae = keras_vae.VAE(encoder, decoder, seed=0)
    shutil.rmtree(export_dir, ignore_errors=True)
    export_decoder(vae, export_dir, formats="tflite,onnx")


def first_image(venv, export_dir, runtime, repeats):
    inside, whole = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        result = subprocess.run(
            [str(venv / "bin" / "python"), "-c", FIRST_IMAGE, str(export_dir), runtime],
            capture_output=True,
            text=True,
            check=True,
            cwd="/",
        )
        whole.append(time.perf_counter() - start)
        inside.append(json.loads(result.stdout.strip().splitlines()[-1])["seconds"])
    return {
        "import_to_first_image_s": statistics.median(inside),
        "process_to_first_image_s": statistics.median(whole),
        "runs_s": [round(s, 4) for s in inside],
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work-dir", type=Path, default=ROOT / "runs" / "footprint")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--json", type=Path, required=True)
    args = parser.parse_args()
    args.work_dir.mkdir(parents=True, exist_ok=True)
    export_dir = args.work_dir / "exported"
    export_default(export_dir)
    sizes, venvs = {}, {}
    for name, requirements in INSTALLS.items():
        venvs[name] = install(name, requirements, args.work_dir)
        sizes[name] = folder_bytes(venvs[name])
        print(f"{name}: {sizes[name] / 1e6:.0f} MB", flush=True)
    timings = {
        runtime: first_image(venvs[name], export_dir, runtime, args.repeats)
        for runtime, name in TIMED.items()
    }
    device, full = sizes["keras-vae-sampler[litert]"], sizes["keras-vae[export]"]
    result = {
        "what": "installed venv sizes (bytes on disk) and import-to-first-image "
        "(a fresh interpreter: import keras_vae_sampler, open the export, draw "
        "one 28x28 image), median of repeats",
        "machine": cpu_info(),
        "python": sys.version.split()[0],
        "installed_bytes": sizes,
        "device_over_full": round(device / full, 4),
        "first_image": timings,
        "export_files_bytes": {
            p.name: p.stat().st_size
            for p in sorted(export_dir.iterdir())
            if p.is_file()
        },
    }
    write_json(args.json, result)
    print(
        json.dumps(
            {k: result[k] for k in ("device_over_full", "first_image")}, indent=1
        )
    )


if __name__ == "__main__":
    main()
