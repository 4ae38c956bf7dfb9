"""Latent samplers: the Gaussian mixture fitted on posterior means, saved
with the model, carried by exports and drawn identically on the device."""

import hashlib
import json

import keras
import numpy as np
import pytest

import keras_vae
from keras_vae.samplers import fit_gaussian_mixture
from keras_vae_export import export_decoder
from keras_vae_sampler import Sampler
from keras_vae_sampler import mixture_math
from keras_vae_sampler import uniform_noise
from tests.small_networks import small_encoder_decoder

SHAPE = (28, 28, 1)


def _draw(weights, means, cholesky, count, seed):
    mixture = {"weights": weights, "means": means, "cholesky": cholesky}
    tables = uniform_noise.mixture_tables([mixture], means.shape[1])
    noise = uniform_noise.seeded_noise(seed, count, means.shape[1])
    return uniform_noise.latents_from_noise(noise, tables)


def test_draws_follow_the_mixture():
    mean = np.array([[1.0, -2.0]])
    cholesky = np.array([[[0.5, 0.0], [0.3, 0.2]]])
    z = _draw([1.0], mean, cholesky, 40_000, seed=0)
    assert z.dtype == np.float32
    np.testing.assert_allclose(z.mean(axis=0), mean[0], atol=0.01)
    np.testing.assert_allclose(
        np.cov(z, rowvar=False), cholesky[0] @ cholesky[0].T, atol=0.01
    )
    means = np.array([[-10.0, 0.0], [10.0, 0.0]])
    factors = np.stack([np.eye(2)] * 2)
    z = _draw([0.2, 0.8], means, factors, 10_000, seed=1)
    assert abs((z[:, 0] > 0).mean() - 0.8) < 0.02


@pytest.mark.parametrize("covariance_type", ["full", "diag", "tied", "spherical"])
def test_fit_recovers_two_clusters(covariance_type):
    rng = np.random.default_rng(0)
    codes = np.concatenate(
        [rng.normal(-3.0, 0.5, (300, 3)), rng.normal(3.0, 0.5, (100, 3))]
    )
    sampler = fit_gaussian_mixture(codes, 2, covariance_type=covariance_type)
    (mixture,) = sampler.mixtures()
    order = np.argsort(mixture["means"][:, 0])
    np.testing.assert_allclose(mixture["means"][order], [[-3] * 3, [3] * 3], atol=0.2)
    np.testing.assert_allclose(mixture["weights"][order], [0.75, 0.25], atol=0.01)
    variances = np.einsum("kij,kij->ki", mixture["cholesky"], mixture["cholesky"])
    np.testing.assert_allclose(variances, 0.25, atol=0.06)
    # The description an export carries reads back to the same numbers.
    described = json.loads(json.dumps(sampler.describe()))
    (read,) = mixture_math.read_description(described, 3)
    np.testing.assert_allclose(read["means"], mixture["means"])


def test_per_class_mixtures_draw_the_class_asked_for():
    rng = np.random.default_rng(0)
    labels = np.repeat([0, 1, 2], 50)
    codes = rng.normal(size=(150, 2)) * 0.1 + labels[:, None] * 10.0
    sampler = fit_gaussian_mixture(codes, 2, labels=labels, num_classes=3)
    assert sampler.num_mixtures == 3
    asked = np.array([2, 0, 1, 2])
    z = sampler.draw(4, seed=0, labels=asked)
    np.testing.assert_allclose(z[:, 0], asked * 10.0, atol=1.0)


@pytest.fixture(scope="module")
def vae_with_mixture(mnist_small):
    train, _ = mnist_small
    encoder, decoder = small_encoder_decoder("mlp", SHAPE, 4)
    vae = keras_vae.VAE(encoder, decoder, seed=0)
    vae.compile(optimizer=keras.optimizers.Adam(3e-3))
    vae.fit(train, epochs=3, batch_size=64, verbose=0)
    vae.fit_latent_sampler(train, num_components=5, seed=0)
    return vae


def test_mixture_draws_where_the_posterior_means_are(vae_with_mixture, mnist_small):
    train, _ = mnist_small
    z_mean, _ = vae_with_mixture.encode(train)
    z = vae_with_mixture.latents(4000, seed=0, latent="gmm")
    np.testing.assert_allclose(z.mean(axis=0), z_mean.mean(axis=0), atol=0.1)
    np.testing.assert_allclose(z.std(axis=0), z_mean.std(axis=0), rtol=0.1)
    images = vae_with_mixture.sample(3, seed=1, latent="gmm")
    np.testing.assert_allclose(
        images, vae_with_mixture.decode(vae_with_mixture.latents(3, 1, latent="gmm"))
    )


def test_mixture_is_saved_with_the_model(vae_with_mixture, tmp_path):
    vae_with_mixture.save(tmp_path / "vae.keras")
    loaded = keras.saving.load_model(tmp_path / "vae.keras", safe_mode=True)
    assert loaded.latent_sampler.num_components == 5
    np.testing.assert_array_equal(
        loaded.latents(10, seed=3, latent="gmm"),
        vae_with_mixture.latents(10, seed=3, latent="gmm"),
    )


@pytest.fixture(scope="module")
def exported(vae_with_mixture, tmp_path_factory):
    directory = tmp_path_factory.mktemp("gmm") / "out"
    manifest = export_decoder(vae_with_mixture, directory, formats="tflite,onnx")
    return directory, manifest


def test_the_device_draws_what_keras_draws(vae_with_mixture, exported):
    directory, manifest = exported
    entry = manifest["latent_samplers"]["gmm"]
    path = directory / entry["file"]
    assert hashlib.sha256(path.read_bytes()).hexdigest() == entry["sha256"]
    expected = vae_with_mixture.sample(6, seed=7, latent="gmm")
    for runtime in ("tflite", "onnx"):
        sampler = Sampler(directory, runtime=runtime)
        assert sampler.latent_samplers == ["gmm", "prior"]
        np.testing.assert_array_equal(
            sampler.latents(6, seed=7, latent="gmm"),
            vae_with_mixture.latents(6, seed=7, latent="gmm"),
        )
        np.testing.assert_allclose(
            sampler.sample(6, seed=7, latent="gmm"), expected, atol=1e-5
        )


# ---------------------------------------------------------------- bad input
def _copy_export(exported, tmp_path):
    import shutil

    directory = tmp_path / "copy"
    shutil.copytree(exported[0], directory)
    return directory


def _edit_mixture(directory, change, rehash):
    manifest_path = directory / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    entry = manifest["latent_samplers"]["gmm"]
    path = directory / entry["file"]
    description = json.loads(path.read_text())
    change(description["mixtures"][0])
    path.write_text(json.dumps(description))
    if rehash:
        entry["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
        entry["size_bytes"] = path.stat().st_size
        manifest_path.write_text(json.dumps(manifest))


def _negative_diagonal(mixture):
    mixture["cholesky"][0][0][0] = -1.0


def _shifted_mean(mixture):
    mixture["means"][0][0] += 1.0


def test_tampered_mixture_is_refused(exported, tmp_path):
    directory = _copy_export(exported, tmp_path)
    _edit_mixture(directory, _shifted_mean, rehash=False)
    sampler = Sampler(directory, runtime="onnx")
    with pytest.raises(ValueError, match="does not match its manifest entry"):
        sampler.sample(2, latent="gmm")
    sampler.sample(2)  # the sampling graph needs no mixture file
    sampler.sample(2, latent="prior")


def test_hand_edited_non_positive_definite_mixture_is_refused(exported, tmp_path):
    directory = _copy_export(exported, tmp_path)
    _edit_mixture(directory, _negative_diagonal, rehash=True)
    with pytest.raises(ValueError, match="positive definite.*Received: mixtures"):
        Sampler(directory, runtime="onnx").sample(2, latent="gmm")


def _untrained_vae():
    return keras_vae.VAE(*small_encoder_decoder("mlp", SHAPE, 2))


BAD_INPUTS = {
    "no components": (
        lambda: _untrained_vae().fit_latent_sampler(
            np.zeros((8,) + SHAPE), num_components=0
        ),
        "num_components must be a positive integer.*Received: num_components=0",
    ),
    "more components than examples": (
        lambda: _untrained_vae().fit_latent_sampler(
            np.zeros((8,) + SHAPE), num_components=9
        ),
        r"at most the number of examples.*\(8\).*Received: num_components=9",
    ),
    "empty data": (
        lambda: _untrained_vae().fit_latent_sampler(np.zeros((0,) + SHAPE)),
        "empty.*Received: x.shape",
    ),
    "wrong-shape data": (
        lambda: _untrained_vae().fit_latent_sampler(np.zeros((8, 5, 5, 1))),
        r"shape \(batch, 28, 28, 1\).*Received: x.shape=\(8, 5, 5, 1\)",
    ),
    "gmm on a model without one": (
        lambda: _untrained_vae().sample(2, latent="gmm"),
        "no fitted latent sampler.*Received: latent='gmm'",
    ),
    "unknown latent sampler": (
        lambda: _untrained_vae().sample(2, latent="flow"),
        "Unknown latent.*Received: latent='flow'",
    ),
    "unknown covariance type": (
        lambda: fit_gaussian_mixture(np.zeros((8, 2)), 1, covariance_type="band"),
        "Unknown covariance_type.*Received: covariance_type='band'",
    ),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_sampler_input_gets_a_clear_error(case):
    trigger, message = BAD_INPUTS[case]
    with pytest.raises(ValueError, match=message):
        trigger()


def test_gmm_on_an_export_without_one(tmp_path):
    export_decoder(_untrained_vae(), tmp_path / "out", formats="onnx")
    sampler = Sampler(tmp_path / "out", runtime="onnx")
    assert sampler.latent_samplers == ["prior"]
    with pytest.raises(ValueError, match="no latent sampler.*Received: latent='gmm'"):
        sampler.sample(2, latent="gmm")


def test_log_density_matches_scipy():
    from scipy.stats import multivariate_normal

    rng = np.random.default_rng(0)
    means = rng.normal(size=(2, 3))
    factors = np.tril(rng.normal(size=(2, 3, 3))) + 2 * np.eye(3)
    weights = np.array([0.3, 0.7])
    z = rng.normal(size=(5, 3))
    expected = np.log(
        sum(
            w * multivariate_normal(m, f @ f.T).pdf(z)
            for w, m, f in zip(weights, means, factors)
        )
    )
    np.testing.assert_allclose(
        mixture_math.log_density(z, weights, means, factors), expected, rtol=1e-10
    )


def test_fit_uses_a_seeded_subset_of_large_data(vae_with_mixture, mnist_small):
    train, _ = mnist_small
    with pytest.raises(ValueError, match=r"\(100\).*Received: num_components=101"):
        vae_with_mixture.fit_latent_sampler(train, num_components=101, max_examples=100)
    first = vae_with_mixture.fit_latent_sampler(train, 3, max_examples=200, seed=1)
    first_means = first.mixtures()[0]["means"]
    again = vae_with_mixture.fit_latent_sampler(train, 3, max_examples=200, seed=1)
    np.testing.assert_array_equal(again.mixtures()[0]["means"], first_means)
    vae_with_mixture.fit_latent_sampler(train, num_components=5, seed=0)  # restore
