"""The presets that ship with the device package: sampled and served with
no TensorFlow and no training; bad preset names and altered files refused."""

import http.client
import json
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest

from keras_vae_sampler import Sampler
from keras_vae_sampler import presets
from keras_vae_sampler.cli import main
from keras_vae_sampler.errors import ExportIntegrityError


@pytest.mark.parametrize("name", sorted(presets.PRESETS))
def test_every_preset_ships_checked_with_its_training_record(name):
    folder, metadata = presets.read_preset(name)
    assert folder == presets.BUNDLED_DIR / name
    preset = presets.PRESETS[name]
    assert metadata["class_name"] == f"keras_vae>{preset.class_name}"
    training = metadata["training"]
    assert training["command"].startswith("keras-vae train ")
    assert training["seed"] == 0 and training["train_seconds"] > 0
    manifest = json.loads((folder / "exported" / "manifest.json").read_text())
    # The page's two runtimes need ONNX; small devices the int8 LiteRT file.
    assert {entry["format"] for entry in manifest["artifacts"].values()} == {
        "tflite-int8",
        "onnx",
    }


@pytest.mark.parametrize("name", sorted(presets.PRESETS))
@pytest.mark.parametrize("runtime", ["tflite", "onnx"])
def test_preset_samples_on_both_runtimes(name, runtime, tmp_path, capsys):
    out = tmp_path / "grid.png"
    main(
        [
            "sample",
            "--preset",
            name,
            "--runtime",
            runtime,
            "-n",
            "16",
            "--out",
            str(out),
        ]
    )
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "16 samples from" in capsys.readouterr().out
    sampler = Sampler(presets.preset_export_dir(name), runtime=runtime)
    labels = None if sampler.num_classes is None else np.arange(16) % 10
    images = sampler.sample(16, seed=0, labels=labels)
    assert images.shape == (16, 28, 28, 1)
    # A trained model's samples are digits, not noise: mostly ink-free
    # background with some strokes.
    assert 0.05 < images.mean() < 0.3


def test_serve_preset_answers_on_loopback():
    process = subprocess.Popen(
        [sys.executable, "-m", "keras_vae_sampler.cli", "serve", "--preset", "mnist"]
        + ["--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline()
        port = int(re.search(r":(\d+)/", line).group(1))
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("GET", "/export/manifest.json")
        response = connection.getresponse()
        assert response.status == 200
        served = json.loads(response.read())
        expected = presets.preset_export_dir("mnist") / "manifest.json"
        assert served == json.loads(expected.read_text())
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_unknown_preset_is_refused_with_the_known_names(capsys):
    assert main(["sample", "--preset", "mnst", "--out", "x.png"]) == 2
    error = capsys.readouterr().err
    assert f"Expected one of {sorted(presets.PRESETS)}" in error
    assert "Received: preset='mnst'" in error


def test_export_folder_and_preset_together_are_refused(capsys):
    assert main(["sample", "some/export", "--preset", "mnist"]) == 2
    assert "not both or neither" in capsys.readouterr().err


@pytest.mark.parametrize("fault", ["missing", "altered"])
def test_a_preset_copy_with_a_missing_or_altered_file_is_refused(tmp_path, fault):
    copy = tmp_path / "mnist"
    shutil.copytree(presets.BUNDLED_DIR / "mnist", copy)
    target = copy / "exported" / "sampler_int8.tflite"
    if fault == "missing":
        target.unlink()
        match = "missing files its metadata.json lists"
    else:
        data = bytearray(target.read_bytes())
        data[100] ^= 0x01
        target.write_bytes(bytes(data))
        match = "altered: \\['exported/sampler_int8.tflite'\\]"
    with pytest.raises(ExportIntegrityError, match=match):
        presets.preset_export_dir(copy)
    assert (
        main(["sample", "--preset", str(copy), "--out", str(tmp_path / "x.png")]) == 2
    )
    assert not (tmp_path / "x.png").exists()
