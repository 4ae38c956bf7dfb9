"""SavedModel export with a `decode` serving signature."""

import functools

import keras
import tensorflow as tf

SIGNATURE_NAME = "decode"


def write_savedmodel(decode_model, path, latent_dim):
    """Writes a SavedModel whose signature `decode` maps `z` to the image.

    The first endpoint is also served as `serving_default` (TF-Serving).
    The model is not passed to `ExportArchive.track`: with Keras 3.15 that
    stores every weight twice (as Keras variables and again as the
    variables the endpoint uses); the endpoint alone tracks them once.
    """
    archive = keras.export.ExportArchive()
    archive.add_endpoint(
        SIGNATURE_NAME,
        functools.partial(decode_model.__call__, training=False),
        input_signature=[tf.TensorSpec([None, latent_dim], tf.float32, name="z")],
    )
    archive.write_out(str(path), verbose=False)
