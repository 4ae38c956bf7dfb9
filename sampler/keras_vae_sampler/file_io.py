"""Atomic file writes: a file appears complete or not at all."""

import contextlib
import os
import stat
from pathlib import Path

_KINDS = (
    (stat.S_ISLNK, "a symbolic link"),
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def special_kind(path):
    """What `path` is when it is not a regular file: `"a FIFO (named pipe)"`,
    `"a symbolic link"`, ...; `None` for a regular file or no file at all.
    Never follows a link and never opens the file."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return None
    return next((kind for test, kind in _KINDS if test(mode)), None)


def check_output_file(path, name="path"):
    """Refuses an output path that is not a regular file (or absent): a
    device, FIFO, socket, directory or symbolic link would be replaced by
    the atomic rename, so it is never written.

    Args:
        path: the output path.
        name: how the user gave it (an option name such as `"--out"`), for
            the message.
    """
    kind = special_kind(path)
    if kind is not None:
        raise ValueError(
            f"{name} is {kind}; outputs are written as new regular files, "
            "which would replace it, so it is refused: give a path that is a "
            f"regular file or does not exist yet. Received: {name}={str(path)!r}"
        )


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
    check_output_file(path)
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
