import json
import os
import socket
import subprocess
import sys

import numpy as np
import pytest

from tests.paths import ROOT


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
            mirrored["history"][key], single["history"][key], rtol=1e-6
        )
    # The README's claim: the weights match to 3e-8 (float32 rounding).
    gap = np.abs(np.subtract(mirrored["weights"], single["weights"])).max()
    assert gap <= 3e-8
    # A KL term counted twice (or halved) moves the weights far more.
    wrong = results["single_double_kl"]
    wrong_gap = np.abs(np.subtract(wrong["weights"], single["weights"])).max()
    assert wrong_gap > 1e-2 and wrong_gap > 100 * gap

    # Sampling noise on and a last batch split 11 + 10 over the replicas:
    # the replicas draw other noise than one device, so the runs match
    # only statistically, but a KL counted twice is still far off.
    noisy = {k: results[f"noisy_{k}"]["history"] for k in ("single", "mirrored")}
    double = results["noisy_double_kl"]["history"]
    for history in (*noisy.values(), double):
        assert np.all(np.isfinite(history["loss"]))
        assert history["loss"][-1] < history["loss"][0]
    np.testing.assert_allclose(
        noisy["mirrored"]["loss"], noisy["single"]["loss"], rtol=0.01
    )
    np.testing.assert_allclose(
        noisy["mirrored"]["kl_loss"], noisy["single"]["kl_loss"], rtol=0.1
    )
    assert not np.allclose(
        double["kl_loss"][1:], noisy["single"]["kl_loss"][1:], rtol=0.2
    )


def _free_ports(count):
    sockets = [socket.socket() for _ in range(count)]
    for sock in sockets:
        sock.bind(("127.0.0.1", 0))
    ports = [sock.getsockname()[1] for sock in sockets]
    for sock in sockets:
        sock.close()
    return ports


@pytest.mark.slow
def test_two_worker_multi_worker_mirrored_matches_one_worker(tmp_path):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    env.pop("TF_CONFIG", None)
    module = [sys.executable, "-m", "tests.multi_worker_training"]
    ports = [str(p) for p in _free_ports(2)]
    workers = [
        subprocess.Popen(
            [*module, str(tmp_path / f"worker{i}.json"), str(i), *ports],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )  # fmt: skip
        for i in range(2)
    ]
    single = subprocess.run(
        [*module, str(tmp_path / "single.json")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    assert single.returncode == 0, single.stderr[-3000:]
    try:
        outputs = [worker.communicate(timeout=240)[0] for worker in workers]
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
    for worker, output in zip(workers, outputs):
        assert worker.returncode == 0, output[-3000:]
    results = [json.loads((tmp_path / f"worker{i}.json").read_text()) for i in (0, 1)]
    reference = json.loads((tmp_path / "single.json").read_text())
    assert results[0]["replicas"] == 2 and reference["replicas"] == 1
    for result in results:
        for key in ("loss", "reconstruction_loss", "kl_loss"):
            np.testing.assert_allclose(
                result["history"][key], reference["history"][key], rtol=1e-4
            )
        gap = np.abs(np.subtract(result["weights"], reference["weights"])).max()
        assert gap < 1e-4
