"""What the benchmark scripts share: the repository root, the machine they
ran on, MNIST, the samplers of an export, timed epochs, the Node scripts
and the results file.

The scripts run as modules from the repository root
(`python -m bench.quality ...`), so they import this as `bench.common`.
Only the standard library is imported at the top: the scripts that run in
other environments (`openvino_clients.py` under `.venv-openvino`) import
this module too; TensorFlow and the packages load inside the functions.
"""

import json
import os
import platform
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Every `jit_compile` x `steps_per_execution` pair the throughput
# benchmarks time (train_throughput.py, iwae_step_cost.py).
GRID = [(False, 1), (True, 1), (False, 8), (True, 8)]


def cpu_info():
    """The CPU as /proc/cpuinfo reports it.

    Benchmarks record this next to their timings, because the machines that
    run them differ (Zen 3 without AVX-512 and Zen 4 with it have both run
    here) and a time per step is only comparable on the same kind of CPU.

    Returns:
        A dict with `cores`, `cpu` (model name), `family` and `model`
        (numbers, for AMD: family 25 model 1 is Zen 3, model 17 is Zen 4),
        `clock_ghz` (the nominal clock; turbo is not visible) and `avx512`
        (whether AVX-512 F is on). Fields /proc/cpuinfo lacks are `None`.
    """
    info = {
        "cores": os.cpu_count(),
        "cpu": platform.processor() or platform.machine(),
        "family": None,
        "model": None,
        "clock_ghz": None,
        "avx512": False,
    }
    try:
        with open("/proc/cpuinfo") as handle:
            lines = handle.read().split("\n\n")[0].splitlines()
    except OSError:
        return info
    fields = {}
    for line in lines:
        key, _, value = line.partition(":")
        fields[key.strip()] = value.strip()
    info["cpu"] = fields.get("model name", info["cpu"])
    for key, field in (("family", "cpu family"), ("model", "model")):
        value = fields.get(field, "")
        info[key] = int(value) if value.isdigit() else None
    if fields.get("cpu MHz"):
        info["clock_ghz"] = float(fields["cpu MHz"]) / 1000.0
    info["avx512"] = "avx512f" in fields.get("flags", "").split()
    return info


def machine_and_python():
    """`cpu_info()` with the Python version (`"python": "3.12.3"`)."""
    return {**cpu_info(), "python": sys.version.split()[0]}


def mnist_images(split, count=None):
    """The first `count` MNIST images of `split` (all when `None`), float32
    in [0, 1], as `keras_vae.data.load_arrays` gives them."""
    from keras_vae import data

    images, _ = data.load_arrays("mnist", split)
    return images[:count]


def mnist_train_uint8(count=None):
    """The first `count` MNIST training images (all when `None`), uint8
    `(n, 28, 28, 1)` as the repository's IDX files hold them:
    `load_dataset` scales them inside its pipeline, which is what the
    training benchmarks time."""
    from keras_vae import data

    images, _ = data.read_idx_split(data.default_idx_dir("mnist"), "train")
    return images[:count]


def _any_batch_artifacts(export_dir, graph):
    from keras_vae_sampler.manifest import read_manifest

    return [
        entry
        for entry in read_manifest(export_dir)["artifacts"].values()
        if entry["graph"] == graph and entry["batch_size"] is None
    ]


def export_samplers(export_dir):
    """A `Sampler` per format of an export (its any-batch decoder and
    sampling graph), by format name, in the manifest's order."""
    from keras_vae_sampler import Sampler

    return {
        entry["format"]: Sampler(
            export_dir, runtime=entry["runtime"], format=entry["format"]
        )
        for entry in _any_batch_artifacts(export_dir, "decode")
    }


def artifact_sizes(export_dir, graph):
    """Bytes of each format's any-batch `graph` (`"decode"` or
    `"sample"`) in an export, by format name."""
    return {
        entry["format"]: entry["size_bytes"]
        for entry in _any_batch_artifacts(export_dir, graph)
    }


def interleaved_rates(runs, rounds):
    """Median images/s of each run over `rounds` rounds of one epoch each,
    the runs taking turns (so a slow spell of a shared machine hits them
    all), after one warm-up epoch each (tracing, XLA compilation). Epochs
    are timed by `keras_vae.training.callbacks.RecordEpochTime`.

    Args:
        runs: dict name -> (model, fit data, fit keyword arguments, images).
        rounds: int.

    Returns:
        dict name -> {"images_per_s", "epoch_seconds"}.
    """
    import statistics

    from keras_vae.training.callbacks import RecordEpochTime

    timer = RecordEpochTime()
    seconds = {name: [] for name in runs}
    for round_index in range(rounds + 1):
        for name, (model, data, fit_kwargs, _) in runs.items():
            history = model.fit(
                data, epochs=1, callbacks=[timer], verbose=0, **fit_kwargs
            )
            if round_index:
                seconds[name] += history.history["epoch_seconds"]
    return {
        name: {
            "images_per_s": runs[name][3] / statistics.median(times),
            "epoch_seconds": times,
        }
        for name, times in seconds.items()
    }


def run_node(script, argument, timeout):
    """Runs `node bench/<script> <argument>` from the repository root.

    Returns:
        The JSON object the script prints on its last line. A failed run
        raises `SystemExit` with the end of its stderr.
    """
    result = subprocess.run(
        ["node", str(ROOT / "bench" / script), argument],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode != 0:
        raise SystemExit(result.stderr[-3000:])
    return json.loads(result.stdout.strip().splitlines()[-1])


def write_json(path, report):
    """Writes `report` to `path` as the results files are written (indent
    2, a final newline), making its folder if needed."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2) + "\n")
