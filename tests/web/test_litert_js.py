"""The exported `.tflite` files in Google's web runtime, LiteRT.js 2.5.3
(npm `@litertjs/core`), in headless Chromium: every LiteRT format's
fixed-batch decoder and sampler runs there and matches the Python `Sampler`;
the files that take any batch are refused, as LiteRT.js refuses every
dynamic shape.

`make test` installs Chromium (apt) and the npm packages (`npm ci`) first;
without them these tests skip and say what is missing.
"""

import numpy as np
import pytest

import keras_vae
from keras_vae_export import export_decoder
from keras_vae_sampler import Sampler
from keras_vae_sampler import uniform_noise
from tests.litert_js import litert_js_available
from tests.litert_js import run_litert_js
from tests.small_networks import small_encoder_decoder

pytestmark = pytest.mark.slow

LITERT_FORMATS = ("tflite", "tflite-fp16", "tflite-int8", "tflite-w8", "tflite-w4")
BATCH = 2
LATENT_DIM = 3


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    """A conditional model with a per-class mixture, every LiteRT format,
    fixed batch 2."""
    if not litert_js_available():
        pytest.skip("LiteRT.js needs chromium, node and `npm ci`; `make test` does it")
    encoder, decoder = small_encoder_decoder(
        "mlp", (28, 28, 1), LATENT_DIM, num_classes=3
    )
    vae = keras_vae.ConditionalVAE(encoder, decoder, seed=0)
    x = np.random.default_rng(0).random((60, 28, 28, 1)).astype("float32")
    vae.fit_latent_sampler(x, num_components=4, labels=np.arange(60) % 3)
    directory = tmp_path_factory.mktemp("litertjs") / "out"
    manifest = export_decoder(
        vae, directory, formats=LITERT_FORMATS, batch_sizes=(BATCH,)
    )
    return directory, manifest


def _feeds(graph):
    labels = np.array([2, 0], "int32")
    if graph == "sample":
        return {
            "noise": uniform_noise.seeded_noise(4, BATCH, LATENT_DIM),
            "label": labels,
        }
    z = np.random.default_rng(1).standard_normal((BATCH, LATENT_DIM), dtype="float32")
    return {"z": z, "label": labels}


@pytest.mark.parametrize("graph", ["sample", "decode"])
@pytest.mark.parametrize("format_name", LITERT_FORMATS)
def test_every_fixed_batch_file_runs_in_litert_js(export, format_name, graph):
    directory, manifest = export
    entry = manifest["artifacts"][
        f"{format_name}{':sample' if graph == 'sample' else ''}@{BATCH}"
    ]
    feeds = _feeds(graph)
    report = run_litert_js(directory / entry["file"], feeds)
    assert report["ok"], report.get("error")
    assert [i["name"] for i in report["inputs"]] == [i["name"] for i in entry["inputs"]]
    sampler = Sampler(directory, "tflite", format=format_name, batch_size=BATCH)
    if graph == "sample":
        expected = sampler.sample_noise(feeds["noise"], feeds["label"])
    else:
        expected = sampler.decode(feeds["z"], feeds["label"])
    image = report["outputs"]["image"]
    assert image.shape == expected.shape
    # The same file in another build of the same kernels: float rounding
    # apart, the same image (int8's run-time activation quantisation can
    # round one grey level differently).
    bound = 1e-5 if format_name in ("tflite", "tflite-fp16") else 2e-2
    assert np.abs(image - expected).max() <= bound, format_name


def test_the_files_that_take_any_batch_are_refused(export):
    directory, manifest = export
    report = run_litert_js(
        directory / manifest["artifacts"]["tflite:sample"]["file"], _feeds("sample")
    )
    assert not report["ok"]
    assert "does not match expected ranked tensor type" in report["error"]


def test_webgpu_runs_the_sampler_where_chromium_offers_it(export):
    """Headless Chromium here has no GPU: WebGPU runs on SwiftShader, its
    software adapter, which checks the kernels, not a real GPU."""
    directory, manifest = export
    entry = manifest["artifacts"][f"tflite:sample@{BATCH}"]
    feeds = _feeds("sample")
    report = run_litert_js(directory / entry["file"], feeds, accelerator="webgpu")
    if not report["ok"] and "no WebGPU device" in report.get("error", ""):
        pytest.skip(f"no WebGPU adapter in this Chromium: {report['error']}")
    assert report["ok"], report.get("error")
    expected = Sampler(directory, "tflite", batch_size=BATCH).sample_noise(
        feeds["noise"], feeds["label"]
    )
    assert np.abs(report["outputs"]["image"] - expected).max() <= 1e-4
