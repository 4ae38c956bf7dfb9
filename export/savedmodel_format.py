"""SavedModel export: one signature named after the graph (`decode` or
`sample`), also served as `serving_default`."""

import functools

import keras

from keras_vae_export.signature import input_signature


def write_savedmodel(decode_model, path, inputs):
    """Writes a SavedModel whose signature, named after the graph (`decode`:
    `z` to the image; `sample`: noise to the image), runs the model.

    The first endpoint is also served as `serving_default` (TF-Serving).
    The model is not passed to `ExportArchive.track`: with Keras 3.15 that
    stores every weight twice (as Keras variables and again as the
    variables the endpoint uses); the endpoint alone tracks them once.
    """
    archive = keras.export.ExportArchive()
    archive.add_endpoint(
        decode_model.name,
        functools.partial(decode_model.__call__, training=False),
        input_signature=input_signature(inputs),
    )
    archive.write_out(str(path), verbose=False)
