import pytest

from tests.idx_files import write_mnist_subset


@pytest.fixture
def small_idx_dir(tmp_path, mnist_arrays):
    """2,048 training and 256 test digits as IDX files."""
    return write_mnist_subset(tmp_path / "idx", mnist_arrays, 2048, 256)
