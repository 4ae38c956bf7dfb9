"""Presets: `save_to_preset` / `from_preset` round trips, the presets that
ship with the package, and the bad inputs of both (issue 27)."""

import json
import re

import numpy as np
import pytest

import keras_vae
from keras_vae_sampler import presets
from keras_vae_sampler.cli import main as sampler_main
from keras_vae_sampler.errors import ExportIntegrityError
from tests.small_networks import small_encoder_decoder

SHAPE = (8, 8, 1)


def _model(num_classes=None, fitted=True):
    encoder, decoder = small_encoder_decoder("mlp", SHAPE, 2, num_classes=num_classes)
    cls = keras_vae.VAE if num_classes is None else keras_vae.ConditionalVAE
    vae = cls(encoder, decoder, seed=3)
    if fitted:
        images = np.random.default_rng(0).random((40, *SHAPE), dtype="float32")
        labels = None if num_classes is None else np.arange(40) % num_classes
        vae.fit_latent_sampler(images, num_components=2, labels=labels)
    return vae


def _same_model(loaded, saved, labels=None):
    z = np.random.default_rng(1).normal(size=(5, 2)).astype("float32")
    inputs = z if labels is None else [z, labels]
    np.testing.assert_array_equal(
        np.asarray(loaded.decoder(inputs)), np.asarray(saved.decoder(inputs))
    )
    kwargs = {} if labels is None else {"labels": labels}
    np.testing.assert_array_equal(
        loaded.sample(5, seed=2, latent="gmm", **kwargs),
        saved.sample(5, seed=2, latent="gmm", **kwargs),
    )


@pytest.mark.parametrize("num_classes", [None, 3])
def test_save_to_preset_round_trips(tmp_path, num_classes):
    vae = _model(num_classes)
    folder = vae.save_to_preset(tmp_path / "preset", training={"seed": 0})
    cls = type(vae)
    loaded = cls.from_preset(folder)
    assert type(loaded) is cls
    labels = None if num_classes is None else np.arange(5) % num_classes
    _same_model(loaded, vae, labels)
    metadata = json.loads((folder / "metadata.json").read_text())
    assert set(metadata["files"]) == {"config.json", "model.weights.h5"}
    assert metadata["training"] == {"seed": 0}
    assert metadata["class_name"] == f"keras_vae>{cls.__name__}"
    assert metadata["parameter_count"] == vae.count_params()
    assert loaded.compiled
    # The base class loads a subclass's preset; another class is refused.
    assert isinstance(keras_vae.VAE.from_preset(folder), cls)


def test_preset_with_export_samples_from_the_command_line(tmp_path):
    vae = _model()
    folder = vae.save_to_preset(tmp_path / "preset", export_formats="onnx")
    metadata = json.loads((folder / "metadata.json").read_text())
    assert "exported/manifest.json" in metadata["files"]
    assert "exported/sampler.onnx" in metadata["files"]
    out = tmp_path / "grid.png"
    argv = ["sample", "--preset", str(folder), "--runtime", "onnx", "-n", "4"]
    sampler_main([*argv, "--out", str(out)])
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_conditional_preset_is_not_a_plain_vae_of_another_class(tmp_path):
    folder = _model().save_to_preset(tmp_path / "preset")
    with pytest.raises(ValueError, match="holds a 'keras_vae>VAE', not ConditionalVAE"):
        keras_vae.ConditionalVAE.from_preset(folder)


def test_unknown_preset_lists_the_known_ones():
    known = sorted(presets.PRESETS)
    with pytest.raises(ValueError, match=re.escape(f"Expected one of {known}")):
        keras_vae.VAE.from_preset("mnist_typo")
    assert {"mnist", "mnist_conditional", "mnist_small"} <= set(known)


@pytest.mark.parametrize("fault", ["missing", "altered", "added"])
def test_preset_with_a_missing_altered_or_added_file_is_refused(tmp_path, fault):
    folder = _model().save_to_preset(tmp_path / "preset")
    weights = folder / "model.weights.h5"
    if fault == "missing":
        weights.unlink()
        match = "missing files its metadata.json lists: \\['model.weights.h5'\\]"
    elif fault == "altered":  # same size, one byte changed
        data = bytearray(weights.read_bytes())
        data[-1] ^= 0xFF
        weights.write_bytes(bytes(data))
        match = "altered: \\['model.weights.h5'\\]"
    else:
        (folder / "notes.txt").write_text("mine")
        match = "not listed: \\['notes.txt'\\]"
    with pytest.raises(ExportIntegrityError, match=match):
        keras_vae.VAE.from_preset(folder)


def test_save_to_preset_refuses_a_non_empty_folder_and_deletes_nothing(tmp_path):
    vae = _model(fitted=False)
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "notes.txt").write_text("keep me")
    with pytest.raises(
        ValueError, match="exists and is not empty; pass overwrite=True"
    ):
        vae.save_to_preset(folder)
    with pytest.raises(ValueError, match="has no preset metadata.json\\); nothing was"):
        vae.save_to_preset(folder, overwrite=True)
    assert [p.name for p in folder.iterdir()] == ["notes.txt"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_save_to_preset_overwrites_its_own_preset_only(tmp_path):
    folder = _model(fitted=False).save_to_preset(tmp_path / "preset")
    vae = _model()
    vae.save_to_preset(folder, overwrite=True)
    _same_model(keras_vae.VAE.from_preset(folder), vae)
    (folder / "notes.txt").write_text("mine")
    with pytest.raises(
        ValueError, match="also holds files it did not write: \\['notes.txt'\\]"
    ):
        vae.save_to_preset(folder, overwrite=True)
    assert (folder / "notes.txt").exists()


def test_failed_save_to_preset_leaves_nothing(tmp_path):
    vae = _model()
    with pytest.raises(ValueError):
        vae.save_to_preset(tmp_path / "preset", export_formats="no-such-format")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "name, cls",
    [("mnist", keras_vae.VAE), ("mnist_conditional", keras_vae.ConditionalVAE)],
)
def test_bundled_presets_load_and_their_exports_draw_what_keras_decodes(name, cls):
    from keras_vae_sampler import Sampler
    from keras_vae_sampler.uniform_noise import seeded_noise

    vae = cls.from_preset(name)
    assert type(vae) is cls and vae.latent_sampler is not None
    sampler = Sampler(presets.preset_export_dir(name), runtime="onnx")
    labels = None if vae.num_classes is None else np.arange(8) % vae.num_classes
    noise = seeded_noise(0, 8, vae.latent_dim)
    z = sampler.sample_noise(noise, labels, output="z")
    drawn = sampler.sample_noise(noise, labels)
    np.testing.assert_allclose(drawn, vae.decode(z, labels=labels), atol=1e-5)
    assert drawn.shape == (8, 28, 28, 1)
