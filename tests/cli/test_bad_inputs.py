"""The catalogue of bad inputs: each gets one clear error naming the value
received, and writes nothing.

docs/bad_inputs.md lists the catalogue with the messages users see; each
test below checks its row there. Run `python -m tests.cli.test_bad_inputs` to
regenerate that table after changing the catalogue or a message.
"""

import gzip
import os
import re
import sys
from pathlib import Path

import keras
import numpy as np
import onnxruntime
import pytest
import tensorflow as tf

import keras_vae
from keras_vae.cli import main
from keras_vae_export.exporter import export_decoder
from keras_vae_sampler.presets import preset_export_dir
from keras_vae_sampler.sampler import Sampler
from tests.paths import ROOT

GOOD = np.full((4, 28, 28, 1), 0.5, "float32")
GOOD_IMAGE = np.full((8, 8), 128, np.uint8)
COLOUR_IMAGE = np.full((8, 8, 3), (200, 10, 10), np.uint8)
DOC = ROOT / "docs" / "bad_inputs.md"
TABLE_HEADER = "| bad input | error |\n|---|---|\n"
# Rows whose message depends on the user running them (root writes into a
# read-only folder, so that case uses /proc there): only the text before
# the operating system's reason is compared.
VARIES_BY_USER = {"read-only --output-dir", "sample --threads above the number of CPUs"}


def _vae():
    encoder, decoder = keras_vae.build_encoder_decoder("mlp", (28, 28, 1), 2)
    vae = keras_vae.VAE(encoder, decoder)
    vae.compile()
    return vae


def _cvae():
    encoder, decoder = keras_vae.build_encoder_decoder(
        "mlp", (28, 28, 1), 2, num_classes=10
    )
    cvae = keras_vae.ConditionalVAE(encoder, decoder)
    cvae.compile()
    return cvae


def _with(array_change):
    x = GOOD.copy()
    array_change(x)
    return x


def _cli(*args):
    """Runs the CLI; turns its exit-2 message into a ValueError."""
    import contextlib
    import io

    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr):
        try:
            code = main([str(a) for a in args])
        except SystemExit as exit:
            code = exit.code
    if code != 0:
        raise ValueError(stderr.getvalue().strip().splitlines()[-1])


def _saved_model(ctx, model):
    # Named by class: Keras' automatic model names count the models made in
    # the process, which would change the documented message.
    path = ctx.tmp / f"{type(model).__name__.lower()}.keras"
    model.save(path)
    return path


def _corrupt_idx(ctx, transform):
    name = ctx.idx / "train-images-idx3-ubyte.gz"
    name.write_bytes(transform(name.read_bytes()))
    return ctx.idx


def _export(ctx):
    directory = ctx.tmp / "exported"
    if not directory.exists():
        export_decoder(_vae(), directory, formats="onnx")
    return directory


def _tampered_export(ctx):
    directory = _export(ctx)
    path = directory / "decoder.onnx"
    data = bytearray(path.read_bytes())
    data[-50] ^= 0xFF
    path.write_bytes(bytes(data))
    return directory


def _read_only_dir(ctx):
    if os.geteuid() == 0:
        # root writes into chmod-555 folders; /proc refuses everyone.
        return Path("/proc") / "keras-vae-run"
    folder = ctx.tmp / "read-only"
    folder.mkdir()
    folder.chmod(0o555)
    return folder / "run"


def _train(ctx, *extra):
    return _cli("train", "--data-dir", ctx.idx, "--epochs", 1, "--output-dir",
                ctx.tmp / "out", *extra)  # fmt: skip


def _fit(x):
    return lambda c: _vae().fit(x, verbose=0)


def _nan(x):
    x[0, 3, 4, 0] = np.nan


def _inf(x):
    x[1, 0, 0, 0] = np.inf


def _truncate_gzip_payload(data):
    return gzip.compress(gzip.decompress(data)[:-7])


def _idx_bomb(data):
    """A gzip IDX file whose header declares 16 million images (12 GiB
    unpacked) over a few kilobytes of compressed zeros."""
    import gzip

    header = bytes([0, 0, 8, 3]) + np.array([16_000_000, 28, 28], ">u4").tobytes()
    return gzip.compress(header + bytes(1 << 20))


def _missing_idx_file(c):
    (c.idx / "t10k-images-idx3-ubyte.gz").unlink()
    return keras_vae.data.read_idx_split(c.idx, "test")


def _broken_keras_file(c, content):
    path = c.tmp / "broken.keras"
    path.write_bytes(content(c))
    return _cli("export", path, c.tmp / "e")


def _autoencoder():
    encoder, decoder = keras_vae.build_encoder_decoder("mlp", (4,), 2, False)
    return keras_vae.Autoencoder(encoder, decoder)


def _without_onnxruntime(c):
    export_dir = _export(c)
    sys.modules["onnxruntime"] = None
    return Sampler(export_dir, runtime="onnx")


def _small_networks(latent_dim=2, decoder_latent_dim=None):
    return (
        keras_vae.build_mlp_encoder((4,), latent_dim),
        keras_vae.build_mlp_decoder(decoder_latent_dim or latent_dim, (4,)),
    )


def _folder(c, files):
    """A folder under `c.tmp` with `files`: {relative path: uint8 array or
    bytes}."""
    from tests.image_files import write_image

    folder = c.tmp / "photos"
    folder.mkdir(exist_ok=True)
    for name, content in files.items():
        if isinstance(content, bytes):
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / name).write_bytes(content)
        else:
            write_image(folder / name, content)
    return folder


def _load(source, **kwargs):
    return lambda c: keras_vae.data.load_dataset(str(source(c)), **kwargs)


def _truncated_png(c):
    noise = np.random.default_rng(0).integers(0, 256, (32, 32), np.uint8)
    folder = _folder(c, {"a.png": noise})
    data = (folder / "a.png").read_bytes()
    (folder / "b.png").write_bytes(data[: len(data) * 4 // 5])
    return folder


def _unreadable_folder(c):
    import unittest.mock

    folder = _folder(c, {"cats/a.png": GOOD_IMAGE, "cats/b.png": GOOD_IMAGE})
    locked = folder / "dogs"
    locked.mkdir()
    locked.chmod(0)
    if not os.access(locked, os.R_OK):  # root reads it anyway
        return keras_vae.data.load_dataset(str(folder))
    scandir = os.scandir

    def refuse(path):
        if str(path) == str(locked):
            raise PermissionError(13, "Permission denied", str(path))
        return scandir(path)

    with unittest.mock.patch("keras_vae.data.image_folders.os.scandir", refuse):
        return keras_vae.data.load_dataset(str(folder))


def _array_file(c, name, **arrays):
    path = c.tmp / name
    if name.endswith(".npy"):
        np.save(path, arrays["images"], allow_pickle=True)
    else:
        np.savez(path, **arrays)
    return path


def _fifo_in_folder(c):
    folder = _folder(c, {"cats/a.png": GOOD_IMAGE, "dogs/a.png": GOOD_IMAGE})
    (folder / "dogs" / "c.png").write_bytes((folder / "dogs" / "a.png").read_bytes())
    os.mkfifo(folder / "cats" / "b.png")
    return folder


def _link_cycle(c):
    folder = _folder(c, {"cats/a.png": GOOD_IMAGE, "cats/b.png": GOOD_IMAGE})
    (folder / "cats" / "back").symlink_to(folder, target_is_directory=True)
    return folder


def _header_only_npy(c, shape, name="claims.npy"):
    """A .npy whose header declares `shape` (uint8) and that holds 16 bytes:
    reading its data would allocate the declared size first."""
    import io

    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": "|u1", "fortran_order": False, "shape": shape}
    )
    path = c.tmp / name
    path.write_bytes(header.getvalue() + bytes(16))  # magic, header, 16 bytes
    return path


def _npz_claiming(c, shape):
    """A .npz whose images member declares `shape` (uint8), holding 16
    bytes (a zip bomb's header, without the bomb)."""
    import zipfile

    member = _header_only_npy(c, shape, "images.npy").read_bytes()
    path = c.tmp / "claims.npz"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("images.npy", member)
    return path


def _labelled_npz(c, labels, count=None):
    count = len(labels) if count is None else count
    images = np.full((count, 8, 8), 128, np.uint8)
    return _array_file(c, "own.npz", images=images, labels=np.asarray(labels))


def _train_on(c, dataset, *extra):
    return _cli("train", "--dataset", dataset, "--epochs", 1, "--batch-size", 4,
                "--output-dir", c.tmp / "out", *extra)  # fmt: skip


def _full_disk(target, *argv):
    """Runs the CLI with `target` raising ENOSPC, as a full disk would."""
    import errno
    import unittest.mock

    full = OSError(errno.ENOSPC, "No space left on device", "/full/disk/file")
    with unittest.mock.patch(target, side_effect=full):
        return _cli(*argv)


def _runtime_refuses_its_file(c):
    """An export whose ONNX files are garbage listed with their own hashes:
    every check passes, then ONNX Runtime refuses the bytes."""
    import hashlib
    import json

    directory = _export(c)
    manifest = json.loads((directory / "manifest.json").read_text())
    for entry in manifest["artifacts"].values():
        data = b"not an onnx model at all"
        (directory / entry["file"]).write_bytes(data)
        listing = {"size_bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
        entry["files"] = {entry["file"]: listing}
        entry["size_bytes"] = len(data)
    (directory / "manifest.json").write_text(json.dumps(manifest))
    return _cli("sample", directory, "--runtime", "onnx", "--out", c.tmp / "g.png")


def _run_folder(c):
    """A training run's folder: the model file and a note of the user's."""
    run = c.tmp / "run"
    if not run.exists():
        run.mkdir()
        _saved_model(c, _vae()).rename(run / "model.keras")
        (run / "notes.txt").write_text("mine")
    return run


def _export_with_notes(c):
    directory = _export(c)
    (directory / "notes.txt").write_text("mine")
    return directory


def _fifo(c, name):
    path = c.tmp / name
    os.mkfifo(path)
    return path


def _symlink_to_notes(c, name):
    (c.tmp / "notes.txt").write_text("mine")
    path = c.tmp / name
    path.symlink_to(c.tmp / "notes.txt")
    return path


def _fifo_artifact(c):
    """An export whose decoder.onnx is a FIFO: reading it would block."""
    directory = _export(c)
    (directory / "decoder.onnx").unlink()
    os.mkfifo(directory / "decoder.onnx")
    return directory


def _huge_manifest(c):
    """An export whose manifest.json is sparse and larger than any export."""
    from keras_vae_sampler.manifest import MAX_JSON_BYTES

    directory = _export(c)
    with open(directory / "manifest.json", "r+b") as handle:
        handle.truncate(MAX_JSON_BYTES + 1)
    return directory


def _zip_bomb(c):
    """A .keras file whose members claim 8 GB unpacked (sizes patched in
    its central directory)."""
    import zipfile

    path = c.tmp / "bomb.keras"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("config.json", "{}")
        archive.writestr("model.weights.h5", "0")
    data = bytearray(path.read_bytes())
    start = 0
    while (start := data.find(b"PK\x01\x02", start)) >= 0:
        data[start + 24 : start + 28] = (0xFFFFFFF0).to_bytes(4, "little")
        start += 4
    path.write_bytes(bytes(data))
    return path


def _serve_on_busy_port(c):
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        return _cli("serve", _export(c), "--port", busy.getsockname()[1])


def _altered_preset(c):
    """A preset folder whose weights changed after it was saved (same size)."""
    folder = _vae().save_to_preset(c.tmp / "preset")
    weights = folder / "model.weights.h5"
    data = bytearray(weights.read_bytes())
    data[-1] ^= 0x01
    weights.write_bytes(bytes(data))
    return folder


def _rewritten_preset(c, metadata_change=None, config=None):
    """A saved preset whose metadata or config.json was rewritten, with the
    listed sizes and hashes updated to match (so only the content is
    wrong)."""
    import json

    from keras_vae_sampler.presets import preset_files

    folder = _vae().save_to_preset(c.tmp / "preset")
    if config is not None:
        (folder / "config.json").write_text(json.dumps(config))
    metadata = json.loads((folder / "metadata.json").read_text())
    metadata["files"] = preset_files(folder)
    (metadata_change or (lambda m: None))(metadata)
    (folder / "metadata.json").write_text(json.dumps(metadata))
    return folder


def _preset_with_config(c, module, class_name, registered_name, config):
    """A saved preset whose config.json was replaced by this one."""
    config = {"module": module, "class_name": class_name,
              "registered_name": registered_name, "config": config}  # fmt: skip
    return _rewritten_preset(c, config=config)


def _keeping(folder_of, action):
    """A trigger that runs `action(c, folder)` and checks that every file
    of `folder` (made by `folder_of(c)`) is still there, unchanged."""

    def trigger(c):
        folder = folder_of(c)
        before = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
        try:
            action(c, folder)
        finally:
            after = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
            assert after == before, f"{folder} changed"

    return trigger


# (kind of bad input, what the message must say, how to trigger it)
CATALOGUE = [
    # Data given to the model or the data module.
    ("input rank", r"Received: x.shape=\(4, 28, 28\)", _fit(GOOD[..., 0])),
    ("input shape", r"Received: x.shape=\(4, 27, 28, 1\)", _fit(GOOD[:, :27])),
    ("dtype", "Received: x.dtype=complex64", _fit(GOOD.astype("complex64"))),
    ("NaN", r"NaN or Inf .* index \(0, 3, 4, 0\)", _fit(_with(_nan))),
    ("Inf", r"NaN or Inf .* index \(1, 0, 0, 0\)", _fit(_with(_inf))),
    ("out of [0, 1] for Bernoulli", r"needs data in \[0, 1\]", _fit(GOOD * 3)),
    ("empty array", "x is empty", _fit(GOOD[:0])),
    (
        "NaN in a tensor",
        r"NaN or Inf .* index \(0, 3, 4, 0\)",
        _fit(tf.constant(_with(_nan))),
    ),
    (
        "tensor out of [0, 1] for Bernoulli",
        r"needs data in \[0, 1\]",
        _fit(tf.constant(np.full((4, 28, 28, 1), 255.0, "float32"))),
    ),
    (
        "unbatched dataset",
        "Batch an unbatched dataset",
        lambda c: _vae().fit(keras_vae.data.load_dataset(GOOD).unbatch()),
    ),
    (
        "empty data source",
        "images is empty",
        lambda c: keras_vae.data.load_dataset(GOOD[:0]),
    ),
    (
        "float images outside [0, 1]",
        r"must lie in \[0, 1\]",
        lambda c: keras_vae.data.load_dataset(GOOD * 3),
    ),
    (
        "batch size larger than the dataset",
        "larger than the training set",
        lambda c: _train(c, "--batch-size", 512),
    ),
    (
        "unknown dataset",
        "Received: dataset='mnits'",
        lambda c: _train(c, "--dataset", "mnits"),
    ),
    (
        "corrupt IDX file",
        "Corrupt gzip data",
        lambda c: keras_vae.data.read_idx_split(_corrupt_idx(c, lambda b: b[:100])),
    ),
    (
        "truncated IDX data",
        "truncated or corrupt",
        lambda c: keras_vae.data.read_idx_split(
            _corrupt_idx(c, _truncate_gzip_payload)
        ),
    ),
    (
        "small gzip IDX file that would unpack to gigabytes",
        r"declares an array of shape \(16000000, 28, 28\) \(uint8\) that needs "
        "62,720,000,000 bytes",
        lambda c: keras_vae.data.read_idx_split(_corrupt_idx(c, _idx_bomb)),
    ),
    ("missing IDX file", "has no t10k-images", _missing_idx_file),
    # Image folders and array files.
    ("empty image folder", "folder is empty", _load(lambda c: _folder(c, {}))),
    (
        "folder without images",
        r"holds no PNG, JPEG, BMP, GIF images \(such as 'notes.txt'\)",
        _load(lambda c: _folder(c, {"notes.txt": b"hello"})),
    ),
    (
        "truncated image",
        r"Cannot read the image file 'b.png' .*Received: file=",
        _load(_truncated_png),
    ),
    (
        "not an image despite its extension",
        r"Cannot read the image file 'fake.jpg'",
        _load(lambda c: _folder(c, {"a.png": GOOD_IMAGE, "fake.jpg": b"%PDF-1.4"})),
    ),
    (
        "images of different sizes",
        r"mixes image sizes: 'a.png' is \(8, 8\), 'b.png' is \(8, 9\).*--image-size",
        _load(
            lambda c: _folder(
                c, {"a.png": GOOD_IMAGE, "b.png": np.full((8, 9), 128, np.uint8)}
            )
        ),
    ),
    (
        "grey mixed with colour",
        r"'a.png' is grey, 'b.png' is colour.*--channels",
        _load(lambda c: _folder(c, {"a.png": GOOD_IMAGE, "b.png": COLOUR_IMAGE})),
    ),
    (
        "class folder with one image",
        "The class folder 'dogs' holds one image",
        _load(
            lambda c: _folder(
                c,
                {
                    "cats/a.png": GOOD_IMAGE,
                    "cats/b.png": GOOD_IMAGE,
                    "dogs/c.png": GOOD_IMAGE,
                },
            )
        ),  # fmt: skip
    ),
    (
        "unreadable folder",
        r"Cannot read the folder .*Permission denied",
        _unreadable_folder,
    ),
    (
        ".npz without the named key",
        r"has no array named 'pixels'; its arrays are \['images'\]",
        _load(lambda c: _array_file(c, "a.npz", images=GOOD), images_key="pixels"),
    ),
    (
        "object array file",
        "holds an object array",
        _load(lambda c: _array_file(c, "a.npy", images=np.array([None, 1]))),
    ),
    (
        "string array file",
        "Received: images.dtype=<U1",
        _load(lambda c: _array_file(c, "a.npz", images=np.array([["a", "b"]]))),
    ),
    (
        "1-D array file",
        r"Received: images.shape=\(5,\)",
        _load(lambda c: _array_file(c, "a.npy", images=np.zeros(5, np.uint8))),
    ),
    (
        "label count differs from images",
        r"holds 4 images but 3 labels",
        _load(lambda c: _array_file(c, "a.npz", images=GOOD, labels=np.arange(3))),
    ),
    # Model arguments.
    (
        "latent_dim <= 0",
        "Received: latent_dim=0",
        lambda c: keras_vae.build_mlp_encoder((4,), 0),
    ),
    (
        "beta < 0",
        "Received: beta=-0.5",
        lambda c: keras_vae.VAE(*_small_networks(), beta=-0.5),
    ),
    (
        "unknown likelihood",
        "Received: likelihood='poisson'",
        lambda c: keras_vae.VAE(*_small_networks(), likelihood="poisson"),
    ),
    (
        "unknown architecture",
        "Received: architecture='transformer'",
        lambda c: keras_vae.build_encoder_decoder("transformer", (4,), 2),
    ),
    (
        "conv needs (H, W, C)",
        r"Received: input_shape=\(28, 28\)",
        lambda c: keras_vae.build_conv_encoder((28, 28), 2),
    ),
    (
        "encoder/decoder mismatch",
        "must have the same shape",
        lambda c: keras_vae.VAE(*_small_networks(2, 3)),
    ),
    (
        "loss passed to compile",
        "Received: loss='mse'",
        lambda c: _vae().compile(loss="mse"),
    ),
    # Command-line arguments.
    ("non-positive --epochs", "Received: '0'", lambda c: _train(c, "--epochs", 0)),
    ("negative --beta", "Received: '-1'", lambda c: _train(c, "--beta", -1)),
    (
        "--epochs above its limit",
        "must be at most 100,000.*Received: '100000000000000000000'",
        lambda c: _train(c, "--epochs", 10**20),
    ),
    (
        "--binarize with Gaussian",
        "Received: --likelihood=gaussian",
        lambda c: _train(c, "--likelihood", "gaussian", "--binarize"),
    ),
    (
        "--output-dir is a file",
        "is an existing file",
        lambda c: _cli("train", "--output-dir", Path(__file__)),
    ),
    (
        "--output-dir below a file",
        "cannot be created",
        lambda c: _cli("train", "--output-dir", Path(__file__) / "run"),
    ),
    (
        "read-only --output-dir",
        "not writable",
        lambda c: _cli("train", "--output-dir", _read_only_dir(c)),
    ),
    # Files.
    (
        "corrupt .keras file",
        "not a valid .keras file",
        lambda c: _broken_keras_file(c, lambda c: b"PK\3\4junk"),
    ),
    (
        "truncated .keras file",
        "not a valid .keras file",
        lambda c: _broken_keras_file(
            c, lambda c: _saved_model(c, _vae()).read_bytes()[:5000]
        ),
    ),
    (
        ".keras file of another model",
        "holds a Autoencoder, not a VAE",
        lambda c: _cli("export", _saved_model(c, _autoencoder()), c.tmp / "e"),
    ),
    (
        "unknown export format",
        r"Received: formats=\['coreml'\]",
        lambda c: _cli(
            "export", _saved_model(c, _vae()), c.tmp / "e", "--formats", "coreml"
        ),
    ),
    (
        "export over an existing output",
        "exists and is not empty",
        lambda c: export_decoder(_vae(), _export(c)),
    ),
    (
        "missing optional runtime",
        r"pip install 'keras-vae\[export\]'",
        _without_onnxruntime,
    ),
    (
        "tampered exported file",
        "does not match its manifest",
        lambda c: Sampler(_tampered_export(c), "onnx"),
    ),
    ("no export manifest", "No manifest.json", lambda c: Sampler(c.tmp)),
    # Output folders: --overwrite replaces only what the project wrote.
    (
        "export --overwrite into the model's own folder",
        "output folder holds the input model",
        _keeping(
            _run_folder,
            lambda c, run: _cli("export", run / "model.keras", run, "--overwrite"),
        ),
    ),
    (
        "export --overwrite over a folder no export wrote",
        "is not \\(it has no keras-vae manifest\\); nothing was deleted",
        _keeping(
            _run_folder,
            lambda c, run: _cli("export", _saved_model(c, _vae()), run, "--overwrite"),
        ),
    ),
    (
        "export --overwrite over an export holding other files",
        r"did not write: \['notes.txt'\]; nothing was deleted",
        _keeping(
            _export_with_notes,
            lambda c, out: _cli(
                "export",
                _saved_model(c, _vae()),
                out,
                "--formats",
                "onnx",
                "--overwrite",
            ),  # fmt: skip
        ),
    ),
    (
        "web site folder inside the export folder",
        "site folder lies inside the input export_dir",
        _keeping(_export, lambda c, out: _cli("web", out, out / "site")),
    ),
    (
        "web --overwrite over a folder no site came from",
        "is not \\(it has no keras-vae manifest\\); nothing was deleted",
        _keeping(
            _run_folder,
            lambda c, run: _cli("web", _export(c), run, "--overwrite"),
        ),
    ),
    # Presets (keras_vae_sampler.presets, keras_vae.presets).
    (
        "unknown preset name",
        r"Unknown preset. Expected one of \['mnist', 'mnist_conditional', "
        r"'mnist_small'\]",
        lambda c: keras_vae.VAE.from_preset("mnist_typo"),
    ),
    (
        "preset with an altered file",
        r"altered: \['model.weights.h5'\]",
        lambda c: keras_vae.VAE.from_preset(_altered_preset(c)),
    ),
    (
        "preset whose exported folder lies outside it",
        r"metadata.json.*'\.\./elsewhere' is not one of \['exported', None\]",
        lambda c: Sampler(
            preset_export_dir(
                _rewritten_preset(c, lambda m: m.update(exported="../elsewhere"))
            )
        ),
    ),
    (
        "preset whose config is malformed",
        "config.json is not a config Keras can rebuild",
        lambda c: keras_vae.VAE.from_preset(
            _preset_with_config(c, "keras_vae.models.vae", "VAE", "keras_vae>VAE", {})
        ),
    ),
    (
        "preset whose config is another class than its metadata says",
        "config.json holds a 'Sequential' but its metadata.json says 'keras_vae>VAE'",
        lambda c: keras_vae.VAE.from_preset(
            _preset_with_config(c, "keras", "Sequential", None, {"layers": []})
        ),
    ),
    (
        "save_to_preset into a non-empty folder",
        "exists and is not empty; pass overwrite=True",
        _keeping(_run_folder, lambda c, run: _vae().save_to_preset(run)),
    ),
    (
        "sampling zero images",
        "Received: n=0",
        lambda c: Sampler(_export(c), "onnx").sample(0),
    ),
    # Noise for the sampling graph, fixed-batch files, batch-size options.
    (
        "noise of the wrong shape",
        r"shape \(n, 5\).*Received: noise.shape=\(2, 4\)",
        lambda c: Sampler(_export(c), "onnx").sample_noise(np.zeros((2, 4), "float32")),
    ),
    (
        "float64 noise",
        "Received: noise.dtype=float64",
        lambda c: Sampler(_export(c), "onnx").sample_noise(np.zeros((2, 5))),
    ),
    (
        "noise outside [0, 1)",
        r"must lie in \[0, 1\).*Received: noise\[\(0, 0\)\]=",
        lambda c: Sampler(_export(c), "onnx").sample_noise(np.ones((2, 5), "float32")),
    ),
    (
        "fixed batch size the export lacks",
        r"no fixed-batch copies.*Received: batch_size=8",
        lambda c: Sampler(_export(c), "onnx", batch_size=8),
    ),
    (
        "export batch size of zero",
        "Received: batch_sizes='0'",
        lambda c: _cli(
            "export", _saved_model(c, _vae()), c.tmp / "e", "--batch-sizes", "0"
        ),  # fmt: skip
    ),
    # Class labels (conditional models) and latent samplers.
    (
        "labels out of range",
        r"must lie in \[0, 9\].*Received: labels=10",
        lambda c: _cvae().fit(GOOD, np.full(4, 10)),
    ),
    (
        "labels out of range as a tensor",
        r"must lie in \[0, 9\].*Received: labels=50",
        lambda c: _cvae().fit(
            tf.constant(GOOD), tf.constant(np.full(4, 50)), verbose=0
        ),
    ),
    (
        "labels given to an unconditional model",
        r"VAE is unconditional.*Received: labels of shape \(4,\)",
        lambda c: _vae().fit(GOOD, np.zeros(4, "int32"), verbose=0),
    ),
    (
        "float labels",
        "Received: labels.dtype=float32",
        lambda c: _cvae().fit(GOOD, np.zeros(4, "float32")),
    ),
    (
        "label count differs from the image count",
        "one label per example.*Received: 5 labels",
        lambda c: _cvae().fit(GOOD, np.zeros(5, "int32")),
    ),
    (
        "conditional model without labels",
        "Received: labels=None",
        lambda c: _cvae().sample(2),
    ),
    (
        "unconditional model given labels",
        "unconditional.*Received: labels=3",
        lambda c: _vae().sample(2, labels=3),
    ),
    (
        "one class only",
        "Received: num_classes=1",
        lambda c: keras_vae.build_encoder_decoder("mlp", (4,), 2, num_classes=1),
    ),
    (
        "no mixture components",
        "Received: num_components=0",
        lambda c: _vae().fit_latent_sampler(GOOD, num_components=0),
    ),
    (
        "more components than examples",
        r"examples of each mixture \(4\).*Received: num_components=5",
        lambda c: _vae().fit_latent_sampler(GOOD, num_components=5),
    ),
    (
        "mixture asked of a model without one",
        "no fitted latent sampler.*Received: latent='gmm'",
        lambda c: _vae().sample(2, latent="gmm"),
    ),
    # Sizes above their documented limits (keras_vae_sampler.checks.LIMITS).
    (
        "--latent-dim above its limit",
        "must be at most 4,096.*Received: '1000000000'",
        lambda c: _train(c, "--latent-dim", 10**9),
    ),
    (
        "--importance-samples above its limit",
        "must be at most 10,000.*Received: '1000000000'",
        lambda c: _train(c, "--importance-samples", 10**9),
    ),
    (
        "--image-size above its limit",
        "each side must be at most 4,096.*Received: '30000'",
        lambda c: _train(c, "--image-size", 30000),
    ),
    (
        "evaluate --iwae-samples above its limit",
        "must be at most 100,000.*Received: '1000000000'",
        lambda c: _cli("evaluate", "model.keras", "--iwae-samples", 10**9),
    ),
    (
        "sample --threads above the number of CPUs",
        r"must be at most the number of CPUs \(\d+\).*Received: '100000'",
        lambda c: _cli("sample", _export(c), "--threads", 100000),
    ),
    (
        "Sampler num_threads not an integer",
        r"num_threads must be a positive integer. Received: num_threads=2.5",
        lambda c: Sampler(_export(c), "onnx", num_threads=2.5),
    ),
    (
        "Sampler num_threads negative",
        r"num_threads must be a positive integer. Received: num_threads=-1",
        lambda c: Sampler(_export(c), "onnx", num_threads=-1),
    ),
    (
        "sample -n above its limit",
        "must be at most 4,096.*Received: '200000'",
        lambda c: _cli("sample", _export(c), "-n", 200000),
    ),
    # Outputs that are not regular files are never replaced.
    (
        "sample --out is a FIFO",
        r"--out is a FIFO \(named pipe\); outputs are written as new",
        lambda c: _cli("sample", _export(c), "--out", _fifo(c, "out.png")),
    ),
    (
        "sample --out is a symbolic link",
        "--out is a symbolic link; outputs are written as new",
        lambda c: _cli("sample", _export(c), "--out", _symlink_to_notes(c, "a.png")),
    ),
    (
        "evaluate --json is a FIFO",
        r"--json is a FIFO \(named pipe\)",
        lambda c: _cli("evaluate", "model.keras", "--json", _fifo(c, "r.json")),
    ),
    # Outputs never replace an input, a model, an export or an existing file
    # unless asked to (#38).
    (
        "sample --out is a run's model file",
        r"--out is an existing model or data file \(.keras\)",
        _keeping(
            _run_folder,
            lambda c, run: _cli(
                "sample", _export(c), "--out", run / "model.keras", "--overwrite"
            ),
        ),
    ),
    (
        "sample --out is a file of the export",
        "--out lies inside the input export_dir",
        _keeping(
            _export,
            lambda c, e: _cli("sample", e, "--out", e / "manifest.json", "--overwrite"),
        ),
    ),
    (
        "sample --out exists",
        "--out exists; pass --overwrite",
        lambda c: _cli("sample", _export(c), "--out", _run_folder(c) / "notes.txt"),
    ),
    (
        "evaluate --json is the evaluated model",
        "--json is the input model",
        _keeping(
            _run_folder,
            lambda c, run: _cli(
                "evaluate",
                run / "model.keras",
                "--json",
                run / "model.keras",
                "--overwrite",
            ),  # fmt: skip
        ),
    ),
    (
        "evaluate --json exists",
        "--json exists; pass --overwrite",
        _keeping(
            _run_folder,
            lambda c, run: _cli(
                "evaluate", run / "model.keras", "--json", run / "notes.txt"
            ),
        ),
    ),
    (
        "train into a finished run",
        "holds a finished run \\(model.keras\\); train does not replace it",
        _keeping(
            _run_folder,
            lambda c, run: _cli(
                "train", "--data-dir", c.idx, "--epochs", 1, "--output-dir", run
            ),
        ),
    ),
    (
        "train --overwrite over a run folder holding other files",
        r"also holds \['notes.txt'\]; nothing was deleted",
        _keeping(
            _run_folder,
            lambda c, run: _cli(
                "train",
                "--data-dir",
                c.idx,
                "--epochs",
                1,
                "--output-dir",
                run,
                "--overwrite",
            ),  # fmt: skip
        ),
    ),
    (
        "train --output-dir holds the data file",
        "output folder holds the input --dataset",
        lambda c: _cli(
            "train",
            "--dataset",
            _array_file(c, "data.npy", images=GOOD),
            "--output-dir",
            c.tmp,
            "--epochs",
            1,
        ),  # fmt: skip
    ),
    (
        "empty --output-dir",
        "The output folder must be named",
        lambda c: _cli("train", "--output-dir", ""),
    ),
    # Files that are not what they claim are never read whole, or at all.
    (
        "exported model file is a FIFO",
        r"decoder.onnx is not a regular file \(a FIFO",
        lambda c: Sampler(_fifo_artifact(c), "onnx"),
    ),
    (
        "manifest.json larger than any export writes",
        "more than any export writes",
        lambda c: Sampler(_huge_manifest(c), "onnx"),
    ),
    (
        ".keras file that would unpack to gigabytes",
        "would unpack to 8,589,934,560 bytes",
        lambda c: _cli("export", _zip_bomb(c), c.tmp / "e"),
    ),
    # The page's server.
    (
        "serve --port out of range",
        r"must be a port in \[0, 65535\].*Received: '70000'",
        lambda c: _cli("serve", _export(c), "--port", 70000),
    ),
    (
        "serve --host empty",
        "host must name an address.*Received: host=''",
        lambda c: _cli("serve", _export(c), "--host", ""),
    ),
    (
        "serve on a port in use",
        "Cannot listen on 127.0.0.1 port .*Address already in use",
        _serve_on_busy_port,
    ),
    # Special files, link cycles and arrays that declare more than they hold.
    (
        "image folder holds a FIFO named like an image",
        r"'cats/b.png' is not a regular file \(a FIFO",
        _load(_fifo_in_folder),
    ),
    (
        "class folder with a symbolic link cycle",
        r"'cats/back' leads back to a folder above it",
        _load(_link_cycle),
    ),
    (
        ".npy declaring more than the machine's memory",
        r"declares an array of shape \(100000000000, 28, 28\).*it is not read",
        _load(lambda c: _header_only_npy(c, (10**11, 28, 28))),
    ),
    (
        ".npz member declaring more than the machine's memory",
        r"claims.npz\['images'\] declares an array of shape \(100000000000, 28, 28\)",
        _load(lambda c: _npz_claiming(c, (10**11, 28, 28))),
    ),
    (
        ".npy images wider than the limit",
        "larger than 4096 pixels a side.*Received: images.shape=\\(2, 5000, 5000\\)",
        _load(lambda c: _header_only_npy(c, (2, 5000, 5000))),
    ),
    (
        "--conditional with a label beyond the class limit",
        "Class labels must be below 10,000.*Received: label 20,000",
        lambda c: _train_on(
            c, _labelled_npz(c, [0, 1] * 8 + [20000] * 2), "--conditional"
        ),
    ),
    (
        "--conditional with labels that are not 0 to K-1",
        r"needs labels 0 to K-1 .*\{0, 9000\} \(2 classes\), so 8,999 of the 9,001",
        lambda c: _train_on(
            c,
            _labelled_npz(c, [0, 9000] * 10),
            "--conditional",
            "--latent-sampler",
            "prior",
        ),  # fmt: skip
    ),
    (
        "fewer examples than mixture components",
        "the training set has 16 examples: lower --gmm-components",
        lambda c: _train_on(c, _labelled_npz(c, [0] * 20), "--validation-split", 0.2),
    ),
    (
        "--conditional with a class too small for the mixture",
        "class 1 has [0-3] training examples.*--gmm-components=5",
        lambda c: _train_on(
            c,
            _labelled_npz(c, [0] * 30 + [1] * 3),
            "--conditional",
            "--gmm-components",
            5,
            "--validation-split",
            0.1,
        ),
    ),  # fmt: skip
    # Failures of the machine: one line, exit 1, nothing half-written.
    (
        "export hits a full disk",
        r"No space left on device: '/full/disk/file' \(free some space",
        lambda c: _full_disk(
            "keras_vae_export.exporter._write_artifact",
            "export",
            _saved_model(c, _vae()),
            c.tmp / "e",
        ),
    ),  # fmt: skip
    (
        "web hits a full disk",
        r"No space left on device.*outputs are written whole or not at all",
        lambda c: _full_disk(
            "keras_vae_sampler.web_site.shutil.copyfile", "web", _export(c), c.tmp / "e"
        ),
    ),  # fmt: skip
    (
        "runtime refuses a file that passes every check",
        "INVALID_PROTOBUF.*Received: InvalidProtobuf",
        _runtime_refuses_its_file,
    ),
    (
        "--encoder-from a model of another latent size",
        r"--encoder-from: the model's latent size \(--latent-dim\) is 2 and "
        r"this run's is 16.*Received: --encoder-from='.*vae.keras'",
        lambda c: _train(c, "--encoder-from", _saved_model(c, _vae())),
    ),
    (
        "--encoder-from an unknown preset",
        "must be a .keras file, a folder written by save_to_preset or a "
        r"preset's name \(mnist, .*Received: --encoder-from='mnits'",
        lambda c: _train(c, "--encoder-from", "mnits"),
    ),
]


class Context:
    def __init__(self, tmp, idx):
        self.tmp, self.idx = tmp, idx


def files_under(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@pytest.mark.parametrize(
    "kind, expected, trigger", CATALOGUE, ids=[k for k, _, _ in CATALOGUE]
)
def test_bad_input_gets_one_clear_error(
    kind, expected, trigger, tmp_path, tiny_idx_dir, monkeypatch
):
    monkeypatch.setitem(sys.modules, "onnxruntime", onnxruntime)
    context = Context(tmp_path / "work", tiny_idx_dir)
    context.tmp.mkdir()
    with pytest.raises((ValueError, ImportError)) as error:
        trigger(context)
    message = str(error.value)
    assert re.search(expected, message), message
    assert "Received" in message, message
    assert "Traceback" not in message
    assert not (context.tmp / "out").exists()
    assert not (context.tmp / "e").exists()
    staging = [p.name for p in context.tmp.iterdir() if p.name.startswith(".")]
    assert not staging, staging  # no staging folder or temporary file left
    assert_documented(kind, error.value, tmp_path)


def table_row(kind, error, tmp):
    """The row of docs/bad_inputs.md for an error raised with temporary
    folder `tmp` (shortened to /tmp/...), this checkout (shortened to .) and
    a free port the test picked (shown as N)."""
    message = str(error)
    if not message.startswith("keras-vae "):
        message = f"{type(error).__name__}: {message}"
    message = message.replace(str(tmp), "/tmp/...").replace(str(ROOT), ".")
    message = re.sub(r"\bport(=| )\d+", r"port\1N", message)
    message = re.sub(r"memory \([\d,]+ bytes\)", "memory (M bytes)", message)
    return f"| {kind} | {message.replace('|', '/')} |"


def documented_rows():
    text = DOC.read_text()
    assert TABLE_HEADER in text, "docs/bad_inputs.md lost its table"
    rows = text.split(TABLE_HEADER, 1)[1].strip().splitlines()
    return {row.split(" | ", 1)[0][2:]: row for row in rows}


def test_the_documented_table_lists_the_catalogue_in_order():
    assert list(documented_rows()) == [kind for kind, _, _ in CATALOGUE]
    assert len(set(documented_rows())) == len(CATALOGUE)


def assert_documented(kind, error, tmp):
    row, documented = table_row(kind, error, tmp), documented_rows()[kind]
    if kind in VARIES_BY_USER:
        row, documented = row.split("(")[0], documented.split("(")[0]
    assert row == documented, (
        "docs/bad_inputs.md is out of date; run python -m tests.cli.test_bad_inputs"
    )


if __name__ == "__main__":
    import tempfile

    from tests.idx_files import write_idx_folder

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    keras.utils.set_random_seed(0)
    source = keras_vae.data.default_idx_dir("mnist")
    (tx, ty), (sx, sy) = (keras_vae.data.read_idx_split(source, s)
                          for s in ("train", "test"))  # fmt: skip
    rows = []
    for kind, _, trigger in CATALOGUE:
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            idx = write_idx_folder(tmp / "idx", (tx[:256, ..., 0], ty[:256]),
                                   (sx[:128, ..., 0], sy[:128]))  # fmt: skip
            (tmp / "work").mkdir()
            try:
                trigger(Context(tmp / "work", idx))
                rows.append(f"| {kind} | (no error) |")
            except (ValueError, ImportError) as error:
                rows.append(table_row(kind, error, tmp))
            finally:
                sys.modules["onnxruntime"] = onnxruntime
    head = DOC.read_text().split(TABLE_HEADER, 1)[0]
    DOC.write_text(head + TABLE_HEADER + "\n".join(rows) + "\n")
    print(f"wrote {len(rows)} rows to {DOC}")
