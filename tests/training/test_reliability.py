import dataclasses
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import keras
import numpy as np
import pytest

import keras_vae
from keras_vae.training import run as training_run
from keras_vae.training.config import TrainingConfig
from keras_vae.training.run import TrainingDiverged
from keras_vae.training.run import run_training
from keras_vae_sampler.file_io import atomic_path
from tests.paths import ROOT


def cli(*args, **kwargs):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", PYTHONUNBUFFERED="1")
    return subprocess.Popen(
        [sys.executable, "-m", "keras_vae", *map(str, args)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        **kwargs,
    )


@pytest.mark.slow
def test_killed_training_resumes_and_finishes(small_idx_dir, tmp_path):
    epochs = 12
    args = [
        "train", "--data-dir", small_idx_dir, "--epochs", epochs,
        "--batch-size", 32, "--latent-dim", 4, "--seed", 1,
    ]  # fmt: skip
    out = tmp_path / "run"
    metadata = out / "checkpoints" / "backup" / "training_metadata.json"
    process = cli(*args, "--output-dir", out)
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and process.poll() is None:
        if (
            metadata.exists()
            and json.loads(metadata.read_text() or "{}").get("epoch", 0) >= 3
        ):
            break
        time.sleep(0.05)
    assert process.poll() is None, "training ended before it could be killed"
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    killed_at = json.loads(metadata.read_text())["epoch"]
    assert 3 <= killed_at < epochs
    assert not (out / "model.keras").exists()

    resumed = cli(*args, "--output-dir", out)
    output, _ = resumed.communicate(timeout=300)
    assert resumed.returncode == 0, output[-3000:]
    assert "Resuming" in output
    # The resumed process runs only the epochs after the last backup
    # (Keras' progress bar prints "Epoch n/12" as each begins).
    epochs_run = [int(n) for n in re.findall(rf"^Epoch (\d+)/{epochs}$", output, re.M)]
    assert epochs_run == list(range(killed_at + 1, epochs + 1)), output[-3000:]
    history = (out / "history.csv").read_text().splitlines()
    assert [int(row.split(",")[0]) for row in history[1:]] == list(range(epochs))
    assert not (out / "checkpoints").exists()
    model = keras.saving.load_model(out / "model.keras")
    assert isinstance(model, keras_vae.VAE)
    # The optimizer state came back with the weights: its step count went on
    # from the backup (2048 images / 32 = 64 steps per epoch) instead of
    # restarting at 0.
    assert int(model.optimizer.iterations.numpy()) == epochs * 64

    straight = cli(*args, "--output-dir", tmp_path / "straight")
    output, _ = straight.communicate(timeout=300)
    assert straight.returncode == 0, output[-3000:]
    resumed_elbo = json.loads((out / "metrics.json").read_text())
    straight_elbo = json.loads((tmp_path / "straight" / "metrics.json").read_text())
    assert resumed_elbo["epochs"] == straight_elbo["epochs"] == epochs
    assert resumed_elbo["test_negative_elbo"] == pytest.approx(
        straight_elbo["test_negative_elbo"], rel=0.05
    )


def test_divergence_stops_with_epoch_and_step_and_keeps_the_last_good_model(
    small_idx_dir, tmp_path, monkeypatch
):
    # A learning rate that jumps from 1e-3 to 1e8 after two epochs (2 x 16
    # steps of 128 images): real divergence in epoch 3.
    adam = keras.optimizers.Adam

    def exploding_adam(learning_rate):
        schedule = keras.optimizers.schedules.PiecewiseConstantDecay(
            [32], [learning_rate, 1e8]
        )
        return adam(schedule)

    monkeypatch.setattr(training_run.keras.optimizers, "Adam", exploding_adam)
    config = TrainingConfig(
        data_dir=str(small_idx_dir),
        epochs=5,
        latent_dim=4,
        likelihood="gaussian",
        output_dir=str(tmp_path / "run"),
    )
    with pytest.raises(TrainingDiverged, match=r"in epoch 3, by step \d+;") as error:
        run_training(config, verbose=0)
    assert "after epoch 2" in str(error.value)
    last_good = tmp_path / "run" / "checkpoints" / "last_good.keras"
    assert str(last_good) in str(error.value)
    model = keras.saving.load_model(last_good)
    assert all(np.all(np.isfinite(w)) for w in model.get_weights())
    assert not (tmp_path / "run" / "model.keras").exists()


def test_atomic_path_keeps_the_previous_file_when_a_write_fails(tmp_path):
    path = tmp_path / "model.keras"
    path.write_text("previous good file")
    with pytest.raises(RuntimeError, match="disk full"):
        with atomic_path(path) as tmp:
            Path(tmp).write_text("half a fi")
            raise RuntimeError("disk full")
    assert path.read_text() == "previous good file"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.keras"]


def test_a_failed_model_write_keeps_the_previous_outputs(
    small_idx_dir, tmp_path, monkeypatch
):
    config = TrainingConfig(
        data_dir=str(small_idx_dir),
        epochs=1,
        latent_dim=4,
        output_dir=str(tmp_path / "run"),
    )
    run_training(config, verbose=0)
    model_path = tmp_path / "run" / "model.keras"
    before = model_path.read_bytes()

    def failing_save(self, filepath, *args, **kwargs):
        Path(filepath).write_bytes(b"PK half-written")
        raise OSError("no space left on device")

    monkeypatch.setattr(keras_vae.VAE, "save", failing_save)
    with pytest.raises(OSError, match="no space left"):
        run_training(dataclasses.replace(config, overwrite=True), verbose=0)
    assert model_path.read_bytes() == before
    assert isinstance(keras.saving.load_model(model_path), keras_vae.VAE)
    assert not [p for p in (tmp_path / "run").iterdir() if p.name.startswith(".")]


REPRODUCE = """
import sys, numpy as np, keras, keras_vae
from tensorflow.python.framework import config
from keras_vae.cli import main
assert main(sys.argv[1:]) == 0
out = sys.argv[sys.argv.index("--output-dir") + 1]
model = keras.saving.load_model(out + "/model.keras")
np.savez(sys.argv[-1] + ".npz", *model.get_weights(), samples=model.sample(4, seed=2),
         op_determinism=config.is_op_determinism_enabled())
"""


def train_and_save(small_idx_dir, out, seed, *extra):
    command = [
        sys.executable, "-c", REPRODUCE, "train", "--data-dir", str(small_idx_dir),
        "--epochs", "2", "--latent-dim", "4", "--seed", str(seed), *extra,
        "--output-dir", str(out),
    ]  # fmt: skip
    done = subprocess.run(
        command,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2"),
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return dict(np.load(str(out) + ".npz"))


@pytest.mark.slow
def test_same_seed_gives_the_same_weights_and_samples(small_idx_dir, tmp_path):
    first, second = (
        train_and_save(small_idx_dir, tmp_path / run, 5, "--deterministic")
        for run in ("a", "b")
    )
    assert first.keys() == second.keys()
    for key in first:
        np.testing.assert_array_equal(first[key], second[key])
    # --deterministic turned TensorFlow's op determinism on (without it the
    # runs above may match by luck on a CPU).
    assert first["op_determinism"]
    # Another --seed trains another model: an ignored seed would give the
    # same weights, bit for bit.
    other = train_and_save(small_idx_dir, tmp_path / "c", 6, "--deterministic")
    weights = [key for key in first if key.startswith("arr_")]
    assert len(weights) > 4
    for key in weights:
        if first[key].size > 1 and first[key].std() > 0:
            assert np.abs(first[key] - other[key]).max() > 1e-3, key
    assert np.abs(first["samples"] - other["samples"]).mean() > 0.01


def test_no_pickle_or_eval_of_user_input():
    sources = list((ROOT / "keras_vae").rglob("*.py")) + list(
        (ROOT / "export").rglob("*.py")
    )
    assert len(sources) > 10
    forbidden = re.compile(
        r"\bimport pickle\b|\bpickle\.|\beval\(|\bexec\(|safe_mode\s*=\s*False"
        r"|allow_pickle\s*=\s*True|\bmarshal\b|__import__\("
    )
    for source in sources:
        assert not forbidden.search(source.read_text()), source


@pytest.mark.skipif(os.geteuid() != 0, reason="mknod of a device needs root")
def test_a_character_device_is_never_replaced(tmp_path):
    import stat

    from keras_vae_sampler.file_io import write_text_atomic

    device = tmp_path / "null"
    os.mknod(device, stat.S_IFCHR | 0o600, os.makedev(1, 3))
    with pytest.raises(ValueError, match="is a character device"):
        write_text_atomic(device, "text")
    assert stat.S_ISCHR(os.lstat(device).st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["null"]


@pytest.mark.slow
def test_sigterm_during_export_removes_its_staging_folder(tmp_path):
    """SIGTERM while the export converts: the command ends (status 143)
    and leaves neither the output folder nor its staging folder."""
    encoder, decoder = keras_vae.build_encoder_decoder("mlp", (28, 28, 1), 2)
    model_path = tmp_path / "model.keras"
    keras_vae.VAE(encoder, decoder).save(model_path)
    work = tmp_path / "work"
    work.mkdir()
    process = subprocess.Popen(
        [sys.executable, "-m", "keras_vae", "export", str(model_path),
         str(work / "out"), "--formats", "tflite,tflite-int8,onnx"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"},
    )  # fmt: skip
    deadline = time.monotonic() + 300
    while not list(work.iterdir()):  # the staging folder appears
        assert process.poll() is None, process.stderr.read().decode()[-2000:]
        assert time.monotonic() < deadline, "no staging folder within 300 s"
        time.sleep(0.05)
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=120) == 128 + signal.SIGTERM
    assert list(work.iterdir()) == []


def test_debug_shows_the_traceback_an_error_line_hides(capsys, monkeypatch):
    from keras_vae.cli import main

    missing = "/no/such/export"
    assert main(["sample", missing]) == 2
    assert "Traceback" not in capsys.readouterr().err
    with pytest.raises(ValueError, match="Received"):
        main(["--debug", "sample", missing])
    monkeypatch.setenv("KERAS_VAE_DEBUG", "1")
    with pytest.raises(ValueError, match="Received"):
        main(["sample", missing])
