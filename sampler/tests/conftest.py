"""Fixtures of the device package's tests: the committed small exports
(`data/`, written by `python -m tools.make_device_export` in the full
project) and the images Keras drew for them. No TensorFlow here."""

import shutil
from pathlib import Path

import numpy as np
import pytest

DATA_DIR = Path(__file__).resolve().parent / "data"
EXPORTS = ("unconditional", "conditional")


@pytest.fixture(scope="session")
def reference():
    """{export name: {array name: array}} from `data/reference.npz`."""
    with np.load(DATA_DIR / "reference.npz") as arrays:
        found = {}
        for key in arrays.files:
            name, array = key.split("/")
            found.setdefault(name, {})[array] = arrays[key]
        return found


@pytest.fixture
def export_copy(tmp_path):
    """A function: a fresh copy of a committed export, to alter."""

    def copy(name="unconditional"):
        target = tmp_path / name
        shutil.copytree(DATA_DIR / name, target)
        return target

    return copy
