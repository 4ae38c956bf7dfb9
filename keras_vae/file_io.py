"""Atomic file writes: a file appears complete or not at all."""

import contextlib
import os
from pathlib import Path


@contextlib.contextmanager
def atomic_path(path):
    """Yields a temporary path beside `path`; renames it to `path` on success.

    If the body raises, the temporary file is removed and any previous file
    at `path` is left untouched. The temporary name keeps the suffix of
    `path`, for writers that insist on one (such as `Model.save`).

    Args:
        path: final path of the file.

    Example:
    ```python
    with atomic_path("out/model.keras") as tmp:
        model.save(tmp)
    ```
    """
    path = Path(path)
    tmp = path.with_name(f".{path.stem}.tmp-{os.getpid()}{path.suffix}")
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_text_atomic(path, text):
    """Writes `text` to `path` atomically."""
    with atomic_path(path) as tmp:
        Path(tmp).write_text(text)
