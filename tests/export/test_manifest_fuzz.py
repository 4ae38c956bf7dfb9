"""Any manifest.json gives a clear ValueError, never another exception.

Hypothesis writes arbitrary JSON, and valid manifests with one field replaced
or removed, then reads them with `read_manifest`, the `Sampler` and the web
page's file list (`site_files`). Also: an artifact entry naming
`../outside.onnx`, with that file's real hash, is refused.
"""

import copy
import hashlib
import json
import shutil

import hypothesis.strategies as st
import keras
import pytest
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings

import keras_vae
from keras_vae_export import export_decoder
from keras_vae_sampler.manifest import read_manifest
from keras_vae_sampler.sampler import Sampler
from keras_vae_sampler.web_site import site_files

FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats()
    | st.text(max_size=12),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)


@pytest.fixture(scope="module")
def export_dir(tmp_path_factory):
    """A tiny conditional ONNX export, untrained."""
    keras.utils.set_random_seed(5)
    encoder, decoder = keras_vae.build_encoder_decoder(
        "mlp", (28, 28, 1), 3, num_classes=4
    )
    model = keras_vae.ConditionalVAE(encoder, decoder, seed=0)
    directory = tmp_path_factory.mktemp("fuzz") / "exported"
    export_decoder(model, directory, formats="onnx")
    return directory


def paths_of(value, prefix=()):
    """Every path (tuple of keys and indices) inside a JSON value."""
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from paths_of(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from paths_of(child, (*prefix, index))


def read_everything(directory):
    """Reads a manifest the three ways; only ValueError may come out."""
    for read in (
        read_manifest,
        lambda d: Sampler(d, runtime="onnx"),
        site_files,
    ):
        try:
            read(directory)
        except ValueError as error:
            assert "Received:" in str(error), str(error)


@FUZZ
@given(document=json_values)
def test_any_json_document_gives_a_value_error(tmp_path, document):
    (tmp_path / "manifest.json").write_text(json.dumps(document))
    with pytest.raises(ValueError, match="Received:"):
        read_manifest(tmp_path)
    with pytest.raises(ValueError, match="Received:"):
        Sampler(tmp_path, runtime="onnx")


@FUZZ
@given(data=st.data())
def test_a_changed_field_gives_a_value_error(export_dir, tmp_path_factory, data):
    manifest = json.loads((export_dir / "manifest.json").read_text())
    paths = [p for p in paths_of(manifest) if p]
    path = data.draw(st.sampled_from(paths))
    changed = copy.deepcopy(manifest)
    set_in(
        changed, path, REMOVE if data.draw(st.booleans()) else data.draw(json_values)
    )
    directory = tmp_path_factory.mktemp("changed")
    copy_artifacts(export_dir, directory)
    (directory / "manifest.json").write_text(json.dumps(changed))
    read_everything(directory)


def copy_artifacts(export_dir, directory):
    for name in ("decoder.onnx", "sampler.onnx"):
        shutil.copy(export_dir / name, directory / name)


def set_in(manifest, path, value):
    parent = manifest
    for key in path[:-1]:
        parent = parent[key]
    if value is REMOVE:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value


REMOVE = object()


@pytest.mark.parametrize(
    "path, value, message",
    [
        (("artifacts",), 1, "at .artifacts: 1 is not of type 'object'"),
        (("artifacts", "onnx", "inputs", 0), REMOVE, "need a 'z' role"),
        (("artifacts", "onnx", "inputs", 1, "role"), REMOVE, "'role' is a required"),
        (("artifacts", "onnx", "inputs", 1, "role"), "z", "no role twice"),
        (("artifacts", "onnx", "outputs", 0, "role"), "image_uint8", "'image' role"),
        (("model", "num_classes"), None, "class_names must name each class"),
        (("artifacts", "onnx", "inputs", 0, "name"), "x", "input names do not match"),
    ],
)
def test_holes_found_by_fuzzing_stay_closed(export_dir, tmp_path, path, value, message):
    manifest = json.loads((export_dir / "manifest.json").read_text())
    set_in(manifest, path, value)
    copy_artifacts(export_dir, tmp_path)
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ValueError, match=message):
        Sampler(tmp_path, runtime="onnx")


@pytest.mark.parametrize(
    "raw", [b"\xff\xfe not utf-8", b"[" * 100000, b"NaN", b'{"manifest_version": 2']
)
def test_undecodable_manifests_give_a_value_error(tmp_path, raw):
    (tmp_path / "manifest.json").write_bytes(raw)
    with pytest.raises(ValueError, match="Received:"):
        read_manifest(tmp_path)


def test_an_artifact_outside_the_export_is_refused(export_dir, tmp_path):
    """A hand-edited entry naming ../outside.onnx with that file's real
    hash."""
    directory = tmp_path / "exported"
    shutil.copytree(export_dir, directory)
    outside = tmp_path / "outside.onnx"
    shutil.copy(export_dir / "decoder.onnx", outside)
    manifest = json.loads((directory / "manifest.json").read_text())
    entry = manifest["artifacts"]["onnx"]
    entry["file"] = "../outside.onnx"
    entry["files"] = {
        "outside.onnx": {
            "size_bytes": outside.stat().st_size,
            "sha256": hashlib.sha256(outside.read_bytes()).hexdigest(),
        }
    }
    (directory / "manifest.json").write_text(json.dumps(manifest))
    (directory / "decoder.onnx").unlink()
    for read in (lambda d: Sampler(d, runtime="onnx"), site_files):
        with pytest.raises(
            ValueError,
            match=r"stays inside the export folder.*"
            r"Received: artifacts.onnx.file=\"../outside.onnx\"",
        ):
            read(directory)
