import numpy as np
import pytest
from keras import ops

from keras_vae.likelihoods import BernoulliLikelihood
from keras_vae.likelihoods import GaussianLikelihood
from keras_vae.likelihoods import get as get_likelihood
from tests.roundtrip import run_serialization_test


def test_bernoulli_nll_is_summed_binary_cross_entropy():
    rng = np.random.default_rng(0)
    x = rng.uniform(size=(3, 4, 5, 1)).astype("float32")
    logits = rng.normal(size=x.shape).astype("float32") * 5
    p = 1 / (1 + np.exp(-logits.astype("float64")))
    expected = -(x * np.log(p) + (1 - x) * np.log(1 - p)).reshape(3, -1).sum(1)
    nll = ops.convert_to_numpy(BernoulliLikelihood().negative_log_likelihood(x, logits))
    np.testing.assert_allclose(nll, expected, rtol=1e-5)
    np.testing.assert_allclose(
        ops.convert_to_numpy(BernoulliLikelihood().mean(logits)), p, rtol=1e-5
    )


def test_bernoulli_nll_stays_finite_for_extreme_logits():
    x = np.array([[0.0, 1.0, 0.0, 1.0]], "float32")
    logits = np.array([[1e4, -1e4, -1e4, 1e4]], "float32")
    nll = ops.convert_to_numpy(BernoulliLikelihood().negative_log_likelihood(x, logits))
    np.testing.assert_allclose(nll, [2e4], rtol=1e-6)


def test_dynamic_binarisation_samples_pixels():
    x = np.full((200, 50), 0.3, "float32")
    binary = ops.convert_to_numpy(
        BernoulliLikelihood(binarize=True, seed=1).prepare_batch(x)
    )
    assert set(np.unique(binary)) == {0.0, 1.0}
    assert abs(binary.mean() - 0.3) < 0.01
    unchanged = BernoulliLikelihood().prepare_batch(x)
    np.testing.assert_array_equal(ops.convert_to_numpy(unchanged), x)


def test_gaussian_nll_matches_the_density():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(2, 6)).astype("float32")
    mean = rng.normal(size=(2, 6)).astype("float32")
    likelihood = GaussianLikelihood(scale=0.5)
    expected = (
        0.5 * ((x - mean) / 0.5) ** 2 + np.log(0.5) + 0.5 * np.log(2 * np.pi)
    ).sum(1)
    np.testing.assert_allclose(
        ops.convert_to_numpy(likelihood.negative_log_likelihood(x, mean)),
        expected,
        rtol=1e-5,
    )
    np.testing.assert_array_equal(ops.convert_to_numpy(likelihood.mean(mean)), mean)


def test_gaussian_scale_is_trainable_only_when_learned():
    assert GaussianLikelihood().trainable_weights == []
    learned = GaussianLikelihood(scale=0.2, learn_scale=True)
    assert len(learned.trainable_weights) == 1
    np.testing.assert_allclose(float(learned.log_scale.numpy()), np.log(0.2), rtol=1e-6)


def test_bernoulli_refuses_data_outside_unit_interval():
    with pytest.raises(ValueError, match=r"\[0, 1\].*Received: x with min=-0.5"):
        BernoulliLikelihood().check_data("x", np.array([-0.5, 0.5]))
    GaussianLikelihood().check_data("x", np.array([-3.0, 7.0]))


@pytest.mark.parametrize("bad", ["poisson", 3, None])
def test_unknown_likelihood_is_refused(bad):
    with pytest.raises(ValueError, match="Received: likelihood="):
        get_likelihood(bad)


def test_gaussian_scale_must_be_positive():
    with pytest.raises(ValueError, match="Received: scale=0"):
        GaussianLikelihood(scale=0)


def test_likelihood_configs_round_trip():
    revived = run_serialization_test(BernoulliLikelihood(binarize=True, seed=4))
    assert revived.binarize and revived.seed == 4
    revived = run_serialization_test(GaussianLikelihood(scale=0.3, learn_scale=True))
    assert revived.learn_scale and revived.scale == pytest.approx(0.3)
