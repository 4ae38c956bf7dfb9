import numpy as np
from keras import ops

from keras_vae.layers.sampling import Sampling
from tests.roundtrip import run_serialization_test


def test_samples_have_the_posterior_mean_and_std():
    n = 200_000
    mu = np.tile(np.array([[1.5, -2.0]], "float32"), (n, 1))
    log_var = np.tile(np.array([[0.0, np.log(0.25)]], "float32"), (n, 1))
    z = ops.convert_to_numpy(Sampling(seed=3)([mu, log_var]))
    np.testing.assert_allclose(z.mean(axis=0), [1.5, -2.0], atol=0.01)
    np.testing.assert_allclose(z.std(axis=0), [1.0, 0.5], atol=0.01)


def test_same_seed_same_samples_and_calls_differ():
    inputs = [np.zeros((4, 3), "float32"), np.zeros((4, 3), "float32")]
    first, second = Sampling(seed=7), Sampling(seed=7)
    a, b = first(inputs), second(inputs)
    np.testing.assert_array_equal(ops.convert_to_numpy(a), ops.convert_to_numpy(b))
    assert not np.allclose(ops.convert_to_numpy(first(inputs)), ops.convert_to_numpy(a))


def test_output_shape_and_config_round_trip():
    layer = Sampling(seed=11, name="sampler")
    assert layer.compute_output_shape([(None, 5), (None, 5)]) == (None, 5)
    revived = run_serialization_test(layer)
    assert revived.seed == 11
