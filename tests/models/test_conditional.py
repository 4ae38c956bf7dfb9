"""The conditional VAE: labels condition encoder and decoder, from `fit`
through `.keras` files, the command line and every export runtime."""

import json

import keras
import numpy as np
import pytest

import keras_vae
from keras_vae.cli import main
from keras_vae.training import run_data
from keras_vae_export import export_decoder
from keras_vae_sampler import Sampler
from keras_vae_sampler import uniform_noise
from keras_vae_sampler.runtimes import open_runner
from tests.small_networks import small_encoder_decoder

SHAPE = (28, 28, 1)


def make_cvae(num_classes=10, latent_dim=4, **kwargs):
    encoder, decoder = small_encoder_decoder(
        "mlp", SHAPE, latent_dim, num_classes=num_classes
    )
    cvae = keras_vae.ConditionalVAE(encoder, decoder, seed=0, **kwargs)
    cvae.compile(optimizer=keras.optimizers.Adam(3e-3))
    return cvae


@pytest.fixture(scope="module")
def labelled(mnist_arrays):
    (train_x, train_y), (test_x, test_y) = mnist_arrays
    return (
        train_x[:1024].astype("float32") / 255.0,
        train_y[:1024].astype("int32"),
        test_x[:64].astype("float32") / 255.0,
        test_y[:64].astype("int32"),
    )


@pytest.fixture(scope="module")
def trained(labelled):
    train_x, train_y, _, _ = labelled
    cvae = make_cvae(class_names=[f"digit {i}" for i in range(10)])
    cvae.fit(train_x, train_y, epochs=4, batch_size=64, verbose=0)
    return cvae


def test_fit_lowers_the_loss_with_labels(labelled):
    train_x, train_y, test_x, test_y = labelled
    cvae = make_cvae()
    before = cvae.evaluate(test_x, test_y, verbose=0, return_dict=True)["loss"]
    history = cvae.fit(
        train_x,
        train_y,
        epochs=3,
        batch_size=64,
        verbose=0,
        validation_data=(test_x, test_y),
    ).history
    assert history["val_loss"][-1] < before - 20.0


def test_labelled_dataset_trains(tiny_idx_dir):
    dataset = keras_vae.data.load_dataset(
        "mnist", data_dir=tiny_idx_dir, batch_size=32, with_labels=True
    )
    cvae = make_cvae()
    history = cvae.fit(dataset, epochs=2, verbose=0).history["loss"]
    assert np.isfinite(history).all() and history[-1] < history[0]


def test_labels_are_checked_in_every_batch_of_a_dataset(labelled):
    # The first batch is fine; the third holds a label the model lacks.
    import tensorflow as tf

    train_x, train_y, _, _ = labelled
    labels = train_y[:96].copy()
    labels[70] = 10
    dataset = tf.data.Dataset.from_tensor_slices((train_x[:96], labels)).batch(32)
    for method in ("fit", "evaluate"):
        with pytest.raises(
            tf.errors.InvalidArgumentError,
            match=r"x labels must lie in \[0, 9\] for a model with 10 classes",
        ):
            getattr(make_cvae(), method)(dataset, verbose=0)


def test_the_label_changes_the_drawing(trained, labelled):
    train_x = labelled[0]
    z = np.random.default_rng(0).standard_normal((8, trained.latent_dim), "float32")
    ones = trained.decode(z, labels=1)
    sevens = trained.decode(z, labels=np.full(8, 7))
    assert ones.shape == sevens.shape == (8,) + SHAPE
    # A "1" has far less ink than a "7" drawn from the same z.
    assert ones.sum(axis=(1, 2, 3)).mean() < sevens.sum(axis=(1, 2, 3)).mean()
    # The encoder sees the label too: the same image gives other posteriors.
    x = np.repeat(train_x[:1], 2, axis=0)
    z_mean, _ = trained.encode(x, labels=np.array([1, 7]))
    assert np.abs(z_mean[0] - z_mean[1]).max() > 1e-3


def test_sample_labels_seed_and_latent(trained):
    a = trained.sample(6, labels=3, seed=1)
    b = trained.sample(6, labels=np.full(6, 3), seed=1)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, trained.sample(6, labels=4, seed=1))


def test_style_transfer_keeps_z_and_swaps_the_label(trained, labelled):
    _, _, test_x, test_y = labelled
    grid = trained.style_transfer(test_x[:3], test_y[:3])
    assert grid.shape == (3, 10) + SHAPE
    own = grid[np.arange(3), test_y[:3]]
    np.testing.assert_allclose(
        own, trained.reconstruct(test_x[:3], labels=test_y[:3]), atol=1e-5
    )
    z = trained.encode(test_x[:3], labels=test_y[:3])[0]
    np.testing.assert_allclose(
        grid[:, 5], trained.decode(z, labels=np.full(3, 5)), atol=1e-5
    )
    picked = trained.style_transfer(test_x[:2], test_y[:2], target_labels=[0, 9])
    np.testing.assert_allclose(picked, grid[:2][:, [0, 9]], atol=1e-5)


def test_keras_file_keeps_labels_and_class_names(trained, labelled, tmp_path):
    _, _, test_x, test_y = labelled
    trained.save(tmp_path / "cvae.keras")
    loaded = keras.saving.load_model(tmp_path / "cvae.keras", safe_mode=True)
    assert isinstance(loaded, keras_vae.ConditionalVAE)
    assert loaded.num_classes == 10 and loaded.class_names[7] == "digit 7"
    np.testing.assert_array_equal(
        loaded.sample(4, labels=2, seed=0), trained.sample(4, labels=2, seed=0)
    )
    np.testing.assert_allclose(
        loaded.predict([test_x[:4], test_y[:4]], verbose=0),
        trained.predict([test_x[:4], test_y[:4]], verbose=0),
        atol=1e-6,
    )


@pytest.mark.slow
def test_export_takes_labels_in_every_runtime(trained, tmp_path):
    manifest = export_decoder(
        trained, tmp_path / "out", formats="savedmodel,tflite,onnx", batch_sizes=()
    )
    assert manifest["model"]["num_classes"] == 10
    assert manifest["model"]["class_names"][3] == "digit 3"
    z = np.random.default_rng(5).standard_normal((10, trained.latent_dim), "float32")
    labels = np.arange(10)
    expected = trained.decode(z, labels=labels)
    for runtime in ("savedmodel", "tflite", "onnx"):
        inputs = manifest["artifacts"][runtime]["inputs"]
        assert [(i["role"], i["dtype"]) for i in inputs] == [
            ("z", "float32"),
            ("label", "int32"),
        ]
        sampler = Sampler(tmp_path / "out", runtime=runtime)
        np.testing.assert_allclose(sampler.decode(z, labels), expected, atol=1e-5)
        # The sampling graph: the prior (no mixture was fitted) from noise.
        noise = uniform_noise.seeded_noise(2, 3, trained.latent_dim)
        tables = uniform_noise.mixture_tables(None, trained.latent_dim, 10)
        prior = uniform_noise.latents_from_noise(noise, tables, np.full(3, 7))
        np.testing.assert_allclose(
            sampler.sample(3, seed=2, labels=7),
            trained.decode(prior, labels=7),
            atol=1e-5,
        )
        with pytest.raises(ValueError, match="conditional .*Received: labels=None"):
            sampler.sample(2)
        with pytest.raises(ValueError, match=r"\[0, 9\].*Received: labels=10"):
            sampler.sample(2, labels=10)


def test_exported_graphs_blank_an_out_of_range_label(trained, tmp_path):
    """What the graph itself does with a label the readers refuse: an
    all-zero image, in every format and both graphs, other rows unchanged."""
    manifest = export_decoder(
        trained, tmp_path / "out", formats="savedmodel,tflite,onnx", batch_sizes=()
    )
    d = trained.latent_dim
    labels = np.array([3, 10, -1, 9], "int32")
    feeds = {
        "decode": np.random.default_rng(0).standard_normal((4, d), dtype="float32"),
        "sample": uniform_noise.seeded_noise(1, 4, d),
    }
    for entry in manifest["artifacts"].values():
        runner = open_runner(entry["runtime"], tmp_path / "out" / entry["file"])
        first = entry["inputs"][0]["name"]
        image = runner.run({"label": labels, first: feeds[entry["graph"]]})[0]
        assert np.all(image[1:3] == 0), entry["file"]
        assert image[0].max() > 0 and image[3].max() > 0, entry["file"]
        sampler = Sampler(tmp_path / "out", runtime=entry["runtime"])
        with pytest.raises(ValueError, match=r"\[0, 9\].*Received: labels=10"):
            sampler.decode(feeds["decode"], labels)


# ---------------------------------------------------------------- bad input
def _fit_with(labels_of):
    def run():
        x = np.full((8,) + SHAPE, 0.5, "float32")
        make_cvae().fit(x, labels_of(8), epochs=1, verbose=0)

    return run


def _dataset_without_labels():
    images = np.full((8,) + SHAPE, 0.5, "float32")
    dataset = keras_vae.data.load_dataset(images, batch_size=4)
    make_cvae().fit(dataset, epochs=1, verbose=0)


def _dataset_with_missing_labels():
    images = np.full((8,) + SHAPE, 0.5, "float32")  # arrays carry labels -1
    dataset = keras_vae.data.load_dataset(images, batch_size=4, with_labels=True)
    make_cvae().fit(dataset, epochs=1, verbose=0)


BAD_INPUTS = {
    "labels out of range": (
        _fit_with(lambda n: np.full(n, 10)),
        r"must lie in \[0, 9\].*Received: labels=10",
    ),
    "negative labels": (
        _fit_with(lambda n: np.full(n, -1)),
        r"must lie in \[0, 9\].*Received: labels=-1",
    ),
    "float labels": (
        _fit_with(lambda n: np.zeros(n, "float32")),
        "integer class labels.*Received: labels.dtype=float32",
    ),
    "wrong label shape": (
        _fit_with(lambda n: np.zeros((n, 1), "int32")),
        r"1-D array.*Received: labels.shape=\(8, 1\)",
    ),
    "label count differs from image count": (
        _fit_with(lambda n: np.zeros(n + 1, "int32")),
        "one label per example.*Received: 9 labels",
    ),
    "conditional model fitted without labels": (
        _fit_with(lambda n: None),
        "needs labels.*Received: labels=None",
    ),
    "conditional model sampled without labels": (
        lambda: make_cvae().sample(2),
        "needs the classes.*Received: labels=None",
    ),
    "unconditional model given labels": (
        lambda: keras_vae.VAE(*small_encoder_decoder("mlp", SHAPE, 2)).sample(
            2, labels=3
        ),
        "unconditional.*Received: labels=3",
    ),
    "num_classes <= 1": (
        lambda: keras_vae.build_encoder_decoder("mlp", SHAPE, 2, num_classes=1),
        "num_classes must be >= 2.*Received: num_classes=1",
    ),
    "conditional model on a dataset of images only": (
        _dataset_without_labels,
        r"dataset of \(images, labels\).*Received: x element_spec",
    ),
    "conditional model on a dataset without labels": (
        _dataset_with_missing_labels,
        r"must lie in \[0, 9\].*Received: x labels=-1",
    ),
    "unconditional networks in a ConditionalVAE": (
        lambda: keras_vae.ConditionalVAE(*small_encoder_decoder("mlp", SHAPE, 2)),
        "inputs \\[z, label\\].*Received: decoder with 1 input",
    ),
    "conditional networks in a VAE": (
        lambda: keras_vae.VAE(*small_encoder_decoder("mlp", SHAPE, 2, num_classes=3)),
        "ConditionalVAE.*Received: encoder with 2 input",
    ),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_conditional_input_gets_a_clear_error(case):
    trigger, message = BAD_INPUTS[case]
    with pytest.raises(ValueError, match=message):
        trigger()


def test_unconditional_export_refuses_labels(tmp_path):
    vae = keras_vae.VAE(*small_encoder_decoder("mlp", SHAPE, 2))
    export_decoder(vae, tmp_path / "out", formats="onnx")
    sampler = Sampler(tmp_path / "out", runtime="onnx")
    with pytest.raises(ValueError, match="unconditional.*Received: labels=4"):
        sampler.sample(2, labels=4)
    assert main(["sample", str(tmp_path / "out"), "--runtime", "onnx", "--label", "4",
                 "--out", str(tmp_path / "x.png")]) == 2  # fmt: skip
    assert not (tmp_path / "x.png").exists()


# ------------------------------------------------------------ command line
@pytest.mark.slow
def test_command_line_conditional_workflow(tiny_idx_dir, tmp_path, capsys, monkeypatch):
    # evaluate trains its reference classifier on --data-dir: keep it out of
    # the shared cache.
    monkeypatch.setenv("KERAS_VAE_CACHE", str(tmp_path / "cache"))
    run_dir = tmp_path / "run"
    train = ["train", "--conditional", "--data-dir", str(tiny_idx_dir),
             "--epochs", "1", "--batch-size", "64", "--latent-dim", "4",
             "--gmm-components", "2", "--output-dir", str(run_dir)]  # fmt: skip
    assert main(train) == 0
    model = keras.saving.load_model(run_dir / "model.keras", safe_mode=True)
    assert isinstance(model, keras_vae.ConditionalVAE) and model.num_classes == 10
    assert model.latent_sampler.num_mixtures == 10
    exported = tmp_path / "exported"
    assert main(["export", str(run_dir / "model.keras"), str(exported),
                 "--formats", "tflite,onnx", "--batch-sizes", ""]) == 0  # fmt: skip
    manifest = json.loads((exported / "manifest.json").read_text())
    assert manifest["model"]["class_names"] == [str(c) for c in range(10)]
    out = tmp_path / "sevens.png"
    assert main(["sample", str(exported), "--runtime", "onnx", "--label", "7",
                 "--latent", "gmm", "-n", "8", "--out", str(out)]) == 0  # fmt: skip
    assert out.stat().st_size > 0
    capsys.readouterr()
    bad = tmp_path / "bad.png"
    assert main(["sample", str(exported), "--runtime", "onnx", "--label", "12",
                 "--out", str(bad)]) == 2  # fmt: skip
    assert "Received: labels=12" in capsys.readouterr().err
    assert not bad.exists()
    report_path = tmp_path / "report.json"
    assert main(["evaluate", str(run_dir / "model.keras"), "--data-dir",
                 str(tiny_idx_dir), "--max-examples", "32", "--iwae-samples", "4",
                 "--json", str(report_path)]) == 0  # fmt: skip
    report = json.loads(report_path.read_text())
    assert report["model"] == "ConditionalVAE"
    assert len(report["label_accuracy_per_class"]) == 10
    assert 0.0 <= report["label_accuracy_gmm"] <= 1.0
    assert report["test_nll_iwae"] <= report["negative_elbo"] + 5.0


def test_conditional_training_needs_labels(tiny_idx_dir, tmp_path, monkeypatch):
    """A dataset without class labels (labels -1) is refused by --conditional
    before anything is written."""
    load = run_data.data.load_dataset

    def without_labels(*args, **kwargs):
        dataset = load(*args, **kwargs)
        return (
            dataset.map(lambda x, y: (x, y * 0 - 1))
            if kwargs["with_labels"]
            else dataset
        )

    monkeypatch.setattr(run_data.data, "load_dataset", without_labels)
    out = tmp_path / "run"
    code = main(["train", "--conditional", "--data-dir", str(tiny_idx_dir),
                 "--epochs", "1", "--output-dir", str(out)])  # fmt: skip
    assert code == 2
    assert not out.exists() or not any(out.iterdir())


def test_conditional_evaluation(trained, labelled, tiny_idx_dir, tmp_path):
    from keras_vae import evaluation

    _, _, test_x, test_y = labelled
    bounds = evaluation.elbo(trained, test_x, labels=test_y)
    estimates = evaluation.importance_weighted_log_likelihood(
        trained, test_x[:16], num_samples=64, labels=test_y[:16]
    )
    # log p(x | y) >= ELBO: the IWAE estimate is the tighter bound.
    assert -estimates.mean() <= bounds["negative_elbo"] + 2.0
    # With the wrong labels the images are less likely under the model.
    wrong = evaluation.importance_weighted_log_likelihood(
        trained, test_x[:16], num_samples=64, labels=(test_y[:16] + 5) % 10
    )
    assert wrong.mean() < estimates.mean()
    with pytest.raises(ValueError, match="Received: labels=None"):
        evaluation.elbo(trained, test_x)


class _ClassifierOfMeans:
    """Classifies by the nearest class-mean image (a stand-in for the
    reference classifier): probability 1 for the nearest class."""

    def __init__(self, images, labels):
        self.means = np.stack([images[labels == c].mean(axis=0) for c in range(10)])

    def predict(self, images, batch_size=None, verbose=0):
        distances = ((images[:, None] - self.means[None]) ** 2).sum(axis=(2, 3, 4))
        return np.eye(10)[distances.argmin(axis=1)]


def test_label_accuracy_counts_the_requested_class(labelled):
    train_x, train_y, _, _ = labelled
    classifier = _ClassifierOfMeans(train_x, train_y)

    class DrawsTheMean:
        """A 'model' that draws the mean image of the class asked for, but
        class 3 for every request of class 8."""

        latent_dim, num_classes = 2, 10

        def decode(self, z, labels):
            labels = np.where(labels == 8, 3, labels)
            return classifier.means[labels]

    scores = keras_vae.evaluation.label_accuracy(
        DrawsTheMean(), classifier, samples_per_class=5
    )
    assert scores["label_accuracy_per_class"] == [1.0] * 8 + [0.0, 1.0]
    assert scores["label_accuracy"] == pytest.approx(0.9)
    assert scores["label_accuracy_min"] == 0.0


@pytest.mark.slow
def test_keras_loads_every_model_after_import_keras_vae(tmp_path):
    """`import keras; import keras_vae` registers every class: a fresh
    process loads a conditional model with a mixture and a continuous
    Bernoulli likelihood through keras.saving alone."""
    import subprocess
    import sys

    encoder, decoder = small_encoder_decoder("mlp", SHAPE, 2, num_classes=3)
    model = keras_vae.ConditionalVAE(
        encoder, decoder, likelihood="continuous_bernoulli", seed=0
    )
    images = np.random.default_rng(0).uniform(size=(12,) + SHAPE).astype("float32")
    model.fit_latent_sampler(images, labels=np.arange(12) % 3, num_components=2)
    model.save(tmp_path / "m.keras")
    script = (
        "import sys, keras, keras_vae\n"
        "m = keras.saving.load_model(sys.argv[1], safe_mode=True)\n"
        "print(type(m).__name__, type(m.likelihood).__name__, "
        "m.latent_sampler.num_mixtures)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "m.keras")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == [
        "ConditionalVAE",
        "ContinuousBernoulliLikelihood",
        "3",
    ]
