"""Which outputs a command may write: never an input, never a model, an
export or a preset, and an existing file only when asked to.

`check_output_path` guards every single-file output (`sample --out`,
`evaluate --json`): it refuses a path that is one of the command's inputs
or lies inside one, a model or data file (`.keras`, `.onnx`, `.tflite`,
`.npz`, ...), any path inside an export or preset folder, and an existing
file unless `--overwrite` (`overwrite=True`) is given.

`keras-vae export --overwrite` and `keras-vae web --overwrite` replace a
whole folder. A folder is replaced only when every file in it is one the
project wrote there: the files that the folder's own `manifest.json` lists
(an export) or the page's files plus its `export/` copy (a site). A folder
holding anything else (a model, notes, a symbolic link) is refused with the
unexpected names, and so is an output folder that holds, or lies inside, one
of the command's inputs, with or without `--overwrite`.

No TensorFlow import here: `keras-vae web` runs on the device side.
"""

import json
import os
import shutil
from pathlib import Path

from keras_vae_sampler.file_io import check_output_file
from keras_vae_sampler.manifest import MANIFEST_NAME

# A manifest is a few KB (a conditional model's with its class names, a few
# tens); a larger file is not one this project wrote.
MAX_MANIFEST_BYTES = 1 << 20


# Files that hold a model, an export's graphs or data: an output never
# replaces one, even with --overwrite.
PROTECTED_SUFFIXES = (
    ".keras",
    ".h5",
    ".onnx",
    ".tflite",
    ".pb",
    ".npz",
    ".npy",
    ".gz",
    ".safetensors",
)


def owning_folder(path):
    """The export or preset folder that `path` lies in, as `(folder, kind)`
    with kind `"export"` or `"preset"`, or `None`."""
    for folder in Path(path).resolve().parents:
        if export_folder_files(folder) is not None:
            return folder, "export"
        if (folder / "metadata.json").is_file() and (folder / "config.json").is_file():
            return folder, "preset"
    return None


def check_output_path(path, name, overwrite=False, inputs=None):
    """Refuses a single-file output that would destroy something.

    Args:
        path: the file a command is about to write.
        name: how the user gave it (`"--out"`), for the message.
        overwrite: bool. Whether replacing an existing file was asked for
            (`--overwrite`). It never allows replacing an input, a model,
            an export or a preset file.
        inputs: dict `{argument name: path}` of the command's inputs (a
            model file, a data folder, an export folder).

    Raises:
        ValueError: naming what the path would replace and the fix.
    """
    check_output_file(path, name)
    received = f"Received: {name}={str(path)!r}"
    target = Path(path).resolve()
    for source_name, source in (inputs or {}).items():
        source_path = Path(source).resolve()
        same = target == source_path or (
            target.exists() and source_path.exists() and target.samefile(source_path)
        )
        if same or target.is_relative_to(source_path):
            relation = "is" if same else "lies inside"
            raise ValueError(
                f"{name} {relation} the input {source_name}; writing it would "
                f"change the input. Choose a path outside it. {received}, "
                f"{source_name}={str(source)!r}"
            )
    owner = owning_folder(target)
    if owner is not None:
        folder, kind = owner
        raise ValueError(
            f"{name} lies inside the {kind} folder {str(folder)!r}; writing "
            f"there would change the {kind}. Choose a path outside it. {received}"
        )
    if not target.exists():
        return
    if target.suffix.lower() in PROTECTED_SUFFIXES:
        raise ValueError(
            f"{name} is an existing model or data file ({target.suffix}); an "
            f"output never replaces one, even with --overwrite. Choose another "
            f"path. {received}"
        )
    if not overwrite:
        raise ValueError(
            f"{name} exists; pass --overwrite (overwrite=True) to replace it, "
            f"or choose another path. {received}"
        )


def check_not_overlapping(output_dir, inputs, name="output_dir", what="output folder"):
    """Refuses an output folder that is, holds or lies inside an input.

    Args:
        output_dir: the folder a command is about to (re)write.
        inputs: dict `{argument name: path}` of the command's inputs.
        name: the output argument's name, for the message.
        what: what the output is, for the message.

    Raises:
        ValueError: naming the input it overlaps.
    """
    output = Path(output_dir).resolve()
    for source_name, path in inputs.items():
        source = Path(path).resolve()
        if source == output or source.is_relative_to(output):
            relation = "is" if source == output else "holds"
            raise ValueError(
                f"The {what} {relation} the input {source_name}; writing it would "
                f"replace the input. Choose another folder. Received: "
                f"{name}={str(output_dir)!r}, {source_name}={str(path)!r}"
            )
        if output.is_relative_to(source):
            raise ValueError(
                f"The {what} lies inside the input {source_name}; choose a folder "
                f"outside it. Received: {name}={str(output_dir)!r}, "
                f"{source_name}={str(path)!r}"
            )


def export_folder_files(folder):
    """The files an earlier export wrote in `folder`, as its manifest lists
    them, or `None` when the folder has no readable keras-vae manifest: the
    `expected_files` of `keras-vae export`."""
    path = Path(folder) / MANIFEST_NAME
    if path.is_symlink() or not path.is_file():
        return None
    if path.stat().st_size > MAX_MANIFEST_BYTES:
        return None
    try:
        manifest = json.loads(path.read_text())
    except (OSError, ValueError, RecursionError):
        return None
    if not isinstance(manifest, dict) or "manifest_version" not in manifest:
        return None
    listed = {MANIFEST_NAME}
    artifacts = manifest.get("artifacts")
    for entry in artifacts.values() if isinstance(artifacts, dict) else ():
        if not isinstance(entry, dict) or not isinstance(entry.get("file"), str):
            continue
        files = entry.get("files") if isinstance(entry.get("files"), dict) else {}
        if set(files) == {Path(entry["file"]).name}:
            listed.add(entry["file"])
        else:  # a folder artifact (SavedModel): its files, relative to it
            listed.update(f"{entry['file']}/{name}" for name in files)
    samplers = manifest.get("latent_samplers")
    for entry in samplers.values() if isinstance(samplers, dict) else ():
        if isinstance(entry, dict) and isinstance(entry.get("file"), str):
            listed.add(entry["file"])
    return listed


def _unexpected_entries(folder, expected):
    """Names under `folder` that are not expected files. Folders are judged
    by what they hold (an empty one holds nothing to lose); symbolic links
    and special files are always unexpected."""
    unexpected = []
    for path in sorted(folder.rglob("*")):
        name = path.relative_to(folder).as_posix()
        if path.is_symlink():
            unexpected.append(name)
        elif path.is_dir():
            continue
        elif not path.is_file() or name not in expected:  # a FIFO, a device
            unexpected.append(name)
    return unexpected


def check_replaceable(
    folder,
    expected_files,
    command,
    overwrite,
    name="output_dir",
    marker="keras-vae manifest",
):
    """Refuses to replace a folder unless the project wrote all of it.

    Args:
        folder: the output folder.
        expected_files: a function of the folder returning the set of
            relative POSIX paths the command's earlier run wrote there, or
            `None` when the folder is not one it wrote.
        command: the command's name, for the message (`"keras-vae export"`).
        overwrite: bool. Whether `--overwrite` was given.
        name: the folder argument's name, for the message.
        marker: the file that shows the command wrote a folder, for the
            message.

    Raises:
        ValueError: the folder is a file or a symbolic link, is not empty and
            `overwrite` is false, or holds anything the command did not write.
    """
    folder = Path(folder)
    received = f"Received: {name}={str(folder)!r}"
    if folder.is_symlink():
        raise ValueError(
            "The output folder is a symbolic link; give the folder it points "
            f"to, or another. {received}"
        )
    if folder.exists() and not folder.is_dir():
        raise ValueError(f"The output folder is an existing file. {received}")
    if not folder.is_dir() or not any(folder.iterdir()):
        return
    if not overwrite:
        raise ValueError(
            "The output folder exists and is not empty; pass overwrite=True "
            f"(--overwrite) to replace it. {received}"
        )
    expected = expected_files(folder)
    if expected is None:
        raise ValueError(
            f"--overwrite replaces only a folder written by `{command}`, and "
            f"this one is not (it has no {marker}); nothing was "
            f"deleted. Choose an empty or new folder. {received}"
        )
    unexpected = _unexpected_entries(folder, expected)
    if unexpected:
        shown = unexpected[:5] + (["..."] if len(unexpected) > 5 else [])
        raise ValueError(
            f"--overwrite replaces only a folder written by `{command}`, and "
            f"this one also holds files it did not write: {shown}; nothing was "
            f"deleted. Move them out or choose another folder. {received}"
        )


def replace_folder(staging, folder):
    """Renames the finished `staging` folder to `folder`, replacing it.

    An existing `folder` is first renamed aside, and deleted only once the
    new one is in place; if the rename fails, the old folder is put back.
    Call `check_replaceable` first.
    """
    staging, folder = Path(staging), Path(folder)
    backup = None
    if folder.exists():
        backup = folder.with_name(f".{folder.name}.old-{os.getpid()}")
        os.rename(folder, backup)
    try:
        os.rename(staging, folder)
    except OSError:
        if backup is not None:
            os.rename(backup, folder)
        raise
    if backup is not None:
        shutil.rmtree(backup)
