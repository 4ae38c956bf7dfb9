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


def _read_bytes(path):
    raw = path.read_bytes()
    if raw[:2] != b"\x1f\x8b":
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as error:
        raise ValueError(
            f"Corrupt gzip data in IDX file ({error}). Received: path={str(path)!r}"
        ) from None


def read_idx(path, expected_ndim=None):
    """Reads one IDX file, raw or gzip-compressed.

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
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"IDX file not found. Received: path={str(path)!r}")
    raw = _read_bytes(path)
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _DTYPES:
        raise ValueError(
            "Not an IDX file: bad magic number "
            f"{raw[:4].hex() or '(empty)'}. Received: path={str(path)!r}"
        )
    dtype, ndim = _DTYPES[raw[2]], raw[3]
    if expected_ndim is not None and ndim != expected_ndim:
        raise ValueError(
            f"IDX file has {ndim} dimensions, expected {expected_ndim}. "
            f"Received: path={str(path)!r}"
        )
    header_size = 4 + 4 * ndim
    if len(raw) < header_size:
        raise ValueError(f"Truncated IDX header. Received: path={str(path)!r}")
    shape = tuple(int(d) for d in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    expected_size = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(raw) - header_size != expected_size:
        raise ValueError(
            f"IDX file holds {len(raw) - header_size} data bytes but its "
            f"header {shape} needs {expected_size} (truncated or corrupt). "
            f"Received: path={str(path)!r}"
        )
    array = np.frombuffer(raw, dtype=dtype, offset=header_size).reshape(shape)
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
