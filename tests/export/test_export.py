import json
import os
import shutil
import subprocess
import sys

import keras
import numpy as np
import pytest
from keras import ops

import keras_vae
from keras_vae.cli import main
from keras_vae_export import exporter
from keras_vae_sampler import uniform_noise
from keras_vae_sampler.errors import ExportError
from keras_vae_sampler.errors import MissingRuntimeError
from keras_vae_sampler.formats import FORMATS
from keras_vae_sampler.formats import artifact_key
from keras_vae_sampler.formats import parse_formats
from keras_vae_sampler.manifest import describe_files
from keras_vae_sampler.manifest import read_manifest
from keras_vae_sampler.runtimes import open_runner
from keras_vae_sampler.sampler import Sampler
from tests.paths import ROOT
from tests.small_networks import small_encoder_decoder

SHAPES = {"mlp": (28, 28, 1), "conv": (12, 10, 3)}


def make_vae(architecture, likelihood, latent_dim=4):
    keras.utils.set_random_seed(7)
    encoder, decoder = small_encoder_decoder(
        architecture, SHAPES[architecture], latent_dim
    )
    return keras_vae.VAE(encoder, decoder, likelihood=likelihood, seed=0)


@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    """Every format, with a uint8 output, for each architecture and
    likelihood."""
    results = {}
    for architecture in SHAPES:
        for likelihood in ("bernoulli", "gaussian"):
            vae = make_vae(architecture, likelihood)
            codes = np.random.default_rng(0).random((40, *SHAPES[architecture]))
            vae.fit_latent_sampler(codes.astype("float32"), num_components=3)
            directory = tmp_path_factory.mktemp(f"{architecture}-{likelihood}") / "out"
            manifest = exporter.export_decoder(
                vae, directory, formats=list(BOUNDS), uint8_output=True, batch_sizes=()
            )
            results[architecture, likelihood] = (vae, directory, manifest)
    return results


# The README's bounds on [0, 1] images, written here independently of
# keras_vae_sampler.formats (loosening a bound there must fail this test):
# (runtime, largest error, mean error).
BOUNDS = {
    "savedmodel": ("savedmodel", 1e-5, None),
    "tflite": ("tflite", 1e-5, None),
    "tflite-fp16": ("tflite", 5e-3, None),
    "tflite-int8": ("tflite", 0.25, 5e-3),
    "tflite-w8": ("tflite", 0.25, 5e-3),
    "tflite-w4": ("tflite", 1.0, 0.05),
    "onnx": ("onnx", 1e-5, None),
}


def test_the_format_table_keeps_the_documented_bounds():
    assert set(FORMATS) == set(BOUNDS)
    for name, (runtime, max_error, mean_error) in BOUNDS.items():
        spec = FORMATS[name]
        assert spec.runtime == runtime
        assert spec.max_error <= max_error
        assert mean_error is None or spec.mean_error <= mean_error


def assert_within_bounds(image, image_uint8, expected, max_error, mean_error):
    """A format's float and uint8 images against Keras, within its bounds."""
    scale = max(1.0, float(np.abs(expected).max()))
    error = np.abs(image - expected)
    assert error.max() <= max_error * scale
    if mean_error is not None:
        assert error.mean() <= mean_error * scale
    pixels = np.round(np.clip(expected, 0, 1) * 255)
    assert np.abs(image_uint8 - pixels).max() <= 1 + np.ceil(max_error * 255)


@pytest.mark.parametrize("architecture", list(SHAPES))
@pytest.mark.parametrize("likelihood", ["bernoulli", "gaussian"])
@pytest.mark.parametrize("format_name", list(BOUNDS))
def test_every_format_matches_keras(exports, architecture, likelihood, format_name):
    vae, directory, manifest = exports[architecture, likelihood]
    runtime, max_error, mean_error = BOUNDS[format_name]
    artifact = manifest["artifacts"][format_name]
    runner = open_runner(runtime, directory / artifact["file"], num_threads=2)
    rng = np.random.default_rng(11)
    for batch_size in (1, 7):
        z = rng.standard_normal((batch_size, vae.latent_dim), dtype=np.float32)
        expected = vae.decode(z)
        image, image_uint8 = runner.run({artifact["inputs"][0]["name"]: z})
        assert image.shape == expected.shape == (batch_size,) + SHAPES[architecture]
        assert image.dtype == np.float32 and image_uint8.dtype == np.uint8
        assert_within_bounds(image, image_uint8, expected, max_error, mean_error)


@pytest.mark.parametrize("architecture", list(SHAPES))
@pytest.mark.parametrize("likelihood", ["bernoulli", "gaussian"])
@pytest.mark.parametrize("format_name", list(BOUNDS))
def test_every_format_samples_what_keras_samples(
    exports, architecture, likelihood, format_name
):
    """The sampling graph, fed the documented uniform noise, draws what
    `vae.sample(..., latent="gmm")` draws for that noise."""
    vae, directory, manifest = exports[architecture, likelihood]
    runtime, max_error, mean_error = BOUNDS[format_name]
    artifact = manifest["artifacts"][f"{format_name}:sample"]
    runner = open_runner(runtime, directory / artifact["file"], num_threads=2)
    assert runner.input_names == ["noise"]
    assert runner.output_names == ["image", "image_uint8", "z"]
    tables = uniform_noise.mixture_tables(vae.latent_sampler.mixtures(), vae.latent_dim)
    for batch_size, seed in ((1, 3), (9, 4)):
        noise = uniform_noise.seeded_noise(seed, batch_size, vae.latent_dim)
        latents = uniform_noise.latents_from_noise(noise, tables)
        expected = vae.decode(latents)
        np.testing.assert_allclose(
            expected, vae.sample(batch_size, seed=seed, latent="gmm"), atol=1e-6
        )
        image, image_uint8, z = runner.run({"noise": noise})
        np.testing.assert_allclose(z, latents, rtol=5e-3, atol=5e-3)
        assert_within_bounds(image, image_uint8, expected, max_error, mean_error)


def test_quantised_files_state_their_true_minimum_runtime(exports):
    """ai-edge-quantizer writes DEQUANTIZE as version 1 and copies the float
    file's minimum runtime; int4 weights need DEQUANTIZE 6 (LiteRT 2.18),
    int8 weights per channel 5 (2.7). The files and the manifest say so."""
    from tensorflow.lite.python import schema_py_generated as schema
    from tensorflow.lite.tools import flatbuffer_utils

    from keras_vae_export.tflite_format import min_runtime_version

    _, directory, manifest = exports["mlp", "bernoulli"]
    expected = {"tflite-w4": ("2.18.0", 6), "tflite-w8": ("2.7.0", 5)}
    for key, entry in manifest["artifacts"].items():
        if entry["runtime"] != "tflite":
            assert "min_runtime_version" not in entry
            continue
        path = directory / entry["file"]
        assert entry["min_runtime_version"] == min_runtime_version(path)
        if entry["format"] in expected:
            version, dequantize = expected[entry["format"]]
            assert entry["min_runtime_version"] == version, key
            model = flatbuffer_utils.read_model(str(path))
            versions = {
                c.version
                for c in model.operatorCodes
                if c.builtinCode == schema.BuiltinOperator.DEQUANTIZE
            }
            assert versions == {dequantize}, key


def test_no_transpose_conv_carries_a_fused_activation(exports):
    """OpenVINO's TFLite reader (2026.4.1) drops a TRANSPOSE_CONV's fused
    ReLU without an error, so conv decoders came out saturated there. Every
    LiteRT file of a conv decoder has its ReLU as an op of its own, right
    after the transposed convolution; the parity test above shows LiteRT
    still computes what Keras does."""
    from tensorflow.lite.python import schema_py_generated as schema
    from tensorflow.lite.tools import flatbuffer_utils

    _, directory, manifest = exports["conv", "bernoulli"]
    tflite = [e for e in manifest["artifacts"].values() if e["runtime"] == "tflite"]
    assert {e["format"] for e in tflite} == {
        n for n, b in BOUNDS.items() if b[0] == "tflite"
    }
    for entry in tflite:
        model = flatbuffer_utils.read_model(str(directory / entry["file"]))
        codes = [c.builtinCode for c in model.operatorCodes]
        operators = model.subgraphs[0].operators
        transposed = [
            i for i, op in enumerate(operators)
            if codes[op.opcodeIndex] == schema.BuiltinOperator.TRANSPOSE_CONV
        ]  # fmt: skip
        assert len(transposed) == 2, entry["file"]  # the decoder's two layers
        for index in transposed:
            op, following = operators[index], operators[index + 1]
            assert op.builtinOptions.fusedActivationFunction == 0, entry["file"]
            assert codes[following.opcodeIndex] == schema.BuiltinOperator.RELU
            assert following.inputs == op.outputs


def test_manifest_names_the_clients_that_compute_a_file_wrong(exports):
    # LiteRT.js 2.5.3 on WebGPU draws weight-only files wrong with no error
    # (measured); the manifest says so for exactly those files.
    _, directory, manifest = exports["conv", "bernoulli"]
    assert read_manifest(directory) == manifest  # the schema allows the field
    flagged = {
        key: [d["client"] for d in entry["wrong_in"]]
        for key, entry in manifest["artifacts"].items()
        if "wrong_in" in entry
    }
    assert flagged == {
        key: ["litert.js-webgpu"]
        for key, entry in manifest["artifacts"].items()
        if entry["format"] in ("tflite-w8", "tflite-w4")
    }
    assert flagged


def test_manifest_describes_the_files(exports):
    vae, directory, manifest = exports["conv", "bernoulli"]
    assert read_manifest(directory) == json.loads(json.dumps(manifest))
    model = manifest["model"]
    assert model["latent_dim"] == vae.latent_dim
    assert model["output_shape"] == list(SHAPES["conv"])
    assert model["likelihood"] == "bernoulli" and model["output_range"] == [0, 1]
    assert manifest["versions"]["keras"] == keras.__version__
    listed = {"manifest.json"}
    assert sorted(manifest["artifacts"]) == sorted(
        [*BOUNDS, *(f"{name}:sample" for name in BOUNDS)]
    )
    for key, artifact in manifest["artifacts"].items():
        assert artifact_key(artifact["format"], artifact["graph"]) == key
        assert artifact["runtime"] == BOUNDS[artifact["format"]][0]
        assert artifact["batch_size"] is None
        assert describe_files(directory / artifact["file"]) == {
            "size_bytes": artifact["size_bytes"],
            "files": artifact["files"],
        }
        roles = ["image", "image_uint8"]
        assert [o["shape"] for o in artifact["outputs"][:2]] == [
            [-1, *SHAPES["conv"]]
        ] * 2
        first = artifact["inputs"][0]
        if artifact["graph"] == "decode":
            assert first["name"] == "z" and first["shape"] == [-1, vae.latent_dim]
        else:
            assert first["name"] == "noise"
            assert first["shape"] == [-1, 1 + 2 * vae.latent_dim]
            assert artifact["outputs"][2]["shape"] == [-1, vae.latent_dim]
            roles.append("z")
        assert [o["name"] for o in artifact["outputs"]] == roles
        listed.add(artifact["file"])
    assert {p.name for p in directory.iterdir()} == listed | {"latent_sampler_gmm.json"}
    assert manifest["artifacts"]["onnx"]["size_bytes"] > 0


def test_only_the_decoder_is_exported(exports):
    vae, directory, manifest = exports["mlp", "bernoulli"]
    decoder_bytes = sum(w.size * 4 for w in vae.decoder.get_weights())
    encoder_kernel = vae.encoder.get_layer(index=2).get_weights()[0]
    decoder_kernel = vae.decoder.get_layer(index=2).get_weights()[0]

    # 16 consecutive weights, in both layouts (TFLite stores kernels
    # transposed).
    def probes(kernel):
        return [
            k.ravel()[1000:1016].astype("<f4").tobytes() for k in (kernel, kernel.T)
        ]

    encoder_probes, decoder_probes = probes(encoder_kernel), probes(decoder_kernel)
    for name in ("savedmodel", "tflite", "onnx"):
        artifact = manifest["artifacts"][name]
        blobs = [
            (directory / artifact["file"]).joinpath(f).read_bytes()
            if name == "savedmodel"
            else (directory / f).read_bytes()
            for f in artifact["files"]
        ]
        assert not any(p in blob for p in encoder_probes for blob in blobs), name
        assert any(p in blob for p in decoder_probes for blob in blobs), name
        # Float32 artifacts weigh what the decoder weighs, not twice that.
        assert (
            0.95 * decoder_bytes <= artifact["size_bytes"] < 1.15 * decoder_bytes + 60e3
        )
    sizes = {n: a["size_bytes"] for n, a in manifest["artifacts"].items()}
    assert sizes["tflite-fp16"] < 0.55 * sizes["tflite"]
    # Small layers (< 1024 weights) stay float; the benchmark measures the
    # default model.
    assert sizes["tflite-int8"] < 0.35 * sizes["tflite"]


DEVICE_SIDE_MODULES = {
    "keras_vae",
    "keras_vae_sampler.lazy",
    "keras_vae.input_checks",
    "keras_vae.samplers",
    "keras_vae_sampler.mixture_math",
    "keras_vae_sampler.uniform_noise",
    "keras_vae.version",
}
SAMPLER_SCRIPT = """
import json, sys
from keras_vae_sampler.sampler import Sampler
sampler = Sampler(sys.argv[1], runtime=sys.argv[2])
images = sampler.sample(3, seed=4)
print(json.dumps({
    "modules": sorted(m for m in sys.modules if m.split(".")[0] in
                      ("tensorflow", "keras", "keras_vae", "tf2onnx")),
    "images": images.tolist(),
}))
"""


@pytest.mark.slow
@pytest.mark.parametrize("runtime", ["tflite", "onnx"])
def test_sampler_runs_without_tensorflow(exports, runtime):
    vae, directory, _ = exports["mlp", "bernoulli"]
    result = subprocess.run(
        [sys.executable, "-c", SAMPLER_SCRIPT, str(directory), runtime],
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2"),
    )
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout.splitlines()[-1])
    # keras_vae's TF-free modules (argument checks, mixture maths) only.
    assert set(report["modules"]) <= DEVICE_SIDE_MODULES
    # The sampling graph draws from the model's mixture, as Keras does.
    expected = vae.sample(3, seed=4, latent="gmm")
    np.testing.assert_allclose(report["images"], expected, atol=1e-5)


def test_sampler_api_and_its_errors(exports):
    vae, directory, _ = exports["mlp", "gaussian"]
    sampler = Sampler(directory, runtime="tflite", format="tflite-fp16")
    assert sampler.format == "tflite-fp16" and sampler.latent_dim == 4
    z = sampler.prior_latents(5, seed=1)
    np.testing.assert_allclose(sampler.decode(z), vae.decode(z), atol=5e-3 * 4)
    assert sampler.decode_uint8(z).dtype == np.uint8
    np.testing.assert_array_equal(sampler.sample(2, seed=3), sampler.sample(2, seed=3))
    with pytest.raises(ValueError, match=r"Received: z.shape=\(2, 3\)"):
        sampler.decode(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="Received: n=0"):
        sampler.sample(0)
    with pytest.raises(ValueError, match="Received: runtime='coreml'"):
        Sampler(directory, runtime="coreml")
    with pytest.raises(ValueError, match="format='tflite-int4'"):
        Sampler(directory, runtime="tflite", format="tflite-int4")
    with pytest.raises(ValueError, match="No manifest.json"):
        Sampler(directory.parent)


def test_sampler_refuses_a_tampered_artifact(exports, tmp_path):
    _, directory, manifest = exports["mlp", "bernoulli"]
    copy = tmp_path / "copy"
    copy.mkdir()
    for name in ("manifest.json", manifest["artifacts"]["onnx"]["file"]):
        (copy / name).write_bytes((directory / name).read_bytes())
    onnx_file = copy / manifest["artifacts"]["onnx"]["file"]
    data = bytearray(onnx_file.read_bytes())
    data[-100] ^= 0xFF
    onnx_file.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="does not match its manifest entry"):
        Sampler(copy, runtime="onnx")
    (copy / "manifest.json").write_text("{not json")
    with pytest.raises(ValueError, match="not valid JSON"):
        Sampler(copy, runtime="onnx")


def snapshot(directory):
    return {
        p.relative_to(directory): p.read_bytes()
        for p in directory.rglob("*")
        if p.is_file()
    }


def failing_writer(original):
    def write(name, decode_model, path, latent_dim):
        if name == "onnx":
            raise RuntimeError("converter crashed")
        original(name, decode_model, path, latent_dim)

    return write


def test_a_failed_export_leaves_nothing_and_keeps_the_old_output(
    exports, tmp_path, monkeypatch
):
    vae, _, _ = exports["mlp", "bernoulli"]
    monkeypatch.setattr(
        exporter, "_write_artifact", failing_writer(exporter._write_artifact)
    )
    with pytest.raises(RuntimeError, match="converter crashed"):
        exporter.export_decoder(vae, tmp_path / "new")
    assert list(tmp_path.iterdir()) == []

    monkeypatch.undo()
    exporter.export_decoder(vae, tmp_path / "old", formats="tflite")
    before = snapshot(tmp_path / "old")
    monkeypatch.setattr(
        exporter, "_write_artifact", failing_writer(exporter._write_artifact)
    )
    with pytest.raises(RuntimeError):
        exporter.export_decoder(vae, tmp_path / "old", overwrite=True)
    assert snapshot(tmp_path / "old") == before
    assert [p.name for p in tmp_path.iterdir()] == ["old"]


def test_parity_failure_is_loud_and_writes_nothing(exports, tmp_path, monkeypatch):
    vae, _, _ = exports["mlp", "bernoulli"]
    original = exporter._write_artifact

    def write_perturbed(name, decode_model, path, inputs):
        clone = keras.models.clone_model(decode_model)
        clone.set_weights([w + 0.5 for w in decode_model.get_weights()])
        original(name, clone, path, inputs)

    monkeypatch.setattr(exporter, "_write_artifact", write_perturbed)
    with pytest.raises(ExportError, match="Parity check failed.*'tflite'"):
        exporter.export_decoder(vae, tmp_path / "out", formats="tflite")
    assert list(tmp_path.iterdir()) == []


@keras.saving.register_keras_serializable(package="keras_vae_tests")
class ErfinvLayer(keras.layers.Layer):
    """Uses an op that TFLite has no builtin for."""

    def call(self, x):
        return ops.erfinv(ops.tanh(x) * 0.5)


def test_flex_ops_are_refused(tmp_path):
    encoder = keras_vae.build_mlp_encoder((6,), 2, hidden_units=(8,))
    z = keras.Input((2,))
    decoder = keras.Model(z, ErfinvLayer()(keras.layers.Dense(6)(z)))
    vae = keras_vae.VAE(encoder, decoder)
    with pytest.raises(ExportError, match="builtin ops only.*Erfinv"):
        exporter.export_decoder(vae, tmp_path / "out", formats="tflite")
    assert list(tmp_path.iterdir()) == []


def test_destination_and_model_checks(exports, tmp_path):
    vae, directory, _ = exports["mlp", "bernoulli"]
    before = snapshot(directory)
    with pytest.raises(ExportError, match="exists and is not empty.*--overwrite"):
        exporter.export_decoder(vae, directory)
    assert snapshot(directory) == before
    a_file = tmp_path / "file"
    a_file.write_text("x")
    with pytest.raises(ExportError, match="is an existing file"):
        exporter.export_decoder(vae, a_file)
    with pytest.raises(ExportError, match="Received: model of type Autoencoder"):
        encoder, decoder = keras_vae.build_encoder_decoder("mlp", (4,), 2, False)
        exporter.export_decoder(keras_vae.Autoencoder(encoder, decoder), tmp_path / "o")
    with pytest.raises(ExportError, match="Received: model of type Dense"):
        exporter.export_decoder(keras.layers.Dense(2), tmp_path / "o")
    # The exporter takes a model; `keras-vae export` loads files.
    with pytest.raises(ExportError, match="takes a model, not a file"):
        exporter.export_decoder(tmp_path / "missing.keras", tmp_path / "o")
    assert main(["export", str(tmp_path / "missing.keras"), str(tmp_path / "o")]) == 2
    corrupt = tmp_path / "corrupt.keras"
    corrupt.write_bytes(b"PK\x03\x04 not really a zip")
    assert main(["export", str(corrupt), str(tmp_path / "o")]) == 2
    with pytest.raises(ValueError, match="Received: formats=\\['tflite', 'pb'\\]"):
        parse_formats("tflite,pb")
    assert not (tmp_path / "o").exists()


def test_overwrite_never_deletes_what_export_did_not_write(exports, tmp_path):
    """The data-loss case: `export runs/x/model.keras runs/x --overwrite`
    used to delete the run folder, the model file with it."""
    vae, _, _ = exports["mlp", "bernoulli"]
    run = tmp_path / "runs" / "x"
    run.mkdir(parents=True)
    vae.save(run / "model.keras")
    (run / "notes.txt").write_text("mine")
    before = snapshot(run)
    for output in (run, run.parent, run / "exported" / ".."):
        args = ["export", str(run / "model.keras"), str(output), "--overwrite"]
        assert main(args) == 2
        assert snapshot(run) == before
    # A folder that no export wrote, or an export the user added files to.
    exported = tmp_path / "exported"
    exporter.export_decoder(vae, exported, formats="onnx")
    (exported / "notes.txt").write_text("mine")
    (exported / "drafts").mkdir()
    (exported / "drafts" / "a.onnx").write_text("mine")
    with pytest.raises(
        ExportError, match=r"did not write: \['drafts/a.onnx', 'notes.txt'\]"
    ):
        exporter.export_decoder(vae, exported, formats="onnx", overwrite=True)
    assert (exported / "notes.txt").read_text() == "mine"
    with pytest.raises(ExportError, match="it has no keras-vae manifest"):
        exporter.export_decoder(vae, run, formats="onnx", overwrite=True)
    assert snapshot(run) == before
    # A symbolic link to a folder is refused, not followed or deleted.
    link = tmp_path / "link"
    link.symlink_to(run)
    with pytest.raises(ExportError, match="is a symbolic link"):
        exporter.export_decoder(vae, link, formats="onnx", overwrite=True)
    assert snapshot(run) == before
    assert main(["export", str(run / "model.keras"), str(run), "--overwrite"]) == 2
    assert snapshot(run) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exported", "link", "runs"]


def test_overwrite_replaces_every_kind_of_earlier_export(exports, tmp_path):
    vae, directory, manifest = exports["conv", "gaussian"]  # every format
    copy = tmp_path / "copy"
    shutil.copytree(directory, copy)
    exporter.export_decoder(vae, copy, formats="onnx", overwrite=True)
    assert sorted(p.name for p in copy.iterdir()) == [
        "decoder.onnx", "latent_sampler_gmm.json", "manifest.json", "sampler.onnx"
    ]  # fmt: skip


def test_missing_runtimes_give_the_install_hint(exports, tmp_path, monkeypatch):
    vae, directory, _ = exports["mlp", "bernoulli"]
    real_find_spec = exporter.importlib.util.find_spec
    monkeypatch.setattr(
        exporter.importlib.util,
        "find_spec",
        lambda name, *a: None if name == "onnxruntime" else real_find_spec(name, *a),
    )
    with pytest.raises(MissingRuntimeError, match=r"pip install 'keras-vae\[export\]'"):
        exporter.export_decoder(vae, tmp_path / "out", formats="onnx")
    assert list(tmp_path.iterdir()) == []
    monkeypatch.setitem(sys.modules, "ai_edge_litert", None)
    monkeypatch.setitem(sys.modules, "ai_edge_litert.interpreter", None)
    with pytest.raises(MissingRuntimeError, match="ai-edge-litert"):
        Sampler(directory, runtime="tflite")


def test_mixed_precision_models_export_float32(tmp_path):
    keras.config.set_dtype_policy("mixed_float16")
    vae = make_vae("mlp", "bernoulli")
    assert vae.decoder.layers[1].compute_dtype == "float16"
    keras.config.set_dtype_policy("float32")
    # The same weights computed in float32: what the export must match.
    reference = make_vae("mlp", "bernoulli")
    reference.set_weights(vae.get_weights())
    exporter.export_decoder(
        vae, tmp_path / "out", formats="tflite,onnx", batch_sizes=()
    )
    z = np.random.default_rng(5).standard_normal((7, 4), dtype=np.float32)
    expected = reference.decode(z)
    for runtime in ("tflite", "onnx"):
        image = Sampler(tmp_path / "out", runtime=runtime).decode(z)
        assert image.dtype == np.float32
        np.testing.assert_allclose(image, expected, atol=1e-5)
        # ... and the float16 Keras decoder to float16 precision.
        np.testing.assert_allclose(image, vae.decode(z), atol=5e-3)


def test_cli_export_and_sample(exports, tmp_path, capsys):
    vae, _, _ = exports["mlp", "bernoulli"]
    model_path = tmp_path / "vae.keras"
    vae.save(model_path)
    out = tmp_path / "exported"
    assert main(["export", str(model_path), str(out), "--formats", "tflite,onnx",
                 "--batch-sizes", "1"]) == 0  # fmt: skip
    printed = capsys.readouterr().out
    assert "tflite" in printed and "parity passed" in printed
    assert main(["export", str(model_path), str(out)]) == 2
    assert "--overwrite" in capsys.readouterr().err
    for runtime in ("tflite", "onnx"):
        png = tmp_path / f"grid_{runtime}.png"
        args = ["sample", str(out), "--runtime", runtime, "-n", "9", "--out", str(png)]
        assert main(args) == 0
        assert png.read_bytes()[:4] == b"\x89PNG"
    assert main(["sample", str(out), "--runtime", "savedmodel"]) == 2
    assert "has no savedmodel artifact" in capsys.readouterr().err
    assert main(["sample", str(tmp_path / "nowhere")]) == 2
    assert "No manifest.json" in capsys.readouterr().err


def test_sampler_latent_checks_and_verify_false(exports, tmp_path):
    vae, directory, manifest = exports["mlp", "bernoulli"]
    sampler = Sampler(directory, runtime="onnx")
    z = np.zeros((2, vae.latent_dim), "float32")
    for bad in (np.nan, np.inf):
        z[1, 0] = bad
        with pytest.raises(ValueError, match="z contains NaN or Inf"):
            sampler.decode(z)
    # A manifest whose hash no longer matches: refused unless verify=False,
    # which loads the (intact) artifact as it is.
    copy = tmp_path / "copy"
    copy.mkdir()
    onnx_file = manifest["artifacts"]["onnx"]["file"]
    (copy / onnx_file).write_bytes((directory / onnx_file).read_bytes())
    text = (directory / "manifest.json").read_text()
    digest = manifest["artifacts"]["onnx"]["files"][onnx_file]["sha256"]
    (copy / "manifest.json").write_text(text.replace(digest, "0" * len(digest)))
    with pytest.raises(ValueError, match="does not match its manifest entry"):
        Sampler(copy, runtime="onnx")
    unverified = Sampler(copy, runtime="onnx", verify=False)
    z = np.random.default_rng(2).standard_normal((3, vae.latent_dim), np.float32)
    np.testing.assert_allclose(unverified.decode(z), vae.decode(z), atol=1e-5)


def test_savedmodel_serving_default_signature_decodes(exports):
    import tensorflow as tf

    vae, directory, manifest = exports["conv", "gaussian"]
    loaded = tf.saved_model.load(
        str(directory / manifest["artifacts"]["savedmodel"]["file"])
    )
    assert {"decode", "serving_default"} <= set(loaded.signatures)
    z = np.random.default_rng(3).standard_normal((5, vae.latent_dim), np.float32)
    expected = vae.decode(z)
    for name in ("decode", "serving_default"):
        signature = loaded.signatures[name]
        (input_name,) = signature.structured_input_signature[1]
        outputs = signature(**{input_name: tf.constant(z)})
        images = [v.numpy() for v in outputs.values() if v.dtype == tf.float32]
        assert len(images) == 1, name
        np.testing.assert_allclose(images[0], expected, atol=1e-5)


def test_overwrite_replaces_an_export(exports, tmp_path, capsys):
    vae, _, _ = exports["mlp", "bernoulli"]
    other, _, _ = exports["mlp", "gaussian"]
    for model, name in ((vae, "first.keras"), (other, "second.keras")):
        model.save(tmp_path / name)
    out = tmp_path / "exported"
    first = ["export", str(tmp_path / "first.keras"), str(out), "--uint8",
             "--batch-sizes", ""]  # fmt: skip
    assert main([*first, "--formats", "tflite"]) == 0
    second = ["export", str(tmp_path / "second.keras"), str(out)]
    assert main([*second, "--formats", "onnx", "--overwrite"]) == 0
    capsys.readouterr()
    manifest = read_manifest(out)
    assert sorted(manifest["artifacts"]) == ["onnx", "onnx:sample"]
    assert manifest["model"]["likelihood"] == "gaussian"
    assert {p.name for p in out.iterdir()} == {
        "manifest.json", "decoder.onnx", "sampler.onnx", "latent_sampler_gmm.json"
    }  # fmt: skip
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "exported", "first.keras", "second.keras"
    ]  # fmt: skip
    sampler = Sampler(out, runtime="onnx")
    z = np.random.default_rng(4).standard_normal((3, other.latent_dim), np.float32)
    np.testing.assert_allclose(sampler.decode(z), other.decode(z), atol=1e-5)
    # The new export has no uint8 output, and says so.
    with pytest.raises(ValueError, match="no 'image_uint8' output"):
        sampler.decode_uint8(z)


SAMPLE_COMMAND = """
import json, sys
from keras_vae.cli import main
status = main(sys.argv[1:])
print(json.dumps({
    "status": status,
    "modules": sorted(m for m in sys.modules if m.split(".")[0] in
                      ("tensorflow", "keras", "tf2onnx", "tensorflow_datasets")),
}))
"""


@pytest.mark.slow
@pytest.mark.parametrize("runtime", ["tflite", "onnx"])
def test_sample_command_imports_no_tensorflow(exports, runtime, tmp_path):
    _, directory, _ = exports["mlp", "bernoulli"]
    png = tmp_path / "grid.png"
    args = [
        "sample",
        str(directory),
        "--runtime",
        runtime,
        "-n",
        "4",
        "--out",
        str(png),
    ]
    result = subprocess.run(
        [sys.executable, "-c", SAMPLE_COMMAND, *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2"),
    )
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout.splitlines()[-1])
    assert report["status"] == 0, result.stderr[-2000:]
    assert report["modules"] == []
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
