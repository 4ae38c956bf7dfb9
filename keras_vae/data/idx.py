"""Reader of IDX files, the format of the MNIST and Fashion-MNIST files.

An IDX file starts with two zero bytes, a type code (0x08 for unsigned
bytes), the number of dimensions, and each dimension as a big-endian
unsigned 32-bit integer; the values follow. Files may be gzip-compressed.
"""

import gzip
import hashlib
import zlib
from pathlib import Path

import numpy as np

_DTYPES = {
    0x08: np.dtype("uint8"),
    0x09: np.dtype("int8"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


def _read_exact(stream, size, path):
    """`size` bytes of `stream`, or fewer at its end; gzip errors named."""
    try:
        return stream.read(size)
    except (OSError, EOFError, zlib.error) as error:
        raise ValueError(
            f"Corrupt gzip data in IDX file ({error}). Received: path={str(path)!r}"
        ) from None


def read_idx(path, expected_ndim=None):
    """Reads one IDX file, raw or gzip-compressed.

    The header is read first and checked (type, dimensions, the memory the
    array needs); then exactly the bytes it declares are read, so a small
    compressed file that would unpack to gigabytes is refused unread.

    Args:
        path: path of the file.
        expected_ndim: int or None. Refuse a file with another number of
            dimensions (3 for images, 1 for labels). Defaults to `None`.

    Returns:
        A numpy array with the file's shape and type (native byte order).

    Example:
    ```python
    images = read_idx("data/mnist/t10k-images-idx3-ubyte.gz", expected_ndim=3)
    ```
    """
    from keras_vae.data.array_files import check_memory

    path = Path(path)
    if not path.is_file():
        raise ValueError(f"IDX file not found. Received: path={str(path)!r}")
    with open(path, "rb") as raw_file:
        compressed = raw_file.read(2) == b"\x1f\x8b"
    with gzip.open(path, "rb") if compressed else open(path, "rb") as stream:
        magic = _read_exact(stream, 4, path)
        if len(magic) < 4 or magic[0] != 0 or magic[1] != 0 or magic[2] not in _DTYPES:
            raise ValueError(
                "Not an IDX file: bad magic number "
                f"{magic.hex() or '(empty)'}. Received: path={str(path)!r}"
            )
        dtype, ndim = _DTYPES[magic[2]], magic[3]
        if expected_ndim is not None and ndim != expected_ndim:
            raise ValueError(
                f"IDX file has {ndim} dimensions, expected {expected_ndim}. "
                f"Received: path={str(path)!r}"
            )
        dims = _read_exact(stream, 4 * ndim, path)
        if len(dims) < 4 * ndim:
            raise ValueError(f"Truncated IDX header. Received: path={str(path)!r}")
        shape = tuple(int(d) for d in np.frombuffer(dims, dtype=">u4", count=ndim))
        check_memory(shape, dtype, path.name)
        expected_size = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
        data = _read_exact(stream, expected_size + 1, path)
    if len(data) != expected_size:
        found = (
            f"more than {expected_size}"
            if len(data) > expected_size
            else f"{len(data)}"
        )
        raise ValueError(
            f"IDX file holds {found} data bytes but its header {shape} needs "
            f"{expected_size} (truncated or corrupt). Received: path={str(path)!r}"
        )
    array = np.frombuffer(data, dtype=dtype).reshape(shape)
    return array.astype(dtype.newbyteorder("="), copy=True)


def verify_checksums(directory, file_names):
    """Checks files against the `SHA256SUMS` list in `directory`, if any.

    Args:
        directory: folder holding the files and, optionally, `SHA256SUMS`
            (lines `<hex digest>  <file name>`).
        file_names: names of the files to check; those not listed are
            skipped.

    Returns:
        The list of file names that were checked.
    """
    directory = Path(directory)
    sums_path = directory / "SHA256SUMS"
    if not sums_path.is_file():
        return []
    expected = {}
    for line in sums_path.read_text().splitlines():
        parts = line.split()
        if len(parts) == 2:
            expected[parts[1].lstrip("*")] = parts[0].lower()
    checked = []
    for name in file_names:
        if name not in expected:
            continue
        digest = hashlib.sha256((directory / name).read_bytes()).hexdigest()
        if digest != expected[name]:
            raise ValueError(
                f"Checksum mismatch for {name}: SHA256SUMS lists "
                f"{expected[name]}, the file has {digest}. Received: "
                f"path={str(directory / name)!r}"
            )
        checked.append(name)
    return checked
