import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_mirrored_strategy_matches_one_device():
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    result = subprocess.run(
        [sys.executable, "-m", "tests.mirrored_training", "1.0"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.splitlines()
    line = next(text for text in lines if text.startswith("RESULTS "))
    results = json.loads(line[len("RESULTS ") :])
    single, mirrored = results["single"], results["mirrored"]
    assert mirrored["replicas"] == 2 and single["replicas"] == 1
    for key in ("loss", "reconstruction_loss", "kl_loss"):
        np.testing.assert_allclose(
            mirrored["history"][key], single["history"][key], rtol=1e-4
        )
    gap = np.abs(np.subtract(mirrored["weights"], single["weights"])).max()
    assert gap < 1e-4
    # A KL term counted twice (or halved) moves the weights far more.
    wrong = results["single_double_kl"]
    wrong_gap = np.abs(np.subtract(wrong["weights"], single["weights"])).max()
    assert wrong_gap > 1e-2 and wrong_gap > 100 * gap
