"""The output folder of one `keras-vae train` run: what may be written there.

A run folder is one run's: `train` refuses a folder that holds, is or lies
inside one of its inputs (the data, the `--encoder-from` model), refuses a
finished run unless `--overwrite` is given (and then replaces only what a
run wrote: its files, its checkpoints and the exports made from it), holds
an exclusive lock on the folder while it trains (a second `train` into it
is refused at once), and resumes from `checkpoints/` only with the options
the checkpoints were made with. No TensorFlow here.
"""

import contextlib
import dataclasses
import errno
import fcntl
import json
import os
import shutil
from pathlib import Path

from keras_vae.training.config import data_source
from keras_vae_sampler.output_folders import check_not_overlapping
from keras_vae_sampler.output_folders import export_folder_files

# What a finished run writes in its folder (`run._write_outputs`).
RUN_FILES = (
    "model.keras",
    "history.csv",
    "metrics.json",
    "reconstructions.png",
    "samples.png",
    "samples_gmm.png",
)
CHECKPOINTS = "checkpoints"
# The options the checkpoints were made with, beside them.
RESUME_RECORD = "run.json"
# Options a resumed run may change: how long it trains and where it writes.
RESUMABLE_CHANGES = ("epochs", "output_dir", "overwrite")


def _received(config):
    return f"Received: --output-dir={str(config.output_dir)!r}"


def check_run_inputs(output_dir, config):
    """Refuses an output folder that is, holds or lies inside an input of
    the run: the dataset's folder or file and the `--encoder-from` model."""
    inputs = data_source(config).local_inputs()
    if config.encoder_from is not None and Path(config.encoder_from).exists():
        inputs["--encoder-from"] = config.encoder_from
    check_not_overlapping(output_dir, inputs, name="--output-dir", what="output folder")


def _export_folders(output_dir):
    """The keras-vae export folders directly inside `output_dir`."""
    return [
        path
        for path in sorted(output_dir.iterdir())
        if path.is_dir() and not path.is_symlink() and export_folder_files(path)
    ]


def check_finished_run(output_dir, config):
    """Refuses to train into a folder that holds a finished run, unless
    `config.overwrite`; then refuses a folder holding anything a run (or an
    export of its model) did not write.

    Returns:
        The export folders made from the run being replaced (removed once
        the new run has written its files).
    """
    output_dir = Path(output_dir)
    finished = [name for name in RUN_FILES if (output_dir / name).exists()]
    if not finished:
        return []
    if not config.overwrite:
        raise ValueError(
            f"The output folder holds a finished run ({', '.join(finished)}); "
            "train does not replace it. Start anew in another --output-dir, or "
            "pass --overwrite to replace this run (its files and the exports "
            "made from it); to train this model further, load it with "
            "keras.saving.load_model(...) and call fit. " + _received(config)
        )
    exports = _export_folders(output_dir)
    expected = {*RUN_FILES, CHECKPOINTS, *(path.name for path in exports)}
    unexpected = sorted(
        path.name
        for path in output_dir.iterdir()
        if path.name not in expected or path.is_symlink()
    )
    if unexpected:
        raise ValueError(
            "--overwrite replaces only a run folder written by `keras-vae "
            f"train`, and this one also holds {unexpected[:5]}; nothing was "
            "deleted. Move them out or choose another --output-dir. "
            + _received(config)
        )
    return exports


@contextlib.contextmanager
def locked_run_folder(output_dir, config):
    """Creates `output_dir` if needed and holds an exclusive lock on it for
    the run; refuses at once when another `train` holds it. A folder this
    call created is removed again if the run leaves it empty."""
    output_dir = Path(output_dir)
    created = not output_dir.exists()
    output_dir.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(output_dir, os.O_RDONLY)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            if error.errno not in (errno.EWOULDBLOCK, errno.EAGAIN):
                raise
            raise ValueError(
                "Another `keras-vae train` is writing to this output folder; "
                "wait for it to finish or choose another --output-dir. "
                + _received(config)
            ) from None
        yield output_dir
    finally:
        os.close(descriptor)  # releases the lock
        if created and output_dir.is_dir() and not any(output_dir.iterdir()):
            output_dir.rmdir()


def _record(config):
    options = dataclasses.asdict(config)
    return {
        name: value for name, value in options.items() if name not in RESUMABLE_CHANGES
    }


def _shown(value):
    return json.dumps(value) if not isinstance(value, str) else value


def check_resume(checkpoints, config):
    """Refuses to resume from checkpoints made with other options (another
    dataset, latent size, architecture, ...), naming the options and the
    folder to delete; records the options when a run starts anew."""
    path = Path(checkpoints) / RESUME_RECORD
    current = json.loads(json.dumps(_record(config)))  # tuples as lists
    if not path.exists():
        return
    try:
        recorded = json.loads(path.read_text())
    except (OSError, ValueError):
        recorded = None
    if not isinstance(recorded, dict):
        raise ValueError(
            f"The checkpoints' record {str(path)!r} is unreadable, so this run "
            f"cannot tell what they were made with; delete {str(checkpoints)!r} "
            "to start anew. " + _received(config)
        )
    changed = [
        f"--{name.replace('_', '-')} {_shown(recorded.get(name))} -> "
        f"{_shown(current[name])}"
        for name in current
        if recorded.get(name) != current[name]
    ]
    if changed:
        raise ValueError(
            f"The checkpoints in {str(checkpoints)!r} were made with other "
            f"options ({'; '.join(changed)}); resuming would train the old "
            "weights on the new setting. Run the earlier command to resume "
            f"(only --epochs may change), or delete {str(checkpoints)!r} to "
            "start anew. " + _received(config)
        )


def write_resume_record(checkpoints, config):
    """Writes the options a run's checkpoints are made with."""
    from keras_vae_sampler.file_io import write_text_atomic

    record = json.dumps(_record(config), indent=2) + "\n"
    write_text_atomic(Path(checkpoints) / RESUME_RECORD, record)


def remove_stale(output_dir, written, exports):
    """After a run replaced an earlier one: removes the earlier run's files
    it did not write again (a `samples_gmm.png` of a run with a mixture)
    and the exports made from the earlier model."""
    for name in RUN_FILES:
        path = Path(output_dir) / name
        if path not in written and path.exists():
            path.unlink()
    for folder in exports:
        shutil.rmtree(folder)
        print(f"Removed {folder}: an export of the replaced model.")
