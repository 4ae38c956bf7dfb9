"""What the benchmarks ran on: cores, CPU model, clock and AVX-512.

Benchmarks record this next to their timings, because the machines that run
them differ (Zen 3 without AVX-512 and Zen 4 with it have both run here) and
a time per step is only comparable on the same kind of CPU.
"""

import os
import platform


def cpu_info():
    """The CPU as /proc/cpuinfo reports it.

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
