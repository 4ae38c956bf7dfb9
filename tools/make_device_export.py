"""Writes `sampler/tests/data/`: the small exports the device package is
tested on without TensorFlow, and the images Keras draws for them.

    python -m tools.make_device_export

Two untrained MLP models on 8x8 images (latent size 2, 16 hidden units), each
with a hand-made Gaussian mixture inside its sampling graph, exported as
LiteRT float32 and int8 (any batch and batch 4) and ONNX, `--uint8`:
`unconditional/` and `conditional/` (3 classes). `reference.npz` holds, per
export, the noise of `REFERENCE_SEED`, the latents and images Keras computes
from it, and decoded latents. The committed files are what the device tests
read; `tests/export/test_device_export.py` checks they are still what this script
writes (the same manifest, up to hashes and tool versions).
"""

import shutil
from pathlib import Path

import keras
import numpy as np

import keras_vae
from keras_vae_export import export_decoder
from keras_vae_export.decode_model import build_export_model
from keras_vae_sampler import uniform_noise
from tests.browser_harness import set_mixture_sampler

DATA_DIR = Path(__file__).resolve().parent.parent / "sampler" / "tests" / "data"
SHAPE = (8, 8, 1)
LATENT_DIM = 2
NUM_CLASSES = 3
FORMATS = "tflite,tflite-int8,onnx"
BATCH_SIZES = (4,)
REFERENCE_SEED = 11
REFERENCE_COUNT = 6


def _mixture(label, shift):
    return {
        "label": label,
        "weights": [0.3, 0.7],
        "means": [[1.0 + shift, -0.5], [-1.5, 0.5 - shift]],
        "cholesky": [[[0.3, 0.0], [0.1, 0.2]], [[0.25, 0.0], [0.0, 0.4]]],
    }


def build_models():
    """The two untrained models, seeded: {name: model}."""
    keras.utils.set_random_seed(5)
    models = {}
    for name, classes in (("unconditional", None), ("conditional", NUM_CLASSES)):
        encoder = keras_vae.build_mlp_encoder(
            SHAPE, LATENT_DIM, hidden_units=(16,), num_classes=classes
        )
        decoder = keras_vae.build_mlp_decoder(
            LATENT_DIM, SHAPE, hidden_units=(16,), num_classes=classes
        )
        if classes is None:
            vae = keras_vae.VAE(encoder, decoder, seed=0)
            mixtures = [_mixture(None, 0.0)]
        else:
            vae = keras_vae.ConditionalVAE(encoder, decoder, seed=0)
            mixtures = [_mixture(c, 0.5 * c) for c in range(classes)]
        models[name] = set_mixture_sampler(vae, mixtures)
    return models


def reference(vae, num_classes):
    """What Keras draws: {key: array} for `reference.npz`."""
    n = REFERENCE_COUNT
    noise = uniform_noise.seeded_noise(REFERENCE_SEED, n, LATENT_DIM)
    labels = None if num_classes is None else np.arange(n, dtype="int32") % 3
    extra = [] if labels is None else [labels]
    sample = build_export_model(vae, "sample")
    drawn = sample([noise, *extra])
    z = np.random.default_rng(REFERENCE_SEED).standard_normal((n, LATENT_DIM))
    z = z.astype("float32")
    decoded = build_export_model(vae, "decode")([z, *extra])
    arrays = {
        "noise": noise,
        "sample_image": keras.ops.convert_to_numpy(drawn["image"]),
        "sample_z": keras.ops.convert_to_numpy(drawn["z"]),
        "z": z,
        "decode_image": keras.ops.convert_to_numpy(decoded["image"]),
    }
    if labels is not None:
        arrays["labels"] = labels
    return arrays


def write(data_dir=DATA_DIR):
    """Writes both exports and `reference.npz` into `data_dir`."""
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    arrays = {}
    for name, vae in build_models().items():
        target = data_dir / name
        if target.exists():
            shutil.rmtree(target)
        export_decoder(
            vae, target, formats=FORMATS, uint8_output=True, batch_sizes=BATCH_SIZES
        )
        classes = NUM_CLASSES if name == "conditional" else None
        for key, value in reference(vae, classes).items():
            arrays[f"{name}/{key}"] = value
    np.savez(data_dir / "reference.npz", **arrays)


if __name__ == "__main__":
    write()
