"""Sample quality: Fréchet distance and precision/recall against exact
references, then on real MNIST features and a trained model."""

import keras
import numpy as np
import pytest

import keras_vae
from keras_vae import evaluation
from tests.small_networks import small_encoder_decoder


def test_frechet_distance_of_gaussians_matches_the_closed_form():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((20_000, 3))
    assert evaluation.frechet_distance(a, a) == pytest.approx(0.0, abs=1e-6)
    shift = np.array([1.0, 2.0, 0.0])
    # Same covariance, shifted mean: the distance is |shift|^2.
    assert evaluation.frechet_distance(a, a + shift) == pytest.approx(5.0, rel=1e-6)
    # Scaled by 3: Tr(S + 9 S - 2 * 3 S) = 4 Tr(S), with S the sample cov.
    expected = 4 * np.trace(np.cov(a, rowvar=False))
    assert evaluation.frechet_distance(a, 3 * a) == pytest.approx(expected, rel=1e-5)


def test_precision_and_recall_on_known_sets():
    rng = np.random.default_rng(0)
    real = np.concatenate([rng.normal(-5, 0.3, (200, 2)), rng.normal(5, 0.3, (200, 2))])
    same = evaluation.precision_recall(real, real.copy())
    assert same == {"precision": 1.0, "recall": 1.0}
    # Samples from one of the two modes: realistic, but half the data.
    one_mode = rng.normal(-5, 0.3, (400, 2))
    scores = evaluation.precision_recall(real, one_mode)
    assert scores["precision"] > 0.95
    assert 0.4 < scores["recall"] < 0.6
    far = evaluation.precision_recall(real, rng.normal(50, 0.3, (400, 2)))
    assert far == {"precision": 0.0, "recall": 0.0}


@pytest.fixture(scope="module")
def test_images(mnist_arrays):
    _, (test_x, _) = mnist_arrays
    return test_x[:2000].astype("float32") / 255.0


def test_real_images_score_near_perfect_and_noise_far(mnist_classifier, test_images):
    features = evaluation.classifier_features(mnist_classifier, test_images)
    first, second = features[:1000], features[1000:]
    noise = np.random.default_rng(0).uniform(size=(1000, 28, 28, 1)).astype("float32")
    noise_features = evaluation.classifier_features(mnist_classifier, noise)
    real_distance = evaluation.frechet_distance(first, second)
    noise_distance = evaluation.frechet_distance(first, noise_features)
    assert real_distance < 0.05 * noise_distance
    real_scores = evaluation.precision_recall(first, second)
    # k = 3 neighbours of 1,000 points in 256 dimensions: near 1, not 1.
    assert real_scores["precision"] > 0.8 and real_scores["recall"] > 0.8
    noise_scores = evaluation.precision_recall(first, noise_features)
    assert noise_scores["precision"] < 0.05 and noise_scores["recall"] < 0.05


def test_classifier_confidence_scores_given_images(mnist_classifier, test_images):
    real = evaluation.classifier_confidence(mnist_classifier, test_images)
    confidence = mnist_classifier.predict(test_images, verbose=0).max(axis=1)
    assert real["num_samples"] == 2000
    assert real["completeness"] == pytest.approx((confidence >= 0.9).mean())
    assert real["mean_confidence"] == pytest.approx(confidence.mean(), rel=1e-5)
    strict = evaluation.classifier_confidence(mnist_classifier, test_images, 0.99)
    assert strict["completeness"] < real["completeness"]


@pytest.mark.slow
def test_mixture_samples_beat_prior_samples(
    mnist_arrays, mnist_classifier, test_images, tmp_path
):
    (train_x, _), _ = mnist_arrays
    train = train_x[:6000].astype("float32") / 255.0
    encoder, decoder = small_encoder_decoder("mlp", (28, 28, 1), 8)
    vae = keras_vae.VAE(encoder, decoder, seed=0)
    vae.compile(optimizer=keras.optimizers.Adam(2e-3))
    vae.fit(train, epochs=8, batch_size=128, verbose=0)
    vae.fit_latent_sampler(train, num_components=20)
    prior = evaluation.sample_quality(vae, mnist_classifier, test_images, 1000)
    mixture = evaluation.sample_quality(
        vae, mnist_classifier, test_images, 1000, latent="gmm"
    )
    assert mixture["frechet_distance"] < prior["frechet_distance"]
    assert mixture["completeness"] > prior["completeness"]
    assert mixture["precision"] > prior["precision"]
    # The export's sampling graph, fed the seed's uniform noise alone, draws
    # what the mixture's latents decode to: the same scores.
    from keras_vae_export import export_decoder
    from keras_vae_sampler import Sampler

    export_dir = tmp_path / "exported"
    export_decoder(vae, export_dir, formats="onnx")
    sampler = Sampler(export_dir, runtime="onnx")
    graph = evaluation.sample_quality(
        sampler, mnist_classifier, test_images, 1000, latent="graph"
    )
    assert graph["completeness"] == pytest.approx(mixture["completeness"], abs=0.003)
    assert graph["frechet_distance"] == pytest.approx(
        mixture["frechet_distance"], rel=1e-3
    )
    with pytest.raises(ValueError, match="Received: model of type VAE"):
        evaluation.sample_quality(
            vae, mnist_classifier, test_images, 10, latent="graph"
        )
