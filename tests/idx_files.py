"""Writes small IDX files for tests (not collected by pytest)."""

import gzip

import numpy as np


def idx_bytes(array):
    """The IDX encoding of a uint8 array."""
    array = np.asarray(array, dtype=np.uint8)
    header = bytes([0, 0, 0x08, array.ndim])
    header += np.asarray(array.shape, dtype=">u4").tobytes()
    return header + array.tobytes()


def write_idx_folder(directory, train, test, compress=True):
    """Writes an MNIST-layout folder from `(images, labels)` pairs of uint8
    arrays (images without the channel axis)."""
    directory.mkdir(parents=True, exist_ok=True)
    names = {
        "train-images-idx3-ubyte": train[0],
        "train-labels-idx1-ubyte": train[1],
        "t10k-images-idx3-ubyte": test[0],
        "t10k-labels-idx1-ubyte": test[1],
    }
    for name, array in names.items():
        data = idx_bytes(array)
        if compress:
            (directory / (name + ".gz")).write_bytes(gzip.compress(data))
        else:
            (directory / name).write_bytes(data)
    return directory


def write_mnist_subset(directory, mnist_arrays, train_count, test_count):
    """Writes the first images of real MNIST (as read by `read_idx_split`)
    to an MNIST-layout folder."""
    (train_x, train_y), (test_x, test_y) = mnist_arrays
    return write_idx_folder(
        directory,
        (train_x[:train_count, ..., 0], train_y[:train_count]),
        (test_x[:test_count, ..., 0], test_y[:test_count]),
    )
