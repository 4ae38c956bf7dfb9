"""The presets' recipes (tools/make_presets.py) are what made the shipped
folders: each metadata.json records the command of its recipe."""

import shlex

import pytest

from keras_vae_sampler import presets
from tools import make_presets


def test_every_preset_has_a_recipe():
    assert set(make_presets.RECIPES) == set(presets.PRESETS)


@pytest.mark.parametrize("name", sorted(presets.PRESETS))
def test_the_shipped_preset_was_made_by_its_recipe(name):
    _, metadata = presets.read_preset(name)
    command = shlex.split(metadata["training"]["command"])
    assert command == [
        "keras-vae", "train", *make_presets.RECIPES[name],
        "--output-dir", f"runs/presets/{name}",
    ]  # fmt: skip
    exported = {
        path.split("/", 1)[1]
        for path in metadata["files"]
        if path.startswith("exported/")
    }
    formats = {"tflite-int8": "decoder_int8.tflite", "onnx": "decoder.onnx"}
    assert {formats[f] for f in make_presets.EXPORT_FORMATS} <= exported
