import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import pytest  # noqa: E402

from keras_vae import data  # noqa: E402
from tests.idx_files import write_mnist_subset  # noqa: E402


@pytest.fixture(autouse=True)
def fixed_seed():
    keras.utils.set_random_seed(1234)
    yield
    keras.config.set_dtype_policy("float32")


@pytest.fixture(scope="session")
def mnist_arrays():
    """Real MNIST from the repository's IDX files: uint8 (n, 28, 28, 1)."""
    directory = data.REPOSITORY_DATA_DIR / "mnist"
    train = data.read_idx_split(directory, "train")
    test = data.read_idx_split(directory, "test")
    return train, test


@pytest.fixture(scope="session")
def mnist_small(mnist_arrays):
    """1024 training and 256 test images of real MNIST, float32 in [0, 1]."""
    (train_x, _), (test_x, _) = mnist_arrays
    return (
        train_x[:1024].astype("float32") / 255.0,
        test_x[:256].astype("float32") / 255.0,
    )


@pytest.fixture
def tiny_idx_dir(tmp_path, mnist_arrays):
    """A folder of real-MNIST IDX files cut to 256 train / 128 test images."""
    return write_mnist_subset(tmp_path / "idx", mnist_arrays, 256, 128)


@pytest.fixture(scope="session")
def mnist_classifier(tmp_path_factory):
    """The reference MNIST classifier, trained once per session."""
    from keras_vae import evaluation

    cache = tmp_path_factory.mktemp("classifier_cache")
    return evaluation.reference_classifier(cache_dir=cache)
