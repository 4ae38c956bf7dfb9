"""Property-based tests (hypothesis) of the losses and the IDX reader."""

import gzip

import numpy as np
import pytest
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from keras import ops

from keras_vae.data.idx import read_idx
from keras_vae.likelihoods import BernoulliLikelihood
from keras_vae.likelihoods import GaussianLikelihood
from keras_vae.losses import kl_divergence
from tests.idx_files import idx_bytes

SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
finite = st.floats(-10, 10, allow_nan=False, width=32)


@SETTINGS
@given(
    mean=hnp.arrays(np.float32, (3, 4), elements=finite),
    log_var=hnp.arrays(np.float32, (3, 4), elements=finite),
)
def test_kl_is_non_negative_and_zero_only_at_the_prior(mean, log_var):
    kl = ops.convert_to_numpy(kl_divergence(mean, log_var))
    assert np.all(np.isfinite(kl)) and np.all(kl >= -1e-5)
    at_prior = np.all(np.abs(mean) < 1e-3, axis=1) & np.all(
        np.abs(log_var) < 1e-3, axis=1
    )
    assert np.all(kl[~at_prior] > 0) or np.all(at_prior)
    np.testing.assert_allclose(kl[at_prior], 0.0, atol=1e-5)


unit = st.floats(0, 1, width=32)


@SETTINGS
@given(
    x=hnp.arrays(np.float32, (2, 5), elements=unit),
    logits=hnp.arrays(np.float32, (2, 5), elements=st.floats(-1e4, 1e4, width=32)),
    scale=st.floats(1e-3, 1e3),
)
def test_reconstruction_nll_is_finite_for_every_valid_input(x, logits, scale):
    bernoulli = ops.convert_to_numpy(
        BernoulliLikelihood().negative_log_likelihood(x, logits)
    )
    assert np.all(np.isfinite(bernoulli)) and np.all(bernoulli >= -1e-4)
    gaussian = ops.convert_to_numpy(
        GaussianLikelihood(scale=scale).negative_log_likelihood(x, logits / 1e3)
    )
    assert np.all(np.isfinite(gaussian))


@SETTINGS
@given(
    array=hnp.arrays(np.uint8, hnp.array_shapes(min_dims=1, max_dims=3, max_side=6)),
    cut=st.integers(1, 400),
    compress=st.booleans(),
)
def test_idx_reader_refuses_every_truncated_file(
    tmp_path_factory, array, cut, compress
):
    data = idx_bytes(array)
    truncated = data[: max(0, len(data) - cut)]
    path = tmp_path_factory.mktemp("idx") / "file"
    path.write_bytes(gzip.compress(truncated) if compress else truncated)
    np.testing.assert_array_equal(read_idx(_write(path, data, compress)), array)
    with pytest.raises(ValueError, match="Received: path="):
        read_idx(path)


def _write(path, data, compress):
    whole = path.with_name("whole")
    whole.write_bytes(gzip.compress(data) if compress else data)
    return whole


@SETTINGS
@given(
    array=hnp.arrays(np.uint8, hnp.array_shapes(min_dims=1, max_dims=3, max_side=6)),
    wrong_ndim=st.integers(1, 4),
    magic=st.binary(min_size=4, max_size=4),
)
def test_idx_reader_refuses_mislabelled_files(
    tmp_path_factory, array, wrong_ndim, magic
):
    folder = tmp_path_factory.mktemp("idx")
    data = idx_bytes(array)
    path = folder / "file"
    path.write_bytes(data)
    if wrong_ndim != array.ndim:
        with pytest.raises(ValueError, match="dimensions, expected"):
            read_idx(path, expected_ndim=wrong_ndim)
    relabelled = magic + data[4:]
    valid_magic = magic[:2] == b"\0\0" and magic[2] in (8, 9, 11, 12, 13, 14)
    if magic != data[:4] and not valid_magic:
        path.write_bytes(relabelled)
        with pytest.raises(ValueError, match="bad magic number"):
            read_idx(path)
    if valid_magic and magic != data[:4]:
        path.write_bytes(relabelled)
        # Another type or rank: the sizes no longer add up, or the header
        # is cut short; either way the reader refuses it or reads exactly
        # what the header describes.
        try:
            result = read_idx(path)
        except ValueError as error:
            assert "Received: path=" in str(error)
        else:
            assert result.ndim == magic[3]
