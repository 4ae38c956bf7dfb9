"""LiteRT (TFLite) export: float32, float16 weights, dynamic-range int8.

Conversion uses TFLite builtin ops only: a decoder that would need Flex
(SELECT_TF_OPS) ops is refused, since most apps do not ship the Flex
delegate.
"""

import tensorflow as tf

from keras_vae_export.errors import ExportError
from keras_vae_export.signature import input_signature

VARIANTS = ("float32", "float16", "int8")


def _converter_options(variant):
    target_spec = {"supported_ops": [tf.lite.OpsSet.TFLITE_BUILTINS]}
    options = {}
    if variant == "float16":
        options["optimizations"] = [tf.lite.Optimize.DEFAULT]
        target_spec["supported_types"] = [tf.float16]
    elif variant == "int8":
        # Dynamic-range quantisation: int8 weights, float activations.
        options["optimizations"] = [tf.lite.Optimize.DEFAULT]
    options["target_spec"] = target_spec
    return options


def write_tflite(decode_model, path, inputs, variant="float32"):
    """Writes a `.tflite` file with builtin ops only."""
    if variant not in VARIANTS:
        raise ValueError(
            f"variant must be in {VARIANTS}. Received: variant={variant!r}"
        )
    try:
        decode_model.export(
            str(path),
            format="litert",
            input_signature=input_signature(inputs),
            verbose=False,
            **_converter_options(variant),
        )
    except Exception as error:  # The converter raises several error types.
        message = str(error).strip().splitlines()
        raise ExportError(
            f"TFLite conversion ({variant}) failed with builtin ops only; a "
            "decoder that needs TensorFlow (Flex) ops cannot run in a plain "
            f"LiteRT app. Converter said: {' '.join(message)[:600]} "
            f"Received: format=tflite-{variant}"
        ) from error
