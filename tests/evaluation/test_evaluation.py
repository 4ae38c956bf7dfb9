import json

import keras
import numpy as np
import pytest

import keras_vae
from keras_vae import evaluation
from keras_vae import plotting
from keras_vae.cli import main


def train(model_class, images, beta=1.0, latent_dim=8, epochs=8, binarize=False):
    keras.utils.set_random_seed(0)
    variational = model_class is keras_vae.VAE
    encoder = keras_vae.build_mlp_encoder(
        (28, 28, 1), latent_dim, hidden_units=(256,), variational=variational
    )
    decoder = keras_vae.build_mlp_decoder(latent_dim, (28, 28, 1), hidden_units=(256,))
    likelihood = keras_vae.BernoulliLikelihood(binarize=binarize, seed=0)
    if variational:
        model = keras_vae.VAE(
            encoder, decoder, likelihood=likelihood, beta=beta, seed=0
        )
    else:
        model = keras_vae.Autoencoder(encoder, decoder, likelihood=likelihood)
    model.compile(optimizer="adam", jit_compile=False)
    model.fit(images, batch_size=128, epochs=epochs, verbose=0)
    return model


@pytest.fixture(scope="module")
def trained(mnist_arrays):
    (train_x, _), (test_x, test_y) = mnist_arrays
    images = train_x[:20000].astype("float32") / 255
    return {
        "vae": train(keras_vae.VAE, images),
        "ae": train(keras_vae.Autoencoder, images),
        "test": test_x[:300].astype("float32") / 255,
        "labels": test_y[:300],
    }


def test_iwae_bound_is_above_the_elbo_and_rises_with_k(trained):
    vae, test = trained["vae"], trained["test"][:100]
    nll = {
        k: -evaluation.importance_weighted_log_likelihood(
            vae, test, num_samples=k, seed=1
        ).mean()
        for k in (1, 10, 200)
    }
    negative_elbo = evaluation.elbo(vae, test, seed=1)["negative_elbo"]
    assert nll[200] < nll[10] < nll[1]
    assert nll[200] < negative_elbo - 0.5


def test_iwae_with_one_sample_is_the_elbo_in_expectation(trained):
    vae, test = trained["vae"], trained["test"][:200]
    k1 = [
        -evaluation.importance_weighted_log_likelihood(
            vae, test, num_samples=1, seed=s
        ).mean()
        for s in range(8)
    ]
    elbos = [evaluation.elbo(vae, test, seed=s)["negative_elbo"] for s in range(8)]
    spread = np.std(k1) / np.sqrt(len(k1)) + np.std(elbos) / np.sqrt(len(elbos))
    assert abs(np.mean(k1) - np.mean(elbos)) < 4 * spread + 0.3


def test_iwae_batches_give_the_same_estimate(trained):
    vae, test = trained["vae"], trained["test"][:6]
    whole = evaluation.importance_weighted_log_likelihood(vae, test, 50, seed=3)
    chunked = evaluation.importance_weighted_log_likelihood(
        vae, test, 50, seed=3, rows_per_call=50
    )
    np.testing.assert_allclose(whole, chunked, rtol=1e-5)


def test_posterior_statistics_go_the_right_way_with_beta(mnist_arrays):
    (train_x, _), (test_x, _) = mnist_arrays
    images = train_x[:4000].astype("float32") / 255
    stats = {
        beta: evaluation.posterior_statistics(
            train(keras_vae.VAE, images, beta=beta, latent_dim=32, epochs=6),
            test_x[:300].astype("float32") / 255,
        )
        for beta in (0.0, 1.0)
    }
    assert stats[0.0]["mean_posterior_variance"] < 0.1
    assert (
        stats[1.0]["mean_posterior_variance"]
        > 3 * stats[0.0]["mean_posterior_variance"]
    )
    activity = {b: np.array(stats[b]["posterior_mean_variance"]) for b in stats}
    assert stats[0.0]["active_units"] == 32
    assert stats[1.0]["active_units"] <= stats[0.0]["active_units"]
    # The KL term pushes the least used units' posterior means toward 0.
    assert activity[1.0].min() < 0.2 * activity[0.0].min()


@pytest.fixture(scope="module")
def classifier_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(scope="module")
def classifier(classifier_cache):
    return evaluation.reference_classifier(cache_dir=classifier_cache)


def test_reference_classifier_is_accurate_and_cached(
    classifier, classifier_cache, mnist_small, monkeypatch
):
    assert classifier.test_accuracy > 0.96
    (cached,) = classifier_cache.glob("mnist_mlp_*.keras")
    written = cached.stat().st_mtime_ns

    def no_training(*args, **kwargs):
        raise AssertionError("the cached classifier was trained again")

    monkeypatch.setattr(keras.Model, "fit", no_training)
    again = evaluation.reference_classifier(cache_dir=classifier_cache)
    assert cached.stat().st_mtime_ns == written
    assert again.test_accuracy == classifier.test_accuracy
    x = mnist_small[1][:32]
    np.testing.assert_allclose(
        again.predict(x, verbose=0), classifier.predict(x, verbose=0), atol=1e-6
    )


def test_vae_samples_are_more_complete_than_autoencoder_decodes(trained, classifier):
    vae = evaluation.completeness(trained["vae"], classifier, num_samples=500)
    ae = evaluation.completeness(trained["ae"], classifier, num_samples=500)
    assert vae["completeness"] > ae["completeness"] + 0.05


def hand_built_vae(jump):
    """Latent z = the first pixel of a 2-pixel image. The decoder maps z to
    (z, z) (an even path) or to a step at z = 0.5 (a path that jumps)."""
    x = keras.Input((2,))
    z_mean = keras.layers.Dense(1, name="z_mean")(x)
    z_log_var = keras.layers.Dense(1, name="z_log_var")(x)
    encoder = keras.Model(x, [z_mean, z_log_var])
    encoder.get_layer("z_mean").set_weights([np.array([[1.0], [0.0]]), np.zeros(1)])
    encoder.get_layer("z_log_var").set_weights([np.zeros((2, 1)), np.zeros(1)])
    z = keras.Input((1,))
    dense = keras.layers.Dense(2)
    decoded = dense(z)
    if jump:
        decoded = keras.layers.Activation("sigmoid")(decoded)
    decoder = keras.Model(z, decoded)
    scale = 1000.0 if jump else 1.0
    dense.set_weights([np.full((1, 2), scale), np.full(2, -scale / 2 if jump else 0)])
    return keras_vae.VAE(encoder, decoder, likelihood="gaussian")


def test_continuity_score_has_known_answers():
    images = np.array([[0.0, 0.0], [1.0, 0.0]], "float32")
    even = evaluation.continuity(hand_built_vae(False), images, pairs=20, steps=4)
    assert even["even_path_score"] == pytest.approx(1 / 3)
    # Pairs of one image with itself have no path and are left out.
    assert 0 < even["pairs"] < 20
    assert even["continuity"] == pytest.approx(1 / 3, abs=1e-5)
    # Frames at z = 0, 1/3, 2/3, 1 decode to 0, 0, 1, 1: one step is the
    # whole way.
    jump = evaluation.continuity(hand_built_vae(True), images, pairs=20, steps=4)
    assert jump["pairs"] == even["pairs"]
    assert jump["continuity"] == pytest.approx(1.0, abs=1e-5)


def test_continuity_score(trained):
    result = evaluation.continuity(trained["vae"], trained["test"], pairs=30, steps=8)
    assert result["even_path_score"] <= result["continuity"] < 1.0
    assert result["pairs"] == 30


def test_every_plot_writes_a_png(trained, tmp_path):
    vae, ae, test, labels = (trained[k] for k in ("vae", "ae", "test", "labels"))
    history = {"loss": [3.0, 2.0], "val_loss": [3.5, 2.5], "kl_loss": [1.0, 1.2]}
    small = keras_vae.VAE(*keras_vae.build_encoder_decoder("mlp", (28, 28, 1), 2))
    csv_path = tmp_path / "history.csv"
    csv_path.write_text("epoch,loss,reconstruction_loss\n0,5,4\n1,4,3\n")
    figures = {
        "grid": plotting.plot_image_grid(vae.sample(16, seed=0)),
        "reconstructions": plotting.plot_reconstructions(
            test[:8], vae.reconstruct(test[:8])
        ),
        "manifold": plotting.plot_latent_manifold(small, grid_size=5),
        "scatter_pca": plotting.plot_latent_scatter(vae, test, labels),
        "scatter_ae": plotting.plot_latent_scatter(ae, test, labels),
        "interpolations": plotting.plot_interpolations(vae, test[:3], test[3:6], 6),
        "traversals": plotting.plot_latent_traversals(vae, test[0], dims=[0, 1]),
        "curves": plotting.plot_training_curves(history),
        "curves_csv": plotting.plot_training_curves(csv_path),
    }
    for name, figure in figures.items():
        path = plotting.save_figure(figure, tmp_path / f"{name}.png")
        assert path.read_bytes()[:4] == b"\x89PNG", name
    with pytest.raises(ValueError, match="Received: latent_dim=8"):
        plotting.plot_latent_manifold(vae)


def test_evaluate_command(trained, tiny_idx_dir, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("KERAS_VAE_CACHE", str(tmp_path / "cache"))
    model_path = tmp_path / "vae.keras"
    trained["vae"].save(model_path)
    out = tmp_path / "report.json"
    args = [
        "evaluate", str(model_path), "--data-dir", str(tiny_idx_dir),
        "--iwae-samples", "20", "--max-examples", "64", "--json", str(out),
    ]  # fmt: skip
    assert main(args) == 0
    printed = capsys.readouterr().out
    report = json.loads(out.read_text())
    for key in ("negative_elbo", "test_nll_iwae", "active_units", "continuity",
                "completeness"):  # fmt: skip
        assert key in report and key in printed
    assert report["examples"] == 64 and report["iwae_samples"] == 20
    assert main(["evaluate", str(tmp_path / "missing.keras")]) == 2
    assert "existing .keras file" in capsys.readouterr().err
