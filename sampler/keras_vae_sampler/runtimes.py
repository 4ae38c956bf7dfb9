"""Runners that execute an exported decoder in its own runtime.

Each runner takes `feeds`, a dict from the artifact's input names (as the
manifest lists them: `z`, and `label` for a conditional model) to arrays,
and returns the artifact's outputs, in order. The LiteRT and ONNX Runtime
runners import numpy and their runtime only; the SavedModel runner needs
TensorFlow.
"""

import numpy as np

from keras_vae_sampler.errors import missing_runtime
from keras_vae_sampler.manifest import GRAPH_INPUTS


class TFLiteRunner:
    """Runs a `.tflite` file with LiteRT (`ai_edge_litert`).

    The input tensor is resized only when the batch size changes.

    Args:
        path: the `.tflite` file.
        num_threads: int or None. CPU threads. Defaults to `None`
            (LiteRT's choice).
    """

    runtime = "tflite"

    def __init__(self, path, num_threads=None):
        try:
            from ai_edge_litert.interpreter import Interpreter
        except ImportError:
            raise missing_runtime("ai_edge_litert", "ai-edge-litert") from None
        self.interpreter = Interpreter(model_path=str(path), num_threads=num_threads)
        signature = self.interpreter.get_signature_runner()
        inputs = signature.get_input_details()
        outputs = signature.get_output_details()
        # The graph's own order, where its tensors carry the signature's
        # names (files keras-vae named); else the signature's.
        raw = [d["name"] for d in self.interpreter.get_input_details()]
        self.input_names = raw if sorted(raw) == sorted(inputs) else list(inputs)
        self.output_names = sorted(outputs, key=_output_order)
        self._input_indices = {n: inputs[n]["index"] for n in self.input_names}
        self._output_indices = [outputs[n]["index"] for n in self.output_names]
        self._shapes = None

    def run(self, feeds):
        """Returns the list of output arrays for `feeds` (name -> array)."""
        shapes = {name: feeds[name].shape for name in self.input_names}
        if shapes != self._shapes:
            for name, shape in shapes.items():
                self.interpreter.resize_tensor_input(self._input_indices[name], shape)
            self.interpreter.allocate_tensors()
            self._shapes = shapes
        for name in self.input_names:
            self.interpreter.set_tensor(self._input_indices[name], feeds[name])
        self.interpreter.invoke()
        return [self.interpreter.get_tensor(i) for i in self._output_indices]


class OnnxRunner:
    """Runs a `.onnx` file with ONNX Runtime on the CPU.

    Args:
        path: the `.onnx` file.
        num_threads: int or None. Intra-op threads. Defaults to `None`.
    """

    runtime = "onnx"

    def __init__(self, path, num_threads=None):
        try:
            import onnxruntime
        except ImportError:
            raise missing_runtime("onnxruntime", "onnxruntime") from None
        options = onnxruntime.SessionOptions()
        if num_threads:
            options.intra_op_num_threads = num_threads
            options.inter_op_num_threads = 1
        self.session = onnxruntime.InferenceSession(
            str(path), options, providers=["CPUExecutionProvider"]
        )
        self.input_names = [i.name for i in self.session.get_inputs()]
        outputs = [o.name for o in self.session.get_outputs()]
        self.output_names = sorted(outputs, key=_output_order)

    def run(self, feeds):
        """Returns the list of output arrays for `feeds` (name -> array)."""
        return self.session.run(
            self.output_names, {n: feeds[n] for n in self.input_names}
        )


class SavedModelRunner:
    """Runs a SavedModel's signature (`serving_default`, the exported graph)
    with TensorFlow.

    Args:
        path: the SavedModel folder.
        num_threads: ignored (TensorFlow's thread pools are process-wide).
    """

    runtime = "savedmodel"
    signature_name = "serving_default"

    def __init__(self, path, num_threads=None):
        import tensorflow as tf

        self._tf = tf
        self._loaded = tf.saved_model.load(str(path))
        self._function = self._loaded.signatures[self.signature_name]
        # A signature is a keyword map without an order: list it in the
        # exported graphs' documented order.
        names = self._function.structured_input_signature[1]
        self.input_names = sorted(names, key=_input_order)
        self.output_names = sorted(self._function.structured_outputs, key=_output_order)

    def run(self, feeds):
        """Returns the list of output arrays for `feeds` (name -> array)."""
        result = self._function(
            **{n: self._tf.constant(feeds[n]) for n in self.input_names}
        )
        return [result[name].numpy() for name in self.output_names]


def _input_order(name):
    order = (*GRAPH_INPUTS.values(), "label")
    return (order.index(name) if name in order else len(order), name)


def _output_order(name):
    # image, image_uint8, z; Keras named older files' outputs output_0, ...
    suffix = name.rsplit("_", 1)[-1]
    return (int(suffix) if suffix.isdigit() else 0, name)


RUNNERS = {
    "tflite": TFLiteRunner,
    "onnx": OnnxRunner,
    "savedmodel": SavedModelRunner,
}


def open_runner(runtime, path, num_threads=None):
    """Returns the runner of `runtime` for the artifact at `path`."""
    if runtime not in RUNNERS:
        raise ValueError(
            f"Unknown runtime; known: {', '.join(RUNNERS)}. Received: "
            f"runtime={runtime!r}"
        )
    return RUNNERS[runtime](path, num_threads=num_threads)


def artifact_input_names(runner, entries):
    """The artifact's own name for each manifest input entry, in order.

    Converters keep the names of the exported signature (`z`, `label`) but
    may decorate them; an exact match wins, then a unique name that
    contains the entry's name, then the position.
    """
    names = []
    for position, entry in enumerate(entries):
        exact = [n for n in runner.input_names if n == entry["name"]]
        near = [n for n in runner.input_names if entry["name"] in n]
        if exact or len(near) == 1:
            names.append((exact or near)[0])
        elif len(runner.input_names) == len(entries):
            names.append(runner.input_names[position])
        else:
            raise ValueError(
                f"The artifact's inputs {runner.input_names} do not match the "
                f"exported signature. Received: input {entry['name']!r}"
            )
    return names


def as_latent_batch(z, latent_dim):
    """Checks and converts `z` to a C-contiguous float32 `(n, latent_dim)`."""
    z = np.ascontiguousarray(z, dtype=np.float32)
    if z.ndim != 2 or z.shape[1] != latent_dim or z.shape[0] == 0:
        raise ValueError(
            f"z must have shape (n, {latent_dim}) with n >= 1. Received: "
            f"z.shape={z.shape}"
        )
    if not np.all(np.isfinite(z)):
        raise ValueError("z contains NaN or Inf. Received: z with non-finite values")
    return z
