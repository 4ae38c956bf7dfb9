import numpy as np
from keras import ops

from keras_vae.losses import free_bits_kl
from keras_vae.losses import kl_divergence
from keras_vae.losses import kl_divergence_per_dim


def test_kl_matches_monte_carlo_estimate():
    rng = np.random.default_rng(0)
    mu = np.array([[0.5, -1.0, 2.0]], dtype="float32")
    log_var = np.array([[-1.0, 0.3, 0.0]], dtype="float32")
    sigma = np.exp(0.5 * log_var)
    z = mu + sigma * rng.standard_normal((400_000, 3)).astype("float32")
    log_q = -0.5 * (((z - mu) / sigma) ** 2 + log_var + np.log(2 * np.pi))
    log_p = -0.5 * (z**2 + np.log(2 * np.pi))
    monte_carlo = float(np.mean(np.sum(log_q - log_p, axis=1)))
    closed_form = float(ops.convert_to_numpy(kl_divergence(mu, log_var))[0])
    assert abs(closed_form - monte_carlo) < 0.02
    # The closed form also checks against its own formula per dimension.
    expected = 0.5 * (np.exp(log_var) + mu**2 - 1 - log_var)
    np.testing.assert_allclose(
        ops.convert_to_numpy(kl_divergence_per_dim(mu, log_var)), expected, rtol=1e-5
    )


def test_kl_is_zero_only_at_the_prior():
    zeros = np.zeros((2, 4), "float32")
    np.testing.assert_allclose(ops.convert_to_numpy(kl_divergence(zeros, zeros)), 0)
    shifted = ops.convert_to_numpy(kl_divergence(zeros + 0.1, zeros))
    assert np.all(shifted > 0)


def test_kl_is_float32_for_float16_inputs():
    z = np.zeros((2, 3), "float16")
    assert ops.convert_to_numpy(kl_divergence(z, z)).dtype == np.float32


def test_free_bits_floor_each_dimension():
    mu = np.array([[0.1, 3.0], [0.1, 3.0]], "float32")
    log_var = np.zeros_like(mu)
    per_dim = 0.5 * mu[0] ** 2  # [0.005, 4.5]
    plain = float(ops.convert_to_numpy(free_bits_kl(mu, log_var, 0.0)))
    floored = float(ops.convert_to_numpy(free_bits_kl(mu, log_var, 1.0)))
    np.testing.assert_allclose(plain, per_dim.sum(), rtol=1e-5)
    np.testing.assert_allclose(floored, 1.0 + per_dim[1], rtol=1e-5)
