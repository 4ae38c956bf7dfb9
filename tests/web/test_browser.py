"""The browser page in real headless Chromium (Debian's, driven by
playwright-core): loaded from `keras-vae serve` and from the static folder of
`keras-vae web` behind a plain static server.

`make test` installs Chromium (apt) and the npm packages (`npm ci`) first;
without them these tests skip and say what is missing.
"""

import json
import shutil
from urllib.parse import urlsplit

import keras
import numpy as np
import pytest

import keras_vae
from keras_vae.cli import main
from keras_vae_export import export_decoder
from keras_vae_sampler.errors import ExportFormatError
from keras_vae_sampler.errors import ExportIntegrityError
from keras_vae_sampler.manifest import read_manifest
from keras_vae_sampler.sampler import Sampler
from tests.browser_harness import ROOT
from tests.browser_harness import check_page
from tests.browser_harness import keras_vae_serve
from tests.browser_harness import require_browser
from tests.browser_harness import run_node_check
from tests.browser_harness import set_mixture_sampler
from tests.browser_harness import static_server

pytestmark = pytest.mark.slow

# Two tight components: gmm draws land within a few 0.01 of a mean.
MEANS = [[1.5, -1.0], [-2.0, 0.5]]
MIXTURE = {
    "label": None,
    "weights": [0.25, 0.75],
    "means": MEANS,
    "cholesky": [[[0.01, 0.0], [0.005, 0.01]], [[0.02, 0.0], [0.0, 0.01]]],
}


@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    """A conditional export (latent_dim 4, 10 classes) and an unconditional
    one (latent_dim 2) with a hand-written Gaussian-mixture sampler; ONNX
    only, untrained."""
    require_browser()
    root = tmp_path_factory.mktemp("web-exports")
    keras.utils.set_random_seed(3)
    encoder, decoder = keras_vae.build_encoder_decoder(
        "mlp", (28, 28, 1), 4, num_classes=10
    )
    conditional = keras_vae.ConditionalVAE(encoder, decoder, seed=0)
    export_decoder(conditional, root / "conditional", formats="onnx")
    encoder, decoder = keras_vae.build_encoder_decoder("mlp", (28, 28, 1), 2)
    unconditional = keras_vae.VAE(encoder, decoder, seed=0)
    set_mixture_sampler(unconditional, [MIXTURE])
    export_decoder(unconditional, root / "unconditional", formats="onnx")
    # For LiteRT.js: fixed batch 4 only, so that 5 rows take one full run and
    # one padded run.
    export_decoder(
        conditional, root / "litert", formats=("onnx", "tflite"), batch_sizes=(4,)
    )
    return root


def assert_stays_on(report, url):
    origin = "{0.scheme}://{0.netloc}/".format(urlsplit(url))
    assert report["requests"], "no request was recorded"
    assert all(r.startswith(origin) for r in report["requests"]), report["requests"]
    assert origin.startswith("http://127.0.0.1:")
    assert not report["console_errors"] and not report["page_errors"], report


def test_page_from_serve_matches_the_python_sampler(exports):
    export_dir = exports / "conditional"
    rng = np.random.default_rng(0)
    z = rng.standard_normal((5, 4)).astype("float32")
    labels = [0, 3, 9, 3, 7]
    with keras_vae_serve(export_dir) as (url, _):
        report = check_page(url, z=z.tolist(), labels=labels, pick_labels=[2, 8])
    assert_stays_on(report, url)
    assert report["status"]["state"] == "ready"
    assert report["status"]["cross_origin_isolated"]
    assert report["ready"] == {
        "latent_dim": 4,
        "samplers": ["prior"],
        "num_classes": 10,
    }
    expected = Sampler(export_dir, runtime="onnx").decode(z, labels=labels)
    decoded = np.array(report["decoded"], dtype="float32").reshape(expected.shape)
    assert np.abs(decoded - expected).max() <= 1e-4
    # The grid is drawn, not blank.
    assert report["grid"]["distinct"] > 10
    assert report["grid"]["max"] - report["grid"]["min"] > 50
    assert report["slider_changed_image"]
    assert report["sliders"] == 4 and not report["pad_visible"]
    # The label picker redraws the large image as decode(z, picked class).
    assert report["label_changes"] == [
        {"label": 2, "changed": True, "matches": True},
        {"label": 8, "changed": True, "matches": True},
    ]
    sampled = report.pop("sampled")
    assert (sampled["count"], sampled["length"], sampled["repeatable"]) == (
        3,
        784,
        True,
    )
    # The page draws what Python draws for the same seed: the same portable
    # noise through the same sampling graph (the prior's, here).
    expected = Sampler(export_dir, runtime="onnx").sample(3, seed=5, labels=[0, 1, 2])
    images = np.array(sampled["images"], "float32").reshape(expected.shape)
    assert np.abs(images - expected).max() <= 1e-6


def test_gaussian_mixture_sampler_and_the_2d_pad(exports):
    with keras_vae_serve(exports / "unconditional") as (url, _):
        report = check_page(
            url,
            latents={"n": 400, "options": {"latent": "gmm"}},
            sample_options={"latent": "gmm"},
            select_sampler="prior",  # the mixture is the default
        )
    assert_stays_on(report, url)
    assert report["ready"]["samplers"] == ["prior", "gmm"]
    assert report["sampler_changed_grid"]
    assert report["pad_visible"] and report["sliders"] == 2
    z = np.array(report["latents"])
    distances = np.linalg.norm(z[:, None, :] - np.array(MEANS)[None], axis=-1)
    nearest = distances.argmin(axis=1)
    assert distances.min(axis=1).max() < 0.15  # every draw sits on a component
    share = np.mean(nearest == 0)
    assert 0.17 < share < 0.33  # weight 0.25
    assert report["sampled"]["repeatable"]
    sampler = Sampler(exports / "unconditional", runtime="onnx")
    np.testing.assert_allclose(
        np.array(report["latents"], "float32"),
        sampler.latents(400, seed=1, latent="gmm"),
        atol=1e-5,
    )
    expected = sampler.sample(3, seed=5, latent="gmm")
    images = np.array(report["sampled"]["images"], "float32").reshape(expected.shape)
    assert np.abs(images - expected).max() <= 1e-6


def test_page_on_litert_js_draws_what_python_draws(exports):
    export_dir = exports / "litert"
    rng = np.random.default_rng(1)
    z = rng.standard_normal((5, 4)).astype("float32")
    labels = [1, 0, 9, 4, 4]
    with keras_vae_serve(export_dir) as (url, _):
        report = check_page(
            f"{url}?runtime=litert", z=z.tolist(), labels=labels, pick_labels=[7]
        )
        wrong = check_page(f"{url}?runtime=tfjs", expect_error=True)
    with keras_vae_serve(exports / "conditional") as (onnx_only, _):
        missing = check_page(f"{onnx_only}?runtime=litert", expect_error=True)
    assert_stays_on(report, url)
    assert report["status"]["state"] == "ready"
    assert "LiteRT.js" in report["status"]["text"]
    # Only LiteRT.js and the LiteRT files are fetched, not onnxruntime-web's
    # wasm nor the ONNX files.
    fetched = [r.rsplit("/", 1)[-1] for r in report["requests"]]
    assert "sampler_float32_b4.tflite" in fetched
    assert not [
        name
        for name in fetched
        if name.endswith((".onnx", "ort-wasm-simd-threaded.wasm"))
    ]
    sampler = Sampler(export_dir, runtime="onnx")
    expected = sampler.decode(z, labels=labels)
    decoded = np.array(report["decoded"], "float32").reshape(expected.shape)
    assert np.abs(decoded - expected).max() <= 1e-5
    assert report["grid"]["distinct"] > 10
    assert report["slider_changed_image"]
    assert report["label_changes"] == [{"label": 7, "changed": True, "matches": True}]
    expected = sampler.sample(3, seed=5, labels=[0, 1, 2])
    images = np.array(report["sampled"]["images"], "float32").reshape(expected.shape)
    assert np.abs(images - expected).max() <= 1e-5
    assert report["sampled"]["repeatable"]
    assert "Unknown runtime" in wrong["status"]["text"]
    assert 'runtime="tfjs"' in wrong["status"]["text"]
    assert "no fixed-batch LiteRT files" in missing["status"]["text"]


def test_static_folder_from_keras_vae_web(exports, tmp_path):
    site = tmp_path / "site"
    assert main(["web", str(exports / "unconditional"), str(site)]) == 0
    with static_server(site) as (url, _):
        report = check_page(url, sample_options={"latent": "gmm"})
        assert_stays_on(report, url)
        assert report["status"]["state"] == "ready"
        assert not report["status"]["cross_origin_isolated"]  # plain server
        assert report["grid"]["distinct"] > 10

        # The page checks what it loads: a changed sampling graph (its
        # mixture is inside) is refused...
        sampling = site / "export" / "sampler.onnx"
        original = sampling.read_bytes()
        sampling.write_bytes(original[:-8] + bytes(8))
        report = check_page(url, expect_error=True)
        assert "sampler.onnx does not match" in report["status"]["text"]
        sampling.write_bytes(original)

        # ... and so is a manifest whose artifact leads out of the folder,
        # even with that file's own hash: it is never requested.
        shutil.copy(site / "export" / "decoder.onnx", site / "outside.onnx")
        manifest_path = site / "export" / "manifest.json"
        manifest = json.loads(manifest_path.read_text())
        manifest.pop("latent_samplers")
        manifest["artifacts"]["onnx"]["file"] = "../outside.onnx"
        manifest_path.write_text(json.dumps(manifest))
        report = check_page(url, expect_error=True)
        assert "stays inside the export folder" in report["status"]["text"]
        assert not [r for r in report["requests"] if "outside" in r]


def test_page_reader_gives_the_python_verdict_on_every_shared_example(
    exports, tmp_path
):
    """The shared examples of sampler/tests/format_examples/: the page's
    reader (kerasvae.js) names the error class Python's reader names, for
    every manifest example; an export whose sampling graph changed but kept
    its size is refused by both as an integrity error."""
    folder = ROOT / "sampler" / "tests" / "format_examples"
    manifests = sorted((folder / "manifest").rglob("*.json"))
    texts = {p.relative_to(folder).as_posix(): p.read_text() for p in manifests}
    expected = {}
    for name, text in texts.items():
        (tmp_path / "manifest.json").write_text(text)
        try:
            read_manifest(tmp_path)
            expected[name] = "valid"
        except ExportFormatError as error:
            expected[name] = type(error).__name__
    assert set(expected.values()) >= {"valid", "ExportSchemaError", "ExportRuleError"}
    cases = tmp_path / "cases.json"
    cases.write_text(json.dumps(texts))

    site = tmp_path / "site"
    assert main(["web", str(exports / "unconditional"), str(site)]) == 0
    changed = site / "changed"
    shutil.copytree(site / "export", changed)
    sampling = changed / "sampler.onnx"
    sampling.write_bytes(sampling.read_bytes()[:-8] + bytes(8))
    with pytest.raises(ExportIntegrityError):
        Sampler(changed, runtime="onnx").sample(1, seed=0)
    with static_server(site) as (url, _):
        report = run_node_check(
            "format_check.mjs",
            {"url": url, "examples": str(cases), "loads": ["export/", "changed/"]},
        )
    assert not report["page_errors"], report["page_errors"]
    different = {
        name: (report["verdicts"][name], verdict, report["messages"][name])
        for name, verdict in expected.items()
        if report["verdicts"][name] != verdict
    }
    assert not different
    assert report["loads"] == {"export/": "valid", "changed/": "ExportIntegrityError"}
    for name, verdict in expected.items():
        if verdict != "valid":
            assert "Received: " in report["messages"][name], name
