"""The device package on the committed small exports: both runtimes draw
what Keras drew, the command line samples and refuses to export, the page's
server answers on loopback, and changed, newer or broken exports are
refused. No TensorFlow or Keras is imported (tested in a subprocess)."""

import http.client
import json
import subprocess
import sys
import threading

import numpy as np
import pytest
from conftest import DATA_DIR
from conftest import EXPORTS

from keras_vae_sampler import Sampler
from keras_vae_sampler.cli import main
from keras_vae_sampler.errors import ExportIntegrityError
from keras_vae_sampler.errors import ExportSchemaError
from keras_vae_sampler.errors import NewerExportError
from keras_vae_sampler.manifest import read_latent_sampler
from keras_vae_sampler.manifest import read_manifest
from keras_vae_sampler.web_server import make_server

RUNTIMES = ("tflite", "onnx")
FLOAT_ERROR = 1e-5


def _labels(reference):
    return reference.get("labels")


@pytest.mark.parametrize("name", EXPORTS)
@pytest.mark.parametrize("runtime", RUNTIMES)
def test_sampling_graph_draws_what_keras_drew(name, runtime, reference):
    expected = reference[name]
    sampler = Sampler(DATA_DIR / name, runtime=runtime)
    labels = _labels(expected)
    images = sampler.sample_noise(expected["noise"], labels)
    assert np.abs(images - expected["sample_image"]).max() <= FLOAT_ERROR
    z = sampler.sample_noise(expected["noise"], labels, output="z")
    assert np.abs(z - expected["sample_z"]).max() <= FLOAT_ERROR
    # The seed's portable noise is the reference noise: sample() agrees.
    drawn = sampler.sample(len(expected["noise"]), seed=11, labels=labels)
    np.testing.assert_array_equal(drawn, images)
    # The graph's latents come from the mixture, not the prior: the numpy
    # reference of the noise contract gives the same latents.
    latents = sampler.latents(len(z), seed=11, labels=labels, latent="gmm")
    assert np.abs(latents - z).max() <= 1e-5


@pytest.mark.parametrize("name", EXPORTS)
@pytest.mark.parametrize("runtime", RUNTIMES)
def test_decoder_decodes_what_keras_decoded(name, runtime, reference):
    expected = reference[name]
    sampler = Sampler(DATA_DIR / name, runtime=runtime)
    images = sampler.decode(expected["z"], _labels(expected))
    assert np.abs(images - expected["decode_image"]).max() <= FLOAT_ERROR
    as_uint8 = sampler.decode_uint8(expected["z"], _labels(expected))
    assert as_uint8.dtype == np.uint8
    assert np.abs(as_uint8 / 255.0 - images).max() <= 1 / 255 + 1e-6


@pytest.mark.parametrize("name", EXPORTS)
def test_fixed_batch_and_int8_files(name, reference):
    expected = reference[name]
    fixed = Sampler(DATA_DIR / name, runtime="tflite", batch_size=4)
    labels = _labels(expected)
    rows = slice(0, 4)
    images = fixed.sample_noise(
        expected["noise"][rows], None if labels is None else labels[rows]
    )
    assert np.abs(images - expected["sample_image"][rows]).max() <= FLOAT_ERROR
    int8 = Sampler(DATA_DIR / name, runtime="tflite", format="tflite-int8")
    error = np.abs(
        int8.sample_noise(expected["noise"], labels) - expected["sample_image"]
    )
    assert error.max() <= 0.25 and error.mean() <= 5e-3


def test_conditional_labels_are_checked():
    sampler = Sampler(DATA_DIR / "conditional", runtime="onnx")
    for labels in (3, -1, [0, 1]):
        with pytest.raises(ValueError, match="Received: "):
            sampler.sample(3, seed=0, labels=labels)
    with pytest.raises(ValueError, match="labels"):
        Sampler(DATA_DIR / "unconditional").sample(2, seed=0, labels=1)


def test_sampling_imports_neither_tensorflow_nor_keras():
    code = (
        "import sys\n"
        "from keras_vae_sampler import Sampler\n"
        f"Sampler({str(DATA_DIR / 'conditional')!r}, runtime='tflite')"
        ".sample(2, seed=0, labels=[0, 1])\n"
        f"Sampler({str(DATA_DIR / 'conditional')!r}, runtime='onnx')"
        ".sample(2, seed=0, labels=[0, 1])\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('tensorflow', 'keras', 'keras_vae', 'keras_vae_export')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_command_line_writes_a_png_grid(tmp_path):
    out = tmp_path / "grid.png"
    argv = ["sample", str(DATA_DIR / "conditional"), "-n", "6", "--out", str(out)]
    assert main([*argv, "--runtime", "onnx", "--seed", "3"]) == 0
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = (
        int.from_bytes(data[16:20], "big"),
        int.from_bytes(data[20:24], "big"),
    )
    assert width >= 6 * 8 and height >= 8  # six 8x8 images, in one row


def test_command_line_refuses_to_export(capsys):
    assert main(["export", "model.keras", "out"]) == 2
    error = capsys.readouterr().err
    assert "keras-vae[export]" in error and "Received: command='export'" in error


def test_serve_answers_on_loopback():
    server = make_server(DATA_DIR / "unconditional", host="127.0.0.1", port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]

        def get(path):
            connection = http.client.HTTPConnection(host, port, timeout=10)
            connection.request("GET", path)
            response = connection.getresponse()
            return response.status, response.read()

        status, page = get("/")
        assert status == 200 and b"<html" in page.lower()
        status, manifest = get("/export/manifest.json")
        assert status == 200
        assert json.loads(manifest) == json.loads(
            (DATA_DIR / "unconditional" / "manifest.json").read_text()
        )
        status, schema = get("/schemas/manifest.schema.json")
        assert status == 200 and json.loads(schema)["properties"]["manifest_version"]
        assert get("/export/../../conftest.py")[0] in (400, 404)
        assert get("/export/decoder_int8.tflite")[0] == 404  # not the page's
    finally:
        server.shutdown()
        server.server_close()


def _flip_last_byte(path):
    data = bytearray(path.read_bytes())
    data[-1] ^= 0x01
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    "file,runtime",
    [("sampler.onnx", "onnx"), ("decoder_float32.tflite", "tflite")],
)
def test_a_changed_file_of_the_same_size_is_refused(export_copy, file, runtime):
    export_dir = export_copy()
    _flip_last_byte(export_dir / file)
    with pytest.raises(ExportIntegrityError, match=f"{file} does not match"):
        Sampler(export_dir, runtime=runtime)
    # The other runtime's files are intact: the export still opens there.
    Sampler(export_dir, runtime="onnx" if runtime == "tflite" else "tflite")


def test_a_changed_mixture_file_of_the_same_size_is_refused(export_copy):
    export_dir = export_copy()
    path = export_dir / "latent_sampler_gmm.json"
    text = path.read_text()
    assert "[[1.0, -0.5]" in text
    path.write_text(text.replace("[[1.0, -0.5]", "[[1.5, -0.5]"))  # same size
    manifest = read_manifest(export_dir)
    with pytest.raises(ExportIntegrityError, match="latent_sampler_gmm.json"):
        read_latent_sampler(export_dir, manifest)
    with pytest.raises(ExportIntegrityError):
        Sampler(export_dir, runtime="onnx").latents(2, seed=0, latent="gmm")
    read_latent_sampler(export_dir, manifest, verify=False)


def test_a_newer_manifest_asks_for_an_upgrade(export_copy):
    export_dir = export_copy()
    path = export_dir / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["manifest_version"] = 4
    path.write_text(json.dumps(manifest))
    with pytest.raises(NewerExportError, match="pip install --upgrade"):
        Sampler(export_dir)
    assert main(["sample", str(export_dir), "-n", "1"]) == 2


def test_a_broken_manifest_is_refused_before_any_file_is_opened(export_copy):
    export_dir = export_copy()
    path = export_dir / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["artifacts"]["onnx"]["file"] = "../../conftest.py"
    path.write_text(json.dumps(manifest))
    with pytest.raises(ExportSchemaError, match="stays inside the export folder"):
        Sampler(export_dir, runtime="onnx")
