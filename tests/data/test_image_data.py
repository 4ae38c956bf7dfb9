"""Own images: folders, array files, tensorflow-datasets images, sizes,
colours and held-out splits (issue 12)."""

import json

import keras
import numpy as np
import pytest
import tensorflow as tf
import tensorflow_datasets as tfds

import keras_vae
from keras_vae import data
from keras_vae.cli import main
from keras_vae.data import idx_folders
from tests.image_files import random_images
from tests.image_files import write_class_folders
from tests.image_files import write_image


def collect(dataset):
    batches = list(dataset)
    return (
        np.concatenate([b[0].numpy() for b in batches]),
        np.concatenate([b[1].numpy() for b in batches]),
    )


def test_class_folders_become_labels_with_their_names(tmp_path):
    images, labels = random_images(7, (5, 7, 3)), [0, 0, 1, 1, 1, 0, 1]
    write_class_folders(tmp_path / "f", images[:6], labels, ["cat", "dog"])
    # Recursive: an image deeper inside a class folder belongs to the class.
    write_image(tmp_path / "f" / "dog" / "more" / "deep.png", images[6])
    dataset = data.load_dataset(
        str(tmp_path / "f"), batch_size=4, shuffle=False, with_labels=True
    )
    assert dataset.class_names == ["cat", "dog"]
    x, y = collect(dataset)
    assert x.shape == (7, 5, 7, 3) and x.dtype == np.float32
    assert sorted(y.tolist()) == [0, 0, 0, 1, 1, 1, 1]
    # PNG is lossless: every written image comes back exactly, with its label.
    expected = {image.tobytes(): label for image, label in zip(images, labels)}
    for image, label in zip(np.round(x * 255).astype(np.uint8), y):
        assert expected[image.tobytes()] == label


@pytest.mark.parametrize("suffix", [".png", ".jpg", ".bmp", ".gif"])
def test_every_format_loads_grey_and_colour(tmp_path, suffix):
    grey = np.tile(np.arange(0, 240, 30, dtype=np.uint8), (6, 1))  # (6, 8)
    write_image(tmp_path / "f" / f"a{suffix}", np.stack([grey] * 3, -1))
    write_image(tmp_path / "f" / f"b{suffix}", np.stack([grey] * 3, -1))
    x = data.load_arrays(str(tmp_path / "f"))[0]
    assert x.shape == (2, 6, 8, 3)
    tolerance = 4 / 255 if suffix == ".jpg" else 1e-6
    np.testing.assert_allclose(x[0, ..., 0], grey / 255, atol=tolerance)
    x = data.load_arrays(str(tmp_path / "f"), channels=1)[0]
    assert x.shape == (2, 6, 8, 1)
    np.testing.assert_allclose(x[0, ..., 0], grey / 255, atol=tolerance)


def test_channels_convert_a_mixed_folder(tmp_path):
    folder = tmp_path / "f"
    write_image(folder / "grey.png", np.full((4, 4), 100, np.uint8))
    write_image(folder / "red.png", np.full((4, 4, 3), (255, 0, 0), np.uint8))
    x = data.load_arrays(str(folder), channels=3)[0]
    by_red = sorted(x[:, 0, 0].tolist())
    np.testing.assert_allclose(by_red, [[100 / 255] * 3, [1.0, 0.0, 0.0]])
    x = data.load_arrays(str(folder), channels=1)[0]
    # ITU-R 601 luma of pure red: 0.2989 * 255 = 76.2 -> 76.
    assert sorted(np.round(x[:, 0, 0, 0] * 255).tolist()) == [76, 100]


def test_image_size_keeps_the_aspect_ratio_by_a_centre_crop(tmp_path):
    wide = np.zeros((4, 12), np.uint8)
    wide[:, 4:8] = 200  # the centre third
    wide[:, 8:] = 255
    write_image(tmp_path / "f" / "wide.png", wide)
    tall = np.full((10, 5), 50, np.uint8)
    write_image(tmp_path / "f" / "tall.png", tall)
    x = data.load_arrays(str(tmp_path / "f"), image_size=(2, 2))[0]
    values = sorted(np.unique(np.round(x * 255)).tolist())
    # The wide image keeps its centre 4x4 square (200s only): no padding,
    # no stretching, no black or white borders.
    assert values == [50, 200] and x.shape == (2, 2, 2, 1)


def test_validation_split_is_seeded_and_disjoint(tmp_path):
    images = random_images(20, (3, 3))
    write_class_folders(tmp_path / "f", images, np.arange(20) % 2)

    def split(name, seed):
        return collect(data.load_dataset(
            str(tmp_path / "f"), name, shuffle=False, with_labels=True,
            validation_split=0.25, split_seed=seed,
        ))[0]  # fmt: skip

    train, held = split("train", 0), split("validation", 0)
    assert len(train) == 15 and len(held) == 5
    keys = {im.tobytes() for im in np.concatenate([train, held])}
    assert len(keys) == 20  # disjoint, and together every image
    np.testing.assert_array_equal(held, split("validation", 0))
    assert not np.array_equal(held, split("validation", 1))
    with pytest.raises(ValueError, match="no test split.*Received: split='test'"):
        data.load_dataset(str(tmp_path / "f"), "test")


def test_npy_and_npz_files(tmp_path):
    images = random_images(10, (6, 5))
    np.save(tmp_path / "a.npy", images)
    x = data.load_arrays(str(tmp_path / "a.npy"))[0]
    np.testing.assert_allclose(np.sort(x.ravel()), np.sort(images.ravel() / 255))
    floats = images[..., None].astype("float32") / 255
    np.savez(tmp_path / "b.npz", pixels=floats, classes=np.arange(10) % 3)
    x, y = data.load_arrays(
        str(tmp_path / "b.npz"), images_key="pixels", labels_key="classes"
    )
    assert x.shape == (10, 6, 5, 1) and list(y) == list(np.arange(10) % 3)
    np.testing.assert_allclose(x, floats)
    np.savez(tmp_path / "c.npz", images=images, labels=np.arange(10))
    x, y = data.load_arrays(str(tmp_path / "c.npz"), channels=3, image_size=4)
    assert x.shape == (10, 4, 4, 3) and list(y) == list(range(10))
    np.savez(tmp_path / "only.npz", images)  # the only array, any name
    assert data.load_arrays(str(tmp_path / "only.npz"))[0].shape == (10, 6, 5, 1)


def test_tfds_image_datasets_load_through_mock_data(monkeypatch):
    monkeypatch.delenv("KERAS_VAE_DATA_DIR", raising=False)
    with tfds.testing.mock_data(num_examples=9):
        x, y = data.load_arrays("cifar10")
        assert x.shape == (9, 32, 32, 3) and y.shape == (9,)
        dataset = data.load_dataset("fashion_mnist", "test", 4, with_labels=True)
        assert dataset.class_names[:2] == ["T-shirt/top", "Trouser"]
        assert next(iter(dataset))[0].shape == (4, 28, 28, 1)
        # tf_flowers: images of varying size, resized to one.
        with pytest.raises(ValueError, match="vary in size.*image_size=None"):
            data.load_dataset("tf_flowers")
        flowers = data.load_dataset("tf_flowers", image_size=(16, 24), batch_size=9)
        batch = next(iter(flowers))
        assert batch.shape == (9, 16, 24, 3)
        assert 0 <= float(tf.reduce_min(batch)) <= float(tf.reduce_max(batch)) <= 1
        held = data.load_arrays("tf_flowers", "validation", image_size=8,
                                validation_split=0.5, split_seed=3)[0]  # fmt: skip
        kept = data.load_arrays("tf_flowers", "train", image_size=8,
                                validation_split=0.5, split_seed=3)[0]  # fmt: skip
        assert len(held) + len(kept) == 9


def test_an_offline_tfds_download_gets_a_clear_error(monkeypatch, tmp_path):
    def offline(self, *args, **kwargs):
        raise ConnectionError("Failed to resolve 'www.cs.toronto.edu'")

    monkeypatch.setattr(tfds.core.DatasetBuilder, "download_and_prepare", offline)
    with pytest.raises(ValueError) as error:
        data.load_dataset("cifar10", data_dir=str(tmp_path))
    message = str(error.value)
    assert "could not download and prepare 'cifar10'" in message
    assert "ConnectionError" in message and "--data-dir" in message
    assert message.endswith(f"Received: dataset='cifar10', data_dir='{tmp_path}'")


def test_tensorflow_datasets_download_path_imports():
    """tensorflow-datasets lazily imports importlib_resources before it
    downloads, without declaring it; keras-vae declares it."""
    import importlib.metadata

    from tensorflow_datasets.core import dataset_builder

    assert dataset_builder.importlib_resources.abc.Traversable is not None
    required = importlib.metadata.requires("keras-vae")
    assert any(r.startswith("importlib_resources") for r in required)


@pytest.mark.slow
@pytest.mark.parametrize("architecture", ["mlp", "conv"])
def test_colour_folder_trains_with_both_architectures(tmp_path, architecture):
    images = random_images(24, (12, 20, 3))
    write_class_folders(tmp_path / "f", images, np.arange(24) % 2)
    out = tmp_path / "run"
    code = main(["train", "--dataset", str(tmp_path / "f"), "--architecture",
                 architecture, "--image-size", "10x14", "--epochs", "1",
                 "--batch-size", "8", "--latent-dim", "2", "--latent-sampler",
                 "prior", "--output-dir", str(out)])  # fmt: skip
    assert code == 0
    model = keras.saving.load_model(out / "model.keras")
    assert model.example_shape == (10, 14, 3)
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["evaluated_on"] == "validation: 0.1 of the training data"
    assert np.isfinite(metrics["test_negative_elbo"])
    # evaluate reads the same held-out images (same --seed, same split).
    report = tmp_path / "report.json"
    code = main(["evaluate", str(out / "model.keras"), "--dataset",
                 str(tmp_path / "f"), "--image-size", "10x14", "--iwae-samples",
                 "4", "--json", str(report)])  # fmt: skip
    assert code == 0
    evaluated = json.loads(report.read_text())
    held_out, _ = keras_vae.data.load_arrays(
        str(tmp_path / "f"), "validation", image_size=(10, 14),
        validation_split=0.1, split_seed=0,
    )  # fmt: skip
    assert 0 < evaluated["examples"] == len(held_out) < 24


@pytest.mark.slow
def test_digit_folder_from_the_command_line(tmp_path, mnist_arrays, capsys):
    """Ten class folders of PNG digits: conditional training, export in every
    runtime, samples of a requested class (small scale; the benchmark runs
    2,000 images)."""
    (train_x, train_y), _ = mnist_arrays
    chosen = np.concatenate([np.flatnonzero(train_y == c)[:12] for c in range(10)])
    folder = write_class_folders(
        tmp_path / "digits", train_x[chosen], train_y[chosen],
        names=[f"digit_{c}" for c in range(10)],
    )  # fmt: skip
    run = tmp_path / "run"
    assert main(["train", "--dataset", str(folder), "--conditional",
                 "--architecture", "conv", "--epochs", "1", "--batch-size", "32",
                 "--latent-dim", "4", "--gmm-components", "1",
                 "--output-dir", str(run)]) == 0  # fmt: skip
    model = keras.saving.load_model(run / "model.keras")
    assert isinstance(model, keras_vae.ConditionalVAE)
    assert model.class_names == [f"digit_{c}" for c in range(10)]
    exported = tmp_path / "exported"
    assert main(["export", str(run / "model.keras"), str(exported),
                 "--formats", "savedmodel,tflite,onnx",
                 "--batch-sizes", ""]) == 0  # fmt: skip
    manifest = json.loads((exported / "manifest.json").read_text())
    assert manifest["model"]["class_names"] == model.class_names
    from keras_vae_sampler.sampler import Sampler

    z = np.random.default_rng(0).standard_normal((4, 4)).astype("float32")
    keras_sevens = model.decode(z, labels=7)
    # The label steers the decoder: class 3 draws other images from the same z.
    assert np.abs(keras_sevens - model.decode(z, labels=3)).max() > 1e-3
    for runtime in ("tflite", "onnx", "savedmodel"):
        out = tmp_path / f"{runtime}.png"
        assert main(["sample", str(exported), "--runtime", runtime, "--label", "7",
                     "-n", "4", "--out", str(out)]) == 0  # fmt: skip
        assert out.read_bytes()[:4] == b"\x89PNG"
        sampler = Sampler(exported, runtime=runtime)
        # Each runtime draws the requested class: its decoder gives the Keras
        # model's images of class 7 for the same z.
        np.testing.assert_allclose(sampler.decode(z, labels=7), keras_sevens,
                                   atol=1e-4)  # fmt: skip
    capsys.readouterr()


def test_an_installed_package_without_the_bundled_mnist_says_how_to_point_at_it(
    monkeypatch, tmp_path
):
    # As from a wheel: no data/ beside the package, no KERAS_VAE_DATA_DIR.
    def offline(self, *args, **kwargs):
        raise ConnectionError("Failed to resolve 'storage.googleapis.com'")

    monkeypatch.setattr(tfds.core.DatasetBuilder, "download_and_prepare", offline)
    monkeypatch.setattr(idx_folders, "REPOSITORY_DATA_DIR", tmp_path / "absent")
    monkeypatch.delenv("KERAS_VAE_DATA_DIR", raising=False)
    with pytest.raises(ValueError) as error:
        data.load_dataset("mnist")
    message = str(error.value)
    assert "KERAS_VAE_DATA_DIR to the folder holding mnist/" in message
    assert "the folder of the four .gz files" in message
