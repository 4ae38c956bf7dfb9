"""ONNX export through Keras' own exporter (tf2onnx underneath)."""

import tensorflow as tf

from keras_vae_export.errors import missing_runtime


def write_onnx(decode_model, path, latent_dim):
    """Writes a `.onnx` file and checks it with `onnx.checker`."""
    try:
        import onnx
        import tf2onnx  # noqa: F401
    except ImportError as error:
        raise missing_runtime(error.name, error.name) from None
    decode_model.export(
        str(path),
        format="onnx",
        input_signature=[tf.TensorSpec([None, latent_dim], tf.float32, name="z")],
        verbose=False,
    )
    onnx.checker.check_model(str(path))
