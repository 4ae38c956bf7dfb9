"""The sampling graph: uniform noise in, an image out, the fitted latent
mixture inside; fixed-batch files with static shapes; one signature."""

import numpy as np
import pytest

import keras_vae
from keras_vae.cli import main
from keras_vae_export import export_decoder
from keras_vae_export.decode_model import UniformNoiseLatent
from keras_vae_sampler import Sampler
from keras_vae_sampler import uniform_noise
from keras_vae_sampler.formats import parse_batch_sizes
from keras_vae_sampler.runtimes import open_runner
from tests.roundtrip import run_serialization_test
from tests.small_networks import small_encoder_decoder

SHAPE = (28, 28, 1)
LATENT_DIM = 3


def _lowbias32_reference(seed, count):
    """The portable generator, written out with Python integers."""
    numbers = []
    for i in range(count):
        x = (seed + (i + 1) * 0x9E3779B9) % 2**32
        x ^= x >> 16
        x = (x * 0x21F0AAAD) % 2**32
        x ^= x >> 15
        x = (x * 0x735A2D97) % 2**32
        x ^= x >> 15
        numbers.append((x >> 8) / 2**24)
    return numbers


@pytest.mark.parametrize("seed", [0, 1, 2**32 - 1, 123456789])
def test_the_portable_generator_is_the_documented_hash(seed):
    numbers = uniform_noise.portable_uniform(seed, 300)
    assert numbers.dtype == np.float32
    np.testing.assert_array_equal(numbers, _lowbias32_reference(seed, 300))
    assert numbers.min() >= 0 and numbers.max() < 1
    assert np.all(numbers * 2**24 == np.floor(numbers * 2**24))
    # A prefix of a longer draw: the first rows do not depend on n.
    np.testing.assert_array_equal(
        uniform_noise.seeded_noise(seed, 2, 4),
        uniform_noise.seeded_noise(seed, 5, 4)[:2],
    )


def test_the_portable_generator_is_uniform():
    numbers = uniform_noise.portable_uniform(7, 200_000)
    counts = np.histogram(numbers, bins=20, range=(0, 1))[0]
    assert np.all(np.abs(counts / len(numbers) - 0.05) < 0.002)
    assert abs(np.corrcoef(numbers[:-1], numbers[1:])[0, 1]) < 0.01


def test_noise_to_latents_follows_the_prior_and_the_weights():
    prior = uniform_noise.mixture_tables(None, 2)
    noise = uniform_noise.seeded_noise(3, 100_000, 2)
    z = uniform_noise.latents_from_noise(noise, prior)
    np.testing.assert_allclose(z.mean(axis=0), 0, atol=0.01)
    np.testing.assert_allclose(np.cov(z, rowvar=False), np.eye(2), atol=0.015)
    mixture = {
        "weights": [0.2, 0.5, 0.3],
        "means": np.array([[-10.0, 0], [0, 0], [10, 0]]),
        "cholesky": np.stack([np.eye(2) * 0.1] * 3),
    }
    z = uniform_noise.latents_from_noise(
        noise, uniform_noise.mixture_tables([mixture], 2)
    )
    shares = [(z[:, 0] < -5).mean(), (abs(z[:, 0]) < 5).mean(), (z[:, 0] > 5).mean()]
    np.testing.assert_allclose(shares, [0.2, 0.5, 0.3], atol=0.005)


def test_the_component_choice_is_exact_at_the_thresholds():
    mixture = {
        "weights": [0.25, 0.75],
        "means": np.array([[-1.0], [1.0]]),
        "cholesky": np.zeros((2, 1, 1)),
    }
    tables = uniform_noise.mixture_tables([mixture], 1)
    assert tables["thresholds"].tolist() == [[2**22, 2**24]]
    below, at = np.float32(0.25 - 2**-24), np.float32(0.25)
    noise = np.array([[below, 0.5, 0.5], [at, 0.5, 0.5], [1.0, 0.5, 0.5]], "float32")
    z = uniform_noise.latents_from_noise(noise, tables)
    assert z[:, 0].tolist() == [-1.0, 1.0, 1.0]
    layer = _layer(tables)
    np.testing.assert_array_equal(np.asarray(layer(noise)), z)


def _layer(tables, num_mixtures=1):
    mixtures, components = tables["thresholds"].shape
    layer = UniformNoiseLatent(tables["means"].shape[1], components, mixtures)
    layer.set_tables(tables)
    return layer


def test_the_graph_layer_is_the_numpy_reference():
    rng = np.random.default_rng(0)
    d, k, classes = 4, 5, 3
    mixtures = [
        {
            "weights": rng.dirichlet(np.ones(k)),
            "means": rng.normal(size=(k, d)),
            "cholesky": np.tril(rng.normal(size=(k, d, d))) + 2 * np.eye(d),
        }
        for _ in range(classes)
    ]
    tables = uniform_noise.mixture_tables(mixtures, d, classes)
    layer = _layer(tables)
    noise = uniform_noise.seeded_noise(5, 500, d)
    noise[0], noise[1], noise[2] = 0.0, 1.0, np.float32(1 - 2**-24)  # the edges
    labels = rng.integers(0, classes, 500).astype("int32")
    expected = uniform_noise.latents_from_noise(noise, tables, labels)
    np.testing.assert_allclose(
        np.asarray(layer(noise, labels)), expected, rtol=1e-6, atol=1e-6
    )
    assert np.all(np.isfinite(expected))
    run_serialization_test(layer)


@pytest.fixture(scope="module")
def conditional_export(tmp_path_factory):
    """A conditional model with a per-class mixture, exported with fixed
    batches 1 and 3."""
    encoder, decoder = small_encoder_decoder("mlp", SHAPE, LATENT_DIM, num_classes=3)
    vae = keras_vae.ConditionalVAE(encoder, decoder, seed=0)
    x = np.random.default_rng(0).random((60, *SHAPE)).astype("float32")
    vae.fit_latent_sampler(x, num_components=4, labels=np.arange(60) % 3)
    directory = tmp_path_factory.mktemp("graph") / "out"
    manifest = export_decoder(
        vae, directory, formats="tflite,tflite-int8,onnx,savedmodel",
        uint8_output=True, batch_sizes=(1, 3),
    )  # fmt: skip
    return vae, directory, manifest


def _tflite_ops_and_shapes(path):
    from tensorflow.lite.python import schema_py_generated as schema
    from tensorflow.lite.tools import flatbuffer_utils

    names = {v: k for k, v in vars(schema.BuiltinOperator).items() if k.isupper()}
    model = flatbuffer_utils.read_model(str(path))
    subgraph = model.subgraphs[0]
    ops = {
        names[model.operatorCodes[op.opcodeIndex].builtinCode]
        for op in subgraph.operators
    }
    signatures = [
        list(t.shapeSignature) if t.shapeSignature is not None else list(t.shape)
        for t in subgraph.tensors
        if t.shape is not None
    ]
    return ops, signatures


def test_fixed_batch_files_have_only_static_shapes(conditional_export):
    vae, directory, manifest = conditional_export
    fixed = [e for e in manifest["artifacts"].values() if e["batch_size"] is not None]
    assert sorted((e["format"], e["graph"], e["batch_size"]) for e in fixed) == sorted(
        (f, g, b)
        for f in ("tflite", "tflite-int8")
        for g in ("decode", "sample")
        for b in (1, 3)
    )
    for entry in fixed:
        ops, shapes = _tflite_ops_and_shapes(directory / entry["file"])
        assert not ops & {"SHAPE", "PACK"}, entry["file"]
        assert all(-1 not in shape for shape in shapes), entry["file"]
        b = entry["batch_size"]
        assert [i["shape"][0] for i in entry["inputs"]] == [b, b]
        assert entry["outputs"][0]["shape"] == [b, *SHAPE]
    # The files that take any batch keep their dynamic shapes.
    ops, _ = _tflite_ops_and_shapes(directory / "decoder_float32.tflite")
    assert manifest["artifacts"]["tflite"]["inputs"][0]["shape"] == [-1, LATENT_DIM]


def test_fixed_batch_files_draw_what_the_dynamic_ones_draw(conditional_export):
    vae, directory, manifest = conditional_export
    labels = np.array([2, 0, 1], "int32")
    expected = vae.sample(3, seed=11, labels=labels, latent="gmm")
    for runtime in ("tflite",):
        for fmt, atol in (("tflite", 1e-5), ("tflite-int8", 0.25)):
            fixed = Sampler(directory, runtime, format=fmt, batch_size=3)
            any_batch = Sampler(directory, runtime, format=fmt)
            images = fixed.sample(3, seed=11, labels=labels)
            np.testing.assert_allclose(images, expected, atol=atol)
            np.testing.assert_array_equal(
                images, any_batch.sample(3, seed=11, labels=labels)
            )
            with pytest.raises(
                ValueError, match=r"exactly 3 rows.*noise.shape=\(2, 7\)"
            ):
                fixed.sample(2, seed=0, labels=[0, 1])
            with pytest.raises(ValueError, match=r"exactly 3 rows.*z.shape=\(4, 3\)"):
                fixed.decode(np.zeros((4, LATENT_DIM), "float32"), labels=0)
    with pytest.raises(ValueError, match=r"fixed batch sizes \[1, 3\].*batch_size=64"):
        Sampler(directory, "tflite", batch_size=64)


def test_one_signature_in_every_format(conditional_export):
    """The same input names and order and output names everywhere: in the
    file's own graph, in its signature, and in the manifest."""
    vae, directory, manifest = conditional_export
    for entry in manifest["artifacts"].values():
        sampling = entry["graph"] == "sample"
        expected_inputs = ["noise" if sampling else "z", "label"]
        expected_outputs = ["image", "image_uint8"] + (["z"] if sampling else [])
        assert [i["name"] for i in entry["inputs"]] == expected_inputs
        assert [o["name"] for o in entry["outputs"]] == expected_outputs
        runner = open_runner(entry["runtime"], directory / entry["file"])
        assert runner.input_names == expected_inputs, entry["file"]
        assert runner.output_names == expected_outputs, entry["file"]
        if entry["runtime"] == "tflite":
            details = runner.interpreter.get_input_details()
            assert [d["name"] for d in details] == expected_inputs
            outputs = runner.interpreter.get_output_details()
            assert [d["name"] for d in outputs] == expected_outputs
            assert [o["dtype"] for o in entry["outputs"]] == [
                d["dtype"].__name__ for d in outputs
            ]


def test_sampler_refuses_bad_noise_and_labels(conditional_export):
    vae, directory, _ = conditional_export
    sampler = Sampler(directory, "onnx")
    good = uniform_noise.seeded_noise(0, 2, LATENT_DIM)
    cases = [
        (good[:, :5], r"shape \(n, 7\).*Received: noise.shape=\(2, 5\)"),
        (good.astype("float64"), "Received: noise.dtype=float64"),
        (good + 1, r"in \[0, 1\).*Received: noise\[\(0, 0\)\]="),
        (np.full((2, 7), np.nan, "float32"), r"Received: noise\[\(0, 0\)\]=.*nan"),
    ]
    for noise, message in cases:
        with pytest.raises(ValueError, match=message):
            sampler.sample_noise(noise, labels=[0, 1])
    with pytest.raises(ValueError, match=r"\[0, 2\].*Received: labels=3"):
        sampler.sample_noise(good, labels=[0, 3])
    with pytest.raises(ValueError, match="labels.dtype=float32"):
        sampler.sample_noise(good, labels=np.zeros(2, "float32"))


@pytest.mark.parametrize(
    "value, received",
    [("0", "'0'"), ("-1", "'-1'"), ("x", "'x'"), ("1,5000", "'1,5000'")],
)
def test_bad_batch_sizes_are_refused_before_any_work(value, received, tmp_path, capsys):
    with pytest.raises(ValueError, match=f"Received: batch_sizes={received}"):
        parse_batch_sizes(value)
    args = ["export", str(tmp_path / "missing.keras"), str(tmp_path / "out")]
    assert main([*args, "--batch-sizes", value]) == 2
    assert f"batch_sizes={received}" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
    assert parse_batch_sizes("") == () and parse_batch_sizes("64, 1,1") == (1, 64)


def test_exports_of_manifest_version_2_still_read(conditional_export, tmp_path):
    """An export written before the sampling graph (decoders only, no format,
    graph or batch size per artifact) keeps working: decode, and sample by
    decoding prior latents."""
    import json
    import shutil

    vae, directory, manifest = conditional_export
    old = {**manifest, "manifest_version": 2, "artifacts": {}}
    entry = dict(manifest["artifacts"]["onnx"])
    for field in ("format", "graph", "batch_size"):
        entry.pop(field)
    old["artifacts"]["onnx"] = entry
    shutil.copy(directory / entry["file"], tmp_path / entry["file"])
    (tmp_path / "manifest.json").write_text(json.dumps(old))
    sampler = Sampler(tmp_path, "onnx")
    assert sampler.sample_entry is None
    z = sampler.prior_latents(2, seed=0)
    np.testing.assert_allclose(
        sampler.sample(2, seed=0, labels=[0, 1], latent="prior"),
        vae.decode(z, labels=[0, 1]),
        atol=1e-5,
    )
    with pytest.raises(ValueError, match="no sampling graph"):
        sampler.sample_noise(uniform_noise.seeded_noise(0, 2, LATENT_DIM), [0, 1])


def test_quantised_formats_keep_the_mixture_exact(tmp_path):
    # 40 components of an 8-d latent: 2,560 Cholesky entries, above the
    # 1,024 from which the quantisers rewrite a float constant. Held as
    # int32 fixed point (scales float16 holds), the mixture stays exact;
    # only the decoder is quantised.
    d = 8
    encoder, decoder = small_encoder_decoder("mlp", SHAPE, d)
    vae = keras_vae.VAE(encoder, decoder, seed=0)
    x = np.random.default_rng(0).random((200, *SHAPE)).astype("float32")
    vae.fit_latent_sampler(x, num_components=40)
    formats = "tflite-fp16,tflite-int8,tflite-w8"
    export_decoder(vae, tmp_path / "out", formats=formats, batch_sizes=())
    tables = uniform_noise.mixture_tables(vae.latent_sampler.mixtures(), d)
    noise = uniform_noise.seeded_noise(1, 64, d)
    expected = uniform_noise.latents_from_noise(noise, tables)
    for format in formats.split(","):
        z = Sampler(tmp_path / "out", format=format).sample_noise(noise, output="z")
        np.testing.assert_allclose(z, expected, rtol=1e-5, atol=1e-5)


def test_fixed_point_tables_are_exact_to_the_scale():
    from keras_vae_export.decode_model import fixed_point

    table = np.random.default_rng(0).normal(size=(50, 16, 16)) * 3
    values, scale = fixed_point(table)
    assert values.dtype == np.int32 and np.log2(scale).is_integer()
    assert np.max(np.abs(values * scale - table)) <= scale / 2
    assert 2**23 <= np.max(np.abs(values)) <= 2**24
    # Both factors of the scale are float16 normal numbers (tflite-fp16).
    assert np.float16(scale / 2**-14) == scale / 2**-14 >= 2**-14
    assert fixed_point(np.zeros((2, 3)))[0].tolist() == [[0] * 3] * 2
