"""ONNX export through Keras' own exporter (tf2onnx underneath)."""

from keras_vae_export.signature import input_signature
from keras_vae_sampler.errors import missing_runtime


def write_onnx(decode_model, path, inputs):
    """Writes a `.onnx` file and checks it with `onnx.checker`."""
    try:
        import onnx
        import tf2onnx  # noqa: F401
    except ImportError as error:
        raise missing_runtime(error.name, error.name) from None
    decode_model.export(
        str(path),
        format="onnx",
        input_signature=input_signature(inputs),
        verbose=False,
    )
    onnx.checker.check_model(str(path))
