import json
import re
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest

import keras_vae
from keras_vae.cli import build_parser
from keras_vae.cli import main


def train_args(data_dir, output_dir, *extra):
    return [
        "train",
        "--data-dir", str(data_dir),
        "--epochs", "2",
        "--batch-size", "64",
        "--latent-dim", "4",
        "--output-dir", str(output_dir),
        *extra,
    ]  # fmt: skip


def test_train_writes_model_history_metrics_and_pictures(
    tiny_idx_dir, tmp_path, capsys
):
    output_dir = tmp_path / "run"
    assert main(train_args(tiny_idx_dir, output_dir, "--warmup-epochs", "1")) == 0
    names = sorted(p.name for p in output_dir.iterdir())
    assert names == [
        "history.csv",
        "metrics.json",
        "model.keras",
        "reconstructions.png",
        "samples.png",
        "samples_gmm.png",
    ]
    printed = capsys.readouterr().out
    assert (
        "Test negative ELBO" in printed and str(output_dir / "model.keras") in printed
    )
    model = keras.saving.load_model(output_dir / "model.keras")
    assert isinstance(model, keras_vae.VAE) and model.latent_dim == 4
    metrics = json.loads((output_dir / "metrics.json").read_text())
    assert np.isfinite(metrics["test_negative_elbo"]) and metrics["epochs"] == 2
    history = (output_dir / "history.csv").read_text().splitlines()
    assert history[0].startswith("epoch,") and "val_loss" in history[0]
    assert len(history) == 3
    for png in ("reconstructions.png", "samples.png"):
        assert (output_dir / png).read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize(
    "extra",
    [
        ["--architecture", "conv", "--likelihood", "gaussian"],
        ["--binarize", "--beta", "0.5"],
    ],
)
def test_train_options(tiny_idx_dir, tmp_path, extra):
    assert main(train_args(tiny_idx_dir, tmp_path / "run", *extra)) == 0
    model = keras.saving.load_model(tmp_path / "run" / "model.keras")
    if "gaussian" in extra:
        assert isinstance(model.likelihood, keras_vae.GaussianLikelihood)
    else:
        assert model.likelihood.binarize and model.beta == 0.5


def test_train_with_the_iwae_objective(tiny_idx_dir, tmp_path):
    output_dir = tmp_path / "run"
    extra = ["--objective", "iwae", "--importance-samples", "3", "--no-dreg"]
    assert main(train_args(tiny_idx_dir, output_dir, *extra)) == 0
    model = keras.saving.load_model(output_dir / "model.keras")
    assert (model.objective, model.importance_samples, model.dreg) == (
        "iwae",
        3,
        False,
    )
    metrics = json.loads((output_dir / "metrics.json").read_text())
    # Both from the same samples; the bound is the tighter (up to the noise
    # of the one-sample KL against the closed form).
    assert np.isfinite(metrics["test_negative_iwae_bound"])
    assert metrics["test_negative_iwae_bound"] < metrics["test_negative_elbo"] + 1.0
    history = (output_dir / "history.csv").read_text().splitlines()[0]
    assert "negative_elbo" in history


@pytest.mark.parametrize(
    "option, value, message",
    [
        ("--latent-dim", "0", "must be a positive integer. Received: '0'"),
        ("--epochs", "two", "must be a positive integer. Received: 'two'"),
        ("--beta", "-1", "must be a finite number >= 0. Received: '-1'"),
        ("--beta", "nan", "Received: 'nan'"),
        ("--warmup-epochs", "-3", "must be an integer >= 0. Received: '-3'"),
        ("--likelihood", "poisson", "invalid choice: 'poisson'"),
        ("--architecture", "rnn", "invalid choice: 'rnn'"),
        ("--objective", "mle", "invalid choice: 'mle'"),
        ("--importance-samples", "0", "must be a positive integer. Received: '0'"),
        ("--learning-rate", "0", "must be > 0. Received: '0'"),
    ],
)
def test_bad_arguments_exit_with_a_clear_message(
    tmp_path, capsys, option, value, message
):
    with pytest.raises(SystemExit) as exit_info:
        main(["train", "--output-dir", str(tmp_path / "run"), option, value])
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "run").exists()


def test_bad_data_and_paths_exit_without_writing(tiny_idx_dir, tmp_path, capsys):
    output_dir = tmp_path / "run"
    (tiny_idx_dir / "train-images-idx3-ubyte.gz").write_bytes(b"\x1f\x8bbroken")
    assert main(train_args(tiny_idx_dir, output_dir)) == 2
    assert "Corrupt gzip data" in capsys.readouterr().err
    assert not output_dir.exists()

    assert main(train_args(tiny_idx_dir, output_dir, "--dataset", "nope")) == 2
    assert "Received: dataset='nope'" in capsys.readouterr().err

    a_file = tmp_path / "file"
    a_file.write_text("keep me")
    assert main(train_args(tiny_idx_dir, a_file)) == 2
    assert "Received: --output-dir=" in capsys.readouterr().err
    assert a_file.read_text() == "keep me"

    assert (
        main(
            train_args(
                tiny_idx_dir, output_dir, "--likelihood", "gaussian", "--binarize"
            )
        )
        == 2
    )
    assert "Received: --likelihood=gaussian" in capsys.readouterr().err


@pytest.mark.slow
def test_installed_command_runs():
    command = Path(sys.executable).parent / "keras-vae"
    assert command.exists(), "install the package: pip install -e ."
    result = subprocess.run(
        [str(command), "train", "--help"], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0
    assert "--warmup-epochs" in result.stdout


def test_parsing_and_help_start_no_tensorflow():
    """Every command's parser, and the data source evaluate builds from its
    arguments, come without TensorFlow (a fresh interpreter)."""
    code = (
        "import sys\n"
        "from keras_vae.cli import build_parser\n"
        "from keras_vae.training.config import data_source\n"
        "parser = build_parser()\n"
        "args = parser.parse_args(['evaluate', 'm.keras', '--dataset', 'a.npz'])\n"
        "assert data_source(args).validation_split == 0.1\n"
        "for command in ('train', 'evaluate', 'export', 'sample'):\n"
        "    try:\n"
        "        parser.parse_args([command, '--help'])\n"
        "    except SystemExit:\n"
        "        pass\n"
        "assert 'tensorflow' not in sys.modules, 'tensorflow imported'\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr


def test_cli_defaults_are_the_training_config_defaults():
    import dataclasses

    from keras_vae.training.config import TrainingConfig

    defaults = {f.name: f.default for f in dataclasses.fields(TrainingConfig)}
    parsed = vars(build_parser().parse_args(["train"]))
    assert {k: parsed[k] for k in defaults} == defaults


def test_progress_in_a_log_is_one_line_per_epoch_and_never_past_the_end(
    tiny_idx_dir, tmp_path, capsys
):
    """stdout is not a terminal here (as in a log file): one progress line per
    epoch, and with 8 steps per execution on 4-step epochs the count still
    ends at 4/4 (Keras alone prints 8/4)."""
    output_dir = tmp_path / "run"
    assert main(train_args(tiny_idx_dir, output_dir, "--latent-sampler", "prior")) == 0
    printed = re.sub(r"\x1b\[[0-9;]*m", "", capsys.readouterr().out)  # colours
    counts = [tuple(map(int, m)) for m in re.findall(r"(\d+)/(\d+) ━", printed)]
    counts += [tuple(map(int, m)) for m in re.findall(r"^(\d+)/(\d+) -", printed, re.M)]
    assert counts, printed
    assert all(done <= total for done, total in counts), counts
    progress_lines = [
        line for line in printed.splitlines() if re.match(r"\d+/\d+ ", line)
    ]
    assert len(progress_lines) == 2  # two epochs, one line each


@pytest.mark.parametrize(
    "extra, beta",
    [([], 1.0), (["--conditional"], 3.0), (["--conditional", "--beta", "1"], 1.0)],
)
def test_beta_default_is_chosen_per_model_kind(extra, beta):
    from keras_vae.training.config import TrainingConfig

    args = build_parser().parse_args(["train", *extra])
    config = TrainingConfig(conditional=args.conditional, beta=args.beta)
    assert config.beta == beta
