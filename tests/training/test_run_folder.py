"""A run folder belongs to one run (#38): a finished run is replaced only
with --overwrite (and then completely), a second `train` into a folder in
use is refused, and a resume must use the options of its checkpoints."""

import json
import signal
import time

import pytest

from keras_vae.training.config import TrainingConfig
from keras_vae.training.run import run_training
from tests.training.test_reliability import cli


def _fake_export(folder):
    """An export folder as `keras-vae export` leaves it (a manifest)."""
    folder.mkdir()
    (folder / "manifest.json").write_text(
        json.dumps({"manifest_version": 3, "artifacts": {}})
    )


def test_overwrite_replaces_the_whole_finished_run(small_idx_dir, tmp_path):
    run = tmp_path / "run"
    options = dict(data_dir=str(small_idx_dir), epochs=1, latent_dim=4)
    first = run_training(
        TrainingConfig(**options, gmm_components=4, output_dir=str(run)), verbose=0
    )
    assert (run / "samples_gmm.png").exists()
    _fake_export(run / "exported")
    before = (run / "model.keras").read_bytes()

    with pytest.raises(ValueError, match="holds a finished run"):
        run_training(TrainingConfig(**options, output_dir=str(run)), verbose=0)
    assert (run / "model.keras").read_bytes() == before

    second = run_training(
        TrainingConfig(
            **options, latent_sampler="prior", output_dir=str(run), overwrite=True
        ),
        verbose=0,
    )
    # Only the new run's files remain: no mixture picture of the old model,
    # no export of the old model.
    assert sorted(p.name for p in run.iterdir()) == sorted(
        p.name for p in second["paths"].values()
    )
    assert len(first["paths"]) == len(second["paths"]) + 1
    assert (
        json.loads((run / "metrics.json").read_text())["arguments"]["latent_sampler"]
        == "prior"
    )


@pytest.mark.slow
def test_a_folder_in_use_is_refused_and_a_resume_must_match(small_idx_dir, tmp_path):
    run = tmp_path / "run"
    args = ["train", "--data-dir", small_idx_dir, "--epochs", 40,
            "--batch-size", 32, "--latent-dim", 4, "--output-dir", run]  # fmt: skip
    metadata = run / "checkpoints" / "backup" / "training_metadata.json"
    first = cli(*args)
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and first.poll() is None:
            if metadata.exists() and json.loads(metadata.read_text() or "{}"):
                break
            time.sleep(0.05)
        assert first.poll() is None, "training ended before the second started"
        second = cli(*args)
        output, _ = second.communicate(timeout=120)
        assert second.returncode == 2, output[-2000:]
        assert "Another `keras-vae train` is writing to this output folder" in output
        assert first.poll() is None  # the first run goes on
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)

    # Resuming the killed run with another latent size or dataset source is
    # refused, naming the options and the checkpoints folder.
    changed = cli(*[a if a != 4 else 8 for a in args])
    output, _ = changed.communicate(timeout=120)
    assert changed.returncode == 2, output[-2000:]
    assert "were made with other options (--latent-dim 4 -> 8)" in output
    assert f"delete '{run / 'checkpoints'}'" in output
    assert metadata.exists()  # nothing was lost


@pytest.mark.slow
def test_ctrl_c_ends_train_with_one_line(small_idx_dir, tmp_path):
    run = tmp_path / "run"
    process = cli("train", "--data-dir", small_idx_dir, "--epochs", 40,
                  "--latent-dim", 4, "--output-dir", run)  # fmt: skip
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and process.poll() is None:
        if (run / "checkpoints" / "history.csv").exists():
            break
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    output, _ = process.communicate(timeout=120)
    assert process.returncode == 130, output[-2000:]
    # The last line is the command's own; TensorFlow may log its own
    # traceback of the interrupted C++ call before it, but the command's
    # code raises nothing to the user.
    last = output.strip().splitlines()[-1]
    assert last.startswith("keras-vae train: interrupted (Ctrl-C)"), output[-2000:]
    assert "keras_vae_sampler/cli.py" not in output
    assert not (run / "model.keras").exists()
