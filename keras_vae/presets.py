"""Saving and loading presets: a model in a folder, KerasHub's way.

A preset folder holds `config.json` (`keras.saving.serialize_keras_object`),
`model.weights.h5`, optionally `exported/` (its decoder, as `keras-vae
export` writes it) and `metadata.json` listing the size and SHA-256 of every
other file. The presets that ship with the package, and the reading and
checking of a folder, live on the device side
(`keras_vae_sampler.presets`), which needs no TensorFlow.

Example:
```python
vae = keras_vae.VAE.from_preset("mnist")
images = vae.sample(16, seed=0, latent="gmm")
vae.save_to_preset("my_preset/", export_formats="tflite-int8,onnx")
same = keras_vae.VAE.from_preset("my_preset/")
```
"""

import datetime
import json
import os
import shutil
from pathlib import Path

import keras

from keras_vae.version import __version__
from keras_vae_sampler import presets
from keras_vae_sampler.file_io import special_kind
from keras_vae_sampler.output_folders import check_replaceable
from keras_vae_sampler.output_folders import replace_folder


def save_to_preset(
    model,
    preset_dir,
    overwrite=False,
    export_formats=None,
    description=None,
    training=None,
):
    """Saves `model` as a preset folder, written whole or not at all.

    Args:
        model: a `keras_vae` model (`VAE`, `ConditionalVAE`, `Autoencoder`).
        preset_dir: the folder to create.
        overwrite: bool. Replace a folder that an earlier `save_to_preset`
            wrote; a folder holding anything else is refused and nothing is
            deleted. Defaults to `False`.
        export_formats: `None` (no export), or formats for `exported/` as
            `keras_vae_export.export_decoder` takes them, such as
            `"tflite-int8,onnx"`.
        description: str or None. One line for people.
        training: dict or None. How the model was trained (command, seed,
            seconds), recorded in `metadata.json`.

    Returns:
        The preset folder, a `Path`.

    Example:
    ```python
    vae.save_to_preset("my_preset/", export_formats="tflite-int8,onnx")
    ```
    """
    folder = Path(preset_dir)
    received = f"Received: preset_dir={str(preset_dir)!r}"
    if training is not None and not isinstance(training, dict):
        raise ValueError(f"training must be a dict or None. Received: {training=!r}")
    kind = special_kind(folder)
    if kind not in (None, "a directory"):
        raise ValueError(f"The preset folder is {kind}; give a folder. {received}")
    check_replaceable(
        folder,
        presets.written_files,
        "save_to_preset",
        overwrite,
        name="preset_dir",
        marker=f"preset {presets.METADATA_NAME}",
    )
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = folder.with_name(f".{folder.name}.staging-{os.getpid()}")
    try:
        staging.mkdir()
        config = keras.saving.serialize_keras_object(model)
        # A preset holds the model, not its training state: from_preset
        # compiles with the defaults.
        config.pop("compile_config", None)
        (staging / presets.CONFIG_NAME).write_text(json.dumps(config, indent=2))
        # The weights of an uncompiled copy: no optimizer state (3x the size).
        copy = keras.saving.deserialize_keras_object(config, safe_mode=True)
        copy.set_weights(model.get_weights())
        copy.save_weights(staging / presets.WEIGHTS_NAME)
        if export_formats:
            from keras_vae_export import export_decoder

            export_decoder(
                model,
                staging / presets.EXPORTED_NAME,
                formats=export_formats,
                batch_sizes=(),
            )
        metadata = {
            "preset_version": presets.PRESET_VERSION,
            "class_name": keras.saving.get_registered_name(type(model)),
            "description": description or "",
            "keras_vae_version": __version__,
            "keras_version": keras.__version__,
            "parameter_count": int(model.count_params()),
            "date_saved": datetime.datetime.now(datetime.timezone.utc).isoformat(
                timespec="seconds"
            ),
            "exported": presets.EXPORTED_NAME if export_formats else None,
            "training": training,
            "files": presets.preset_files(staging),
        }
        (staging / presets.METADATA_NAME).write_text(
            json.dumps(metadata, indent=2, sort_keys=True) + "\n"
        )
        replace_folder(staging, folder)
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    return folder


def load_preset(preset, cls=None, compile=True):
    """Loads the model of a preset, after checking every file's SHA-256.

    Args:
        preset: a name in `keras_vae_sampler.presets.PRESETS` (`"mnist"`,
            `"mnist_conditional"`) or a folder written by `save_to_preset`.
        cls: the class the model must be an instance of, or `None`.
        compile: bool. Compile the model with its default settings, ready
            for `fit` and `evaluate`. Defaults to `True`.

    Returns:
        The model.
    """
    from keras_vae.registration import register_serializables

    folder, metadata = presets.read_preset(preset)
    register_serializables()
    saved = keras.saving.get_registered_object(metadata["class_name"])
    if saved is None or (cls is not None and not issubclass(saved, cls)):
        expected = "a keras_vae model" if cls is None else cls.__name__
        raise ValueError(
            f"The preset holds a {metadata['class_name']!r}, not {expected}; "
            f"load it with its own class's from_preset. Received: preset={preset!r}"
        )
    config = json.loads((folder / presets.CONFIG_NAME).read_text())
    named = config.get("registered_name") if isinstance(config, dict) else None
    if named != metadata["class_name"]:
        shown = named or (
            config.get("class_name") if isinstance(config, dict) else None
        )
        raise ValueError(
            f"The preset's {presets.CONFIG_NAME} holds a {shown!r} but its "
            f"{presets.METADATA_NAME} says {metadata['class_name']!r}; the "
            f"folder is not one save_to_preset wrote. Received: preset={preset!r}"
        )
    try:
        model = keras.saving.deserialize_keras_object(config, safe_mode=True)
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise ValueError(
            f"The preset's {presets.CONFIG_NAME} is not a config Keras can "
            f"rebuild ({type(error).__name__}: {error}). Received: "
            f"preset={preset!r}"
        ) from None
    model.load_weights(folder / presets.WEIGHTS_NAME)
    if compile:
        model.compile()
    return model
