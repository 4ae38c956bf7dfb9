"""Tests of reading images: MNIST IDX, tensorflow-datasets, folders, array files."""
