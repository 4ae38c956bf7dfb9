"""Shared round-trip checks for layers and models (not collected by pytest)."""

import json

import keras
import numpy as np


def as_json(config):
    """A config as Keras writes it to disk (tuples become lists)."""
    return json.loads(json.dumps(config))


def assert_same_config(a, b):
    assert as_json(a.get_config()) == as_json(b.get_config())


def run_serialization_test(instance):
    """Config and registered-name round trips return an equal object."""
    config = instance.get_config()
    clone = type(instance).from_config(config)
    assert_same_config(clone, instance)
    serialized = keras.saving.serialize_keras_object(instance)
    assert serialized["registered_name"].startswith("keras_vae>")
    revived = keras.saving.deserialize_keras_object(serialized, safe_mode=True)
    assert type(revived) is type(instance)
    assert_same_config(revived, instance)
    return revived


def run_model_saving_test(model, x, directory):
    """Saves to `.keras`, loads with safe_mode on, and compares `predict`."""
    path = directory / "model.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    assert type(loaded) is type(model)
    assert_same_config(loaded, model)
    np.testing.assert_allclose(
        loaded.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6
    )
    return loaded
