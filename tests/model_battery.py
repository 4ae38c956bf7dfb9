"""One battery of checks that every model family and likelihood goes through
(not collected by pytest): config and `.keras` round trips, the default
compile settings, `fit` lowers the loss, deterministic `predict`, mixed
precision, and export parity in every format.

Usage: `run_model_battery(make_model, images, labels, tmp_path)` with a
factory that builds an uncompiled model, tiny images and, for a conditional
model, int labels.
"""

import keras
import numpy as np

from tests.roundtrip import run_model_saving_test
from tests.roundtrip import run_serialization_test

# Largest error of each export format against the model's own `decode`, on
# images in [0, 1]; independent of keras_vae_sampler.formats on purpose.
EXPORT_BOUNDS = {
    "savedmodel": 1e-5,
    "tflite": 1e-5,
    "tflite-fp16": 5e-3,
    "tflite-int8": 0.25,
    "tflite-w8": 0.25,
    "tflite-w4": 0.25,
    "onnx": 1e-5,
}


def _call_inputs(images, labels):
    """The model's call inputs for these images (labels cut to match)."""
    return images if labels is None else [images, labels[: len(images)]]


def _fit(model, images, labels, epochs):
    return model.fit(
        images, labels, epochs=epochs, batch_size=16, shuffle=True, verbose=0
    )


def check_fit_lowers_the_loss(model, images, labels):
    """Fifteen epochs on a few images lower the reported loss by 20% or
    more (or by 20 nats where the loss can be negative)."""
    model.compile(optimizer=keras.optimizers.Adam(1e-2))
    history = _fit(model, images, labels, epochs=15).history["loss"]
    assert all(np.isfinite(history))
    assert history[-1] < 0.8 * history[0] or history[-1] < history[0] - 20.0


def check_default_compile(make_model):
    """Left at their defaults, `compile` picks 8 steps per execution and XLA
    exactly when no layer is a convolution and the objective is the ELBO
    (what bench/train_throughput.py and bench/iwae_step_cost.py measured
    fastest on CPU)."""
    model = make_model()
    model.compile(optimizer="adam")
    layers = [
        layer
        for network in (model.encoder, model.decoder)
        for layer in network._flatten_layers()
    ]
    has_conv = any("Conv" in type(layer).__name__ for layer in layers)
    assert model.steps_per_execution == 8
    objective = getattr(model, "training_objective", None)
    importance_weighted = getattr(objective, "importance_weighted", False)
    assert model.jit_compile is (not has_conv and not importance_weighted)


def check_predict_is_deterministic(model, images, labels):
    inputs = _call_inputs(images, labels)
    first = model.predict(inputs, verbose=0)
    np.testing.assert_array_equal(first, model.predict(inputs, verbose=0))


def check_mixed_precision(make_model, images, labels):
    """Trains under mixed_float16 with float32 outputs and finite losses."""
    keras.config.set_dtype_policy("mixed_float16")
    try:
        model = make_model()
        model.compile(optimizer="adam")
        history = _fit(model, images, labels, epochs=2).history
        assert all(np.isfinite(v) for values in history.values() for v in values)
        output = model.predict(_call_inputs(images[:2], labels), verbose=0)
        assert output.dtype == np.float32
    finally:
        keras.config.set_dtype_policy("float32")


def check_export_parity(model, directory, labels):
    """Every format, loaded by the TF-free Sampler (or TensorFlow for the
    SavedModel), decodes like the model itself, and its sampling graph draws
    what the model decodes from the same noise."""
    from keras_vae_export import export_decoder
    from keras_vae_sampler import Sampler
    from keras_vae_sampler import uniform_noise

    manifest = export_decoder(
        model, directory, formats=list(EXPORT_BOUNDS), batch_sizes=()
    )
    assert set(manifest["artifacts"]) == {
        key for name in EXPORT_BOUNDS for key in (name, f"{name}:sample")
    }
    z = np.random.default_rng(3).standard_normal((5, model.latent_dim), "float32")
    batch_labels = None if labels is None else labels[:5]
    expected = model.decode(z, labels=batch_labels)
    prior = uniform_noise.mixture_tables(None, model.latent_dim, model.num_classes)
    noise = uniform_noise.seeded_noise(3, 5, model.latent_dim)
    drawn = uniform_noise.latents_from_noise(noise, prior, batch_labels)
    expected_samples = model.decode(drawn, labels=batch_labels)
    for name, bound in EXPORT_BOUNDS.items():
        runtime = manifest["artifacts"][name]["runtime"]
        sampler = Sampler(directory, runtime=runtime, format=name)
        for images, reference in (
            (sampler.decode(z, labels=batch_labels), expected),
            (sampler.sample(5, seed=3, labels=batch_labels), expected_samples),
        ):
            scale = max(1.0, float(np.abs(reference).max()))
            assert images.shape == reference.shape
            assert np.abs(images - reference).max() <= bound * scale, name


def run_model_battery(make_model, images, labels, tmp_path, exportable=True):
    """Runs every check of the battery on a model family.

    Args:
        make_model: callable returning a new, uncompiled model.
        images: float32 images in [0, 1], a few dozen.
        labels: int labels for a conditional model, else `None`.
        tmp_path: a temporary folder.
        exportable: bool. Also export the decoder in every format.
    """
    model = make_model()
    run_serialization_test(model)
    check_default_compile(make_model)
    check_fit_lowers_the_loss(model, images, labels)
    check_predict_is_deterministic(model, images, labels)
    run_model_saving_test(model, _call_inputs(images[:4], labels), tmp_path)
    check_mixed_precision(make_model, images, labels)
    if exportable:
        check_export_parity(model, tmp_path / "exported", labels)
