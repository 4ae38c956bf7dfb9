"""The reference MNIST classifier that judges decoded samples."""

import os
from pathlib import Path

import keras


def default_cache_dir():
    """`$KERAS_VAE_CACHE`, else `~/.cache/keras_vae`."""
    return Path(os.environ.get("KERAS_VAE_CACHE", Path.home() / ".cache" / "keras_vae"))


def reference_classifier(data_dir=None, cache_dir=None, epochs=3, seed=0):
    """A small MNIST classifier, trained once and cached as a `.keras` file.

    An MLP 784-256-10 trained on grey-level MNIST (test accuracy about 98%),
    used to judge whether decoded samples look like digits.

    Args:
        data_dir: str or None. MNIST IDX folder (see `keras_vae.data`).
        cache_dir: str or None. Defaults to `default_cache_dir()`.
        epochs: int. Defaults to `3`.
        seed: int. Defaults to `0`.

    Returns:
        A compiled `keras.Model` with a `test_accuracy` attribute.
    """
    from keras_vae import data
    from keras_vae_sampler.file_io import atomic_path

    cache = (
        Path(cache_dir or default_cache_dir()) / f"mnist_mlp_e{epochs}_s{seed}.keras"
    )
    (test_x, test_y) = data.load_arrays("mnist", "test", data_dir=data_dir)
    if cache.exists():
        classifier = keras.saving.load_model(cache, safe_mode=True)
    else:
        keras.utils.set_random_seed(seed)
        train_x, train_y = data.load_arrays("mnist", "train", data_dir=data_dir)
        classifier = keras.Sequential(
            [
                keras.Input((28, 28, 1)),
                keras.layers.Flatten(),
                keras.layers.Dense(256, activation="relu"),
                keras.layers.Dense(10, activation="softmax"),
            ],
            name="mnist_reference_classifier",
        )
        classifier.compile(
            optimizer="adam",
            loss="sparse_categorical_crossentropy",
            metrics=["accuracy"],
        )
        classifier.fit(train_x, train_y, batch_size=128, epochs=epochs, verbose=0)
        cache.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(cache) as tmp:
            classifier.save(tmp)
    _, accuracy = classifier.evaluate(test_x, test_y, batch_size=1000, verbose=0)
    classifier.test_accuracy = float(accuracy)
    return classifier
