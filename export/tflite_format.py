"""LiteRT (TFLite) export: float32, float16 weights, dynamic-range int8,
and weight-only int8 and int4 (through Google's `ai-edge-quantizer`).

Conversion uses TFLite builtin ops only: a decoder that would need Flex
(SELECT_TF_OPS) ops is refused, since most apps do not ship the Flex
delegate.
"""

import contextlib
import io

import tensorflow as tf

from keras_vae_export.signature import input_signature
from keras_vae_sampler.errors import ExportError

VARIANTS = ("float32", "float16", "int8", "int8-weights", "int4-weights")
WEIGHT_ONLY_RECIPES = {
    "int8-weights": "weight_only_wi8_afp32",
    "int4-weights": "weight_only_wi4_afp32",
}


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
    """Writes a `.tflite` file with builtin ops only.

    Its tensors are named for people, in one order (see `name_tensors`).
    """
    if variant not in VARIANTS:
        raise ValueError(
            f"variant must be in {VARIANTS}. Received: variant={variant!r}"
        )
    if variant in WEIGHT_ONLY_RECIPES:
        float_path = path.with_name(path.stem + ".float32.tflite")
        write_tflite(decode_model, float_path, inputs, "float32")
        _quantize_weights(float_path, path, WEIGHT_ONLY_RECIPES[variant])
        float_path.unlink()
        name_tensors(path, [entry["name"] for entry in inputs])
        version_dequantize_ops(path)
        return
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
    unfuse_transpose_conv_activations(path)
    name_tensors(path, [entry["name"] for entry in inputs])


# The fused activation functions that an op of the same name computes.
_ACTIVATION_OPS = ("RELU", "RELU6", "RELU_N1_TO_1", "TANH")


def unfuse_transpose_conv_activations(path):
    """Moves each TRANSPOSE_CONV's fused activation into an op of its own.

    The converter folds a transposed convolution's bias and ReLU into one
    TRANSPOSE_CONV op. OpenVINO's TFLite reader (2026.4.1) ignores that
    fused activation and returns the pre-ReLU values with no error: a conv
    decoder's images come out saturated (minimal case: one
    Conv2DTranspose(3, 3, strides=2, activation="relu") layer, 878 of 1,176
    outputs negative in OpenVINO, none in LiteRT). With the ReLU as its own
    op, every runtime computes the same numbers; LiteRT's results are
    unchanged.

    Args:
        path: the `.tflite` file, rewritten in place.

    Returns:
        The number of activations moved.
    """
    from tensorflow.lite.python import schema_py_generated as schema
    from tensorflow.lite.tools import flatbuffer_utils

    model = flatbuffer_utils.read_model(str(path))
    names = {
        v: k for k, v in vars(schema.ActivationFunctionType).items() if k.isupper()
    }
    codes = model.operatorCodes
    moved = 0

    def opcode_index(builtin):
        for index, code in enumerate(codes):
            if code.builtinCode == builtin:
                return index
        code = schema.OperatorCodeT()
        code.builtinCode = builtin
        code.deprecatedBuiltinCode = min(builtin, 127)
        code.version = 1
        codes.append(code)
        return len(codes) - 1

    for subgraph in model.subgraphs:
        operators = []
        for op in subgraph.operators:
            operators.append(op)
            code = codes[op.opcodeIndex].builtinCode
            options = op.builtinOptions
            if code != schema.BuiltinOperator.TRANSPOSE_CONV or not getattr(
                options, "fusedActivationFunction", 0
            ):
                continue
            activation = names[options.fusedActivationFunction]
            if activation not in _ACTIVATION_OPS:
                raise ExportError(
                    f"A TRANSPOSE_CONV has the fused activation {activation}, "
                    "which the export cannot move into an op of its own. "
                    f"Received: path={str(path)!r}"
                )
            options.fusedActivationFunction = schema.ActivationFunctionType.NONE
            output = subgraph.tensors[op.outputs[0]]
            before = schema.TensorT()
            before.type = output.type
            before.shape = output.shape
            before.shapeSignature = output.shapeSignature
            before.name = _text(output.name) + "/before_activation"
            before.buffer = 0
            subgraph.tensors.append(before)
            separate = schema.OperatorT()
            builtin = getattr(schema.BuiltinOperator, activation)
            separate.opcodeIndex = opcode_index(builtin)
            separate.inputs = [len(subgraph.tensors) - 1]
            separate.outputs = [op.outputs[0]]
            op.outputs = [len(subgraph.tensors) - 1]
            operators.append(separate)
            moved += 1
        subgraph.operators = operators
    if moved:
        flatbuffer_utils.write_model(model, str(path))
    return moved


def name_tensors(path, input_names):
    """Gives a `.tflite` file one signature in one order.

    The converter names the graph's tensors `serving_default_z:0` and
    `StatefulPartitionedCall_1:0`, lists the signature's inputs sorted by
    name (`label`, `z`) and may order the outputs either way. This rewrites
    the file so that the graph's own inputs and outputs and the signature's
    carry the same names (`z` or `noise`, then `label`; `image`, then
    `image_uint8`) in the same order, for runtimes that read either.

    Args:
        path: the `.tflite` file, rewritten in place.
        input_names: the inputs in the exported order.
    """
    from tensorflow.lite.tools import flatbuffer_utils

    model = flatbuffer_utils.read_model(str(path))
    subgraph = model.subgraphs[0]
    (signature,) = model.signatureDefs

    def by_name(maps):
        return {_text(m.name): m for m in maps}

    inputs, outputs = by_name(signature.inputs), by_name(signature.outputs)
    output_names = sorted(outputs)  # image, image_uint8
    if sorted(inputs) != sorted(input_names):
        raise ExportError(
            f"The converted file's inputs {sorted(inputs)} are not the "
            f"exported ones. Received: inputs={list(input_names)}"
        )
    signature.inputs = [inputs[name] for name in input_names]
    signature.outputs = [outputs[name] for name in output_names]
    subgraph.inputs = [m.tensorIndex for m in signature.inputs]
    subgraph.outputs = [m.tensorIndex for m in signature.outputs]
    for tensor_map in (*signature.inputs, *signature.outputs):
        subgraph.tensors[tensor_map.tensorIndex].name = tensor_map.name
    flatbuffer_utils.write_model(model, str(path))


# What LiteRT's op versioning gives DEQUANTIZE by its input's type, and the
# first runtime with each version (tensorflow/compiler/mlir/lite/tools/
# versioning: op_version.cc and runtime_version.cc).
DEQUANTIZE_VERSIONS = {"INT4": 6, "FLOAT16": 3, "INT16": 3}
DEQUANTIZE_PER_CHANNEL_INT8 = 5
DEQUANTIZE_INT8 = 2
DEQUANTIZE_RUNTIMES = {1: "1.13.1", 2: "1.14.0", 3: "1.15.0", 5: "2.7.0", 6: "2.18.0"}
RUNTIME_VERSION_KEY = "min_runtime_version"


def _version_key(version):
    return tuple(int(part) for part in version.split(".") if part.isdigit())


def version_dequantize_ops(path):
    """Gives a quantised file's DEQUANTIZE ops their true version, and the
    file the minimum runtime version that follows.

    `ai-edge-quantizer` writes DEQUANTIZE as version 1 whatever it reads
    (int8 per channel needs 5, runtime 2.7; int4 needs 6, runtime 2.18) and
    copies `min_runtime_version` from the float file, so an older runtime
    would accept the file and then fail on it. The TF converter versions its
    own files correctly.

    Args:
        path: the `.tflite` file, rewritten in place.

    Returns:
        The file's minimum runtime version, such as `"2.18.0"`.
    """
    from tensorflow.lite.python import schema_py_generated as schema
    from tensorflow.lite.tools import flatbuffer_utils

    types = {v: k for k, v in vars(schema.TensorType).items() if k.isupper()}
    model = flatbuffer_utils.read_model(str(path))
    needed = {}
    for subgraph in model.subgraphs:
        for op in subgraph.operators:
            code = model.operatorCodes[op.opcodeIndex]
            if code.builtinCode != schema.BuiltinOperator.DEQUANTIZE:
                continue
            tensor = subgraph.tensors[op.inputs[0]]
            kind = types[tensor.type]
            scales = getattr(tensor.quantization, "scale", None)
            if kind == "INT8":
                per_channel = scales is not None and len(scales) > 1
                version = (
                    DEQUANTIZE_PER_CHANNEL_INT8 if per_channel else DEQUANTIZE_INT8
                )
            else:
                version = DEQUANTIZE_VERSIONS.get(kind, 1)
            needed[op.opcodeIndex] = max(needed.get(op.opcodeIndex, 1), version)
    buffer = _runtime_version_buffer(model)
    minimum = _buffer_text(buffer)
    for index, version in needed.items():
        model.operatorCodes[index].version = version
        runtime = DEQUANTIZE_RUNTIMES.get(version, minimum)
        minimum = max(minimum, runtime, key=_version_key)
    if buffer is not None:
        text = minimum.encode()[: len(buffer.data)]
        buffer.data = list(text) + [0] * (len(buffer.data) - len(text))
    flatbuffer_utils.write_model(model, str(path))
    return minimum


def min_runtime_version(path):
    """The `min_runtime_version` a `.tflite` file states (`"0"` if none)."""
    from tensorflow.lite.tools import flatbuffer_utils

    model = flatbuffer_utils.read_model(str(path))
    return _buffer_text(_runtime_version_buffer(model))


def _runtime_version_buffer(model):
    """The buffer of a model's `min_runtime_version` metadata, or `None`."""
    for entry in model.metadata or ():
        if _text(entry.name) == RUNTIME_VERSION_KEY:
            return model.buffers[entry.buffer]
    return None


def _buffer_text(buffer):
    if buffer is None:
        return "0"
    text = bytes(buffer.data).rstrip(b"\0").decode("ascii", "replace")
    return text or "0"


def _text(name):
    return name.decode() if isinstance(name, bytes) else name


def _quantize_weights(float_path, path, recipe_name):
    """Quantises a float32 `.tflite` file's weights with ai-edge-quantizer."""
    from ai_edge_quantizer import quantizer
    from ai_edge_quantizer import recipe

    try:
        with contextlib.redirect_stdout(io.StringIO()):  # it prints a summary
            engine = quantizer.Quantizer(str(float_path))
            engine.load_quantization_recipe(getattr(recipe, recipe_name)())
            engine.quantize().export_model(str(path), overwrite=True)
    except Exception as error:  # The quantizer raises several error types.
        raise ExportError(
            f"Weight-only quantisation ({recipe_name}) failed: "
            f"{str(error)[:600]} Received: recipe={recipe_name}"
        ) from error
