"""Any `.npy`, `.npz` or image folder a user hands over gives images or one
clear `ValueError`, never another exception, a hang or a huge allocation.

Hypothesis mutates valid files (flipped, cut and inserted bytes, headers
that declare other shapes and dtypes) and writes folders of arbitrary
files, then reads them as `keras-vae train --dataset` does.
"""

import io
import zipfile

import hypothesis.strategies as st
import numpy as np
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings

from keras_vae.data.array_files import read_array_file
from keras_vae.data.image_folders import scan_image_folder
from tests.image_files import write_image

FUZZ = settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
IMAGES = np.arange(3 * 4 * 4, dtype=np.uint8).reshape(3, 4, 4)


def _npy(array):
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def _npz(**arrays):
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


edits = st.lists(
    st.tuples(
        st.sampled_from(["flip", "cut", "insert"]),
        st.integers(0, 10_000),
        st.binary(min_size=1, max_size=8),
    ),
    min_size=1,
    max_size=4,
)


def _mutate(data, changes):
    data = bytearray(data)
    for kind, position, payload in changes:
        position %= max(len(data), 1)
        if kind == "flip" and data:
            data[position] ^= payload[0] or 1
        elif kind == "cut":
            del data[position:]
        elif kind == "insert":
            data[position:position] = payload
    return bytes(data)


def _read_or_refuse(path):
    try:
        images, labels = read_array_file(path)
    except ValueError as error:
        assert "Received" in str(error), str(error)
        return
    assert images.ndim == 4 and len(labels) == len(images)


@FUZZ
@given(changes=edits)
def test_mutated_npy_files(tmp_path, changes):
    path = tmp_path / "images.npy"
    path.write_bytes(_mutate(_npy(IMAGES), changes))
    _read_or_refuse(path)


@FUZZ
@given(changes=edits)
def test_mutated_npz_files(tmp_path, changes):
    path = tmp_path / "images.npz"
    data = _npz(images=IMAGES, labels=np.array([0, 1, 2]))
    path.write_bytes(_mutate(data, changes))
    _read_or_refuse(path)


shapes = st.lists(st.integers(0, 2**40), min_size=0, max_size=5).map(tuple)
dtypes = st.sampled_from(["|u1", "<f4", "<i8", "|b1", "<c8", "|O", "<U3", "|V4"])


@FUZZ
@given(shape=shapes, descr=dtypes, size=st.integers(0, 256))
def test_npz_members_that_declare_any_shape(tmp_path, shape, descr, size):
    """A member's header may declare any shape and dtype over a few bytes
    (a zip bomb's header): it is refused from the header, never read."""
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": descr, "fortran_order": False, "shape": shape}
    )
    path = tmp_path / "claims.npz"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("images.npy", header.getvalue() + bytes(size))
    _read_or_refuse(path)


names = st.text(
    alphabet=st.characters(blacklist_characters="/\x00", blacklist_categories=["Cs"]),
    min_size=1,
    max_size=12,
).filter(lambda name: name not in (".", ".."))
entries = st.lists(
    st.tuples(
        st.lists(names, min_size=1, max_size=3),
        st.sampled_from([".png", ".jpg", ".gif", ".txt", ""]),
        st.one_of(st.binary(max_size=64), st.just(None)),
    ),
    max_size=6,
)


@FUZZ
@given(files=entries)
def test_image_folders_of_arbitrary_files(tmp_path_factory, files):
    root = tmp_path_factory.mktemp("photos")
    for parts, suffix, content in files:
        path = root.joinpath(*parts[:-1], parts[-1] + suffix)
        try:
            if content is None:  # a real image
                write_image(path, np.full((4, 4), 7, np.uint8), format="PNG")
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(content)
        except (OSError, ValueError):  # a name the file system refuses
            continue
    try:
        folder = scan_image_folder(root)
    except ValueError as error:
        assert "Received" in str(error), str(error)
        return
    assert len(folder.paths) == len(folder.labels) > 0
