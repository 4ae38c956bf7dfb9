import gzip
import hashlib

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_datasets as tfds

from keras_vae import data
from keras_vae.data.idx import read_idx
from keras_vae.data.idx import verify_checksums
from tests.idx_files import idx_bytes
from tests.idx_files import write_idx_folder

MNIST_DIR = data.REPOSITORY_DATA_DIR / "mnist"
SHARED_MNIST_DIR = data.REPOSITORY_DATA_DIR.parent.parent / "shared/data/mnist"


def test_bundled_mnist_matches_its_checksums_and_the_shared_copy():
    names = sorted(p.name for p in MNIST_DIR.glob("*.gz"))
    assert len(names) == 4
    assert verify_checksums(MNIST_DIR, names) == names
    if SHARED_MNIST_DIR.is_dir():
        shared = (SHARED_MNIST_DIR / "SHA256SUMS").read_text().split()
        ours = (MNIST_DIR / "SHA256SUMS").read_text().split()
        assert shared == ours


def test_bundled_mnist_is_real_mnist(mnist_arrays):
    (train_x, train_y), (test_x, test_y) = mnist_arrays
    assert train_x.shape == (60000, 28, 28, 1) and test_x.shape == (10000, 28, 28, 1)
    assert train_x.dtype == np.uint8 and train_y.dtype == np.int64
    assert set(np.unique(test_y)) == set(range(10))
    # Well-known facts of the MNIST test set: its first labels.
    assert list(test_y[:10]) == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]


def test_read_idx_raw_and_gzip_agree(tmp_path):
    array = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    (tmp_path / "a").write_bytes(idx_bytes(array))
    (tmp_path / "a.gz").write_bytes(gzip.compress(idx_bytes(array)))
    np.testing.assert_array_equal(read_idx(tmp_path / "a"), array)
    np.testing.assert_array_equal(read_idx(tmp_path / "a.gz", expected_ndim=3), array)


def corrupt_files():
    good = idx_bytes(np.zeros((2, 3, 3), np.uint8))
    return [
        (b"", "bad magic number"),
        (b"\x01\x02\x08\x03" + good[4:], "bad magic number 01020803"),
        (good[:-1], "holds 17 data bytes but its header"),
        (good + b"\x00", "holds more than 18 data bytes"),
        (good[:9], "Truncated IDX header"),
        (idx_bytes(np.zeros(4, np.uint8)), "has 1 dimensions, expected 3"),
        (gzip.compress(good)[:-6], "Corrupt gzip data"),
    ]


@pytest.mark.parametrize("content, message", corrupt_files())
def test_corrupt_idx_files_are_refused(tmp_path, content, message):
    path = tmp_path / "bad.gz"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=f"{message}.*Received: path="):
        read_idx(path, expected_ndim=3)


def test_data_dir_problems_are_refused(tiny_idx_dir, tmp_path):
    with pytest.raises(ValueError, match="data_dir is not a folder"):
        data.read_idx_split(tmp_path / "missing")
    (tiny_idx_dir / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(ValueError, match="no t10k-labels-idx1-ubyte.gz"):
        data.load_dataset("mnist", split="test", data_dir=tiny_idx_dir)
    with pytest.raises(ValueError, match="Received: split='validation'"):
        data.read_idx_split(tiny_idx_dir, "validation")


def test_label_count_mismatch_is_refused(tmp_path):
    images = np.zeros((3, 4, 4), np.uint8)
    folder = write_idx_folder(
        tmp_path / "d", (images, np.zeros(2, np.uint8)), (images, np.zeros(3, np.uint8))
    )
    with pytest.raises(ValueError, match="3 images but .* 2 labels"):
        data.read_idx_split(folder, "train")


def test_checksum_mismatch_is_refused(tiny_idx_dir):
    name = "train-images-idx3-ubyte.gz"
    digest = hashlib.sha256(b"something else").hexdigest()
    (tiny_idx_dir / "SHA256SUMS").write_text(f"{digest}  {name}\n")
    with pytest.raises(ValueError, match=f"Checksum mismatch for {name}"):
        data.read_idx_split(tiny_idx_dir, "train")


def test_load_dataset_from_an_idx_folder(tiny_idx_dir):
    dataset = data.load_dataset("mnist", batch_size=100, data_dir=tiny_idx_dir)
    batches = [b.numpy() for b in dataset]
    assert [len(b) for b in batches] == [100, 100, 56]
    assert batches[0].shape[1:] == (28, 28, 1) and batches[0].dtype == np.float32
    assert 0.0 <= min(b.min() for b in batches) and max(b.max() for b in batches) == 1
    x, y = next(
        iter(
            data.load_dataset(
                "mnist", "test", 8, data_dir=tiny_idx_dir, with_labels=True
            )
        )
    )
    assert x.shape == (8, 28, 28, 1) and y.dtype == tf.int64


def test_test_split_is_not_shuffled_and_train_is_reshuffled(tiny_idx_dir):
    test = data.load_dataset("mnist", "test", 128, data_dir=tiny_idx_dir)
    first = next(iter(test)).numpy()
    expected = data.read_idx_split(tiny_idx_dir, "test")[0].astype("float32") / 255
    np.testing.assert_allclose(first, expected)
    train = data.load_dataset("mnist", "train", 256, seed=1, data_dir=tiny_idx_dir)
    epoch_1, epoch_2 = (next(iter(train)).numpy() for _ in range(2))
    assert not np.array_equal(epoch_1, epoch_2)
    np.testing.assert_allclose(np.sort(epoch_1.ravel()), np.sort(epoch_2.ravel()))


def test_a_data_source_carries_the_reading_options(tiny_idx_dir):
    source = data.DataSource(
        "mnist", data_dir=tiny_idx_dir, image_size=14, validation_split=0.25
    )
    assert source.image_size == (14, 14) and source.evaluation_split == "validation"
    assert data.DataSource("mnist", validation_split=0).validation_split is None
    assert data.DataSource("mnist").evaluation_split == "test"
    by_source = data.load_arrays(source, "validation")
    by_arguments = data.load_arrays(
        "mnist", "validation", tiny_idx_dir, image_size=14, validation_split=0.25
    )
    for a, b in zip(by_source, by_arguments):
        np.testing.assert_array_equal(a, b)
    assert by_source[0].shape == (64, 14, 14, 1)
    with pytest.raises(ValueError, match="Received: channels=1"):
        data.load_dataset(source, channels=1)
    with pytest.raises(ValueError, match=r"\[0, 1\). Received: validation_split=1"):
        data.DataSource("mnist", validation_split=1)


def test_environment_variable_points_to_idx_folders(tiny_idx_dir, monkeypatch):
    monkeypatch.setenv("KERAS_VAE_DATA_DIR", str(tiny_idx_dir.parent))
    tiny_idx_dir.rename(tiny_idx_dir.parent / "fashion_mnist")
    images, labels = data.load_arrays("fashion_mnist", "test")
    assert images.shape == (128, 28, 28, 1) and labels.shape == (128,)


def test_arrays_become_batched_float_datasets():
    uint8 = np.full((10, 4, 5, 3), 255, np.uint8)
    batch = next(iter(data.load_dataset(uint8, batch_size=4)))
    assert batch.shape == (4, 4, 5, 3) and float(batch.numpy().max()) == 1.0
    floats = np.linspace(0, 1, 30, dtype="float64").reshape(10, 3)
    batches = list(data.load_dataset(floats, batch_size=4, shuffle=False))
    np.testing.assert_allclose(np.concatenate(batches), floats.astype("float32"))


def test_datasets_pass_through():
    dataset = tf.data.Dataset.range(3)
    assert data.load_dataset(dataset) is dataset


@pytest.mark.parametrize(
    "source, message",
    [
        (np.zeros((0, 4), "float32"), r"images is empty"),
        (np.full((3, 4), np.nan, "float32"), "NaN or Inf"),
        (np.full((3, 4), 2.0, "float32"), "Received: images with min=2, max=2"),
        (np.zeros(5, "float32"), r"Received: images.shape=\(5,\)"),
        (np.array([["a", "b"]]), "Received: images.dtype=<U1"),
        ([[0.1, 0.2]], "Received: source of type list"),
        ("not_a_dataset", "Received: dataset='not_a_dataset'"),
    ],
)
def test_bad_sources_are_refused(source, message):
    with pytest.raises(ValueError, match=message):
        data.load_dataset(source)


def test_bad_batch_size_is_refused():
    with pytest.raises(ValueError, match="Received: batch_size=0"):
        data.load_dataset(np.zeros((2, 2), "float32"), batch_size=0)


def test_tfds_names_load_through_tensorflow_datasets(monkeypatch):
    monkeypatch.delenv("KERAS_VAE_DATA_DIR", raising=False)
    with tfds.testing.mock_data(num_examples=12):
        x, y = next(iter(data.load_dataset("cifar10", batch_size=5, with_labels=True)))
        assert x.shape == (5, 32, 32, 3) and x.dtype == tf.float32
        assert 0.0 <= float(tf.reduce_min(x)) and float(tf.reduce_max(x)) <= 1.0
        assert y.shape == (5,)
        images, labels = data.load_arrays("fashion_mnist", "test")
        assert images.shape == (12, 28, 28, 1) and labels.shape == (12,)
