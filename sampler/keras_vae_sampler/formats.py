"""The export formats: file names, runtimes and parity tolerances.

Tolerances bound the error of an artifact's mean image against the Keras
decoder, for outputs scaled to [0, 1] (Bernoulli); for a Gaussian decoder
they are multiplied by `max(1, max |mean|)`:

| format | largest error | mean error |
|---|---|---|
| savedmodel, tflite, onnx (float32) | 1e-5 | - |
| tflite-fp16 (float16 weights) | 5e-3 | - |
| tflite-int8 (dynamic range) | 0.25 | 5e-3 |
| tflite-w8 (int8 weights only) | 0.25 | 5e-3 |
| tflite-w4 (int4 weights only; not exported by default) | 1 (none) | 0.05 |

Dynamic-range int8 also quantises each row of activations to 8 bits at run
time (LiteRT's hybrid kernels), so single pixels near the sigmoid's middle
can move by several grey levels: on the default MNIST decoder the largest
error over 1,000 prior samples was 0.11 and the mean 0.0014. Its gate
therefore bounds the mean error tightly and the largest loosely; a broken
conversion still fails both.

The weight-only formats (`tflite-w8`, `tflite-w4`) come from Google's
`ai-edge-quantizer` (recipes the TF converter lacks): int8 or int4 weights,
float32 activations, so no run-time activation quantisation moves pixels;
the error is the weights' rounding alone. That alone still moves single
pixels near the sigmoid's middle (int8: largest error 0.09, mean 0.0013 on
1,000 prior samples of the default MNIST decoder), so `tflite-w8` has the
dynamic-range bounds. Int4 rounding is coarse enough
to flip single pixels near the sigmoid's middle on the default MNIST decoder
(largest error 0.95, mean 0.024), so `tflite-w4` bounds only the mean error
and is exported only when asked for (`formats="...,tflite-w4"`).
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class ExportFormat:
    """One export format.

    Args:
        name: the format's name on the command line.
        file_name: the artifact's file (or folder) name.
        runtime: the runtime that runs it: `"savedmodel"`, `"tflite"` or
            `"onnx"`.
        max_error: largest absolute error allowed by the parity gate.
        description: one line for people.
        mean_error: mean absolute error allowed, or `None` for no bound.
        variant: how a `tflite` artifact is converted (`float32`,
            `float16`, `int8` dynamic range, `int8-weights`,
            `int4-weights`); `None` for other runtimes.
        modules: `(module, pip package)` pairs the conversion needs
            beyond the runtime's own.
        default: bool. Exported when no formats are named.
    """

    name: str
    file_name: str
    runtime: str
    max_error: float
    description: str
    mean_error: float | None = None
    variant: str | None = None
    modules: tuple = ()
    default: bool = True


FORMATS = {
    spec.name: spec
    for spec in (
        ExportFormat(
            "savedmodel",
            "decoder_savedmodel",
            "savedmodel",
            1e-5,
            "TensorFlow SavedModel, signature 'decode'",
        ),
        ExportFormat(
            "tflite",
            "decoder_float32.tflite",
            "tflite",
            1e-5,
            "LiteRT float32",
            variant="float32",
        ),
        ExportFormat(
            "tflite-fp16",
            "decoder_float16.tflite",
            "tflite",
            5e-3,
            "LiteRT with float16 weights",
            variant="float16",
        ),
        ExportFormat(
            "tflite-int8",
            "decoder_int8.tflite",
            "tflite",
            0.25,
            "LiteRT with dynamic-range int8 weights",
            mean_error=5e-3,
            variant="int8",
        ),
        ExportFormat(
            "tflite-w8",
            "decoder_int8_weights.tflite",
            "tflite",
            0.25,
            "LiteRT with int8 weights, float activations (ai-edge-quantizer)",
            mean_error=5e-3,
            variant="int8-weights",
            modules=(("ai_edge_quantizer", "ai-edge-quantizer"),),
        ),
        ExportFormat(
            "tflite-w4",
            "decoder_int4_weights.tflite",
            "tflite",
            1.0,
            "LiteRT with int4 weights, float activations (ai-edge-quantizer)",
            mean_error=0.05,
            variant="int4-weights",
            modules=(("ai_edge_quantizer", "ai-edge-quantizer"),),
            default=False,
        ),
        ExportFormat("onnx", "decoder.onnx", "onnx", 1e-5, "ONNX, float32"),
    )
}
RUNTIMES = ("savedmodel", "tflite", "onnx")
# The runtime `Sampler` and `keras-vae sample` use unless told.
DEFAULT_RUNTIME = "tflite"
# Runtimes whose clients need a fixed batch (LiteRT.js, GPU delegates): they
# get fixed-batch variants beside the dynamic artifact. ONNX Runtime (Python,
# node, web), OpenVINO and TensorFlow take the dynamic files as they are.
FIXED_BATCH_RUNTIMES = ("tflite",)
DEFAULT_BATCH_SIZES = (1, 64)
GRAPH_FILE_PREFIXES = {"decode": "decoder", "sample": "sampler"}


def artifact_key(format_name, graph="decode", batch_size=None):
    """The manifest's key of an artifact: `tflite` (the decoder, any
    batch), `tflite:sample`, `tflite@64`, `tflite:sample@1`."""
    key = format_name if graph == "decode" else f"{format_name}:{graph}"
    return key if batch_size is None else f"{key}@{batch_size}"


def artifact_file_name(format_name, graph="decode", batch_size=None):
    """The file (or folder) name of an artifact: `decoder_float32.tflite`,
    `sampler_float32.tflite`, `sampler_float32_b64.tflite`, `sampler.onnx`."""
    name = FORMATS[format_name].file_name
    if graph != "decode":
        name = GRAPH_FILE_PREFIXES[graph] + name[len("decoder") :]
    if batch_size is None:
        return name
    stem, dot, extension = name.partition(".")
    return f"{stem}_b{batch_size}{dot}{extension}"


def parse_formats(formats):
    """Returns format names from a list or a comma-separated string.

    Args:
        formats: `None` (every default format: all but `tflite-w4`), a
            string such as `"tflite,onnx"`, or a list of names.

    Returns:
        A tuple of known format names, without duplicates, in `FORMATS`
        order.
    """
    if formats is None:
        return tuple(name for name, spec in FORMATS.items() if spec.default)
    if isinstance(formats, str):
        formats = [part.strip() for part in formats.split(",") if part.strip()]
    formats = list(formats)
    unknown = [name for name in formats if name not in FORMATS]
    if unknown or not formats:
        raise ValueError(
            f"Unknown or empty export formats; known: {', '.join(FORMATS)}. "
            f"Received: formats={formats!r}"
        )
    return tuple(name for name in FORMATS if name in formats)


MAX_BATCH_SIZE = 4096


def parse_batch_sizes(batch_sizes):
    """Fixed batch sizes from a list or a comma-separated string.

    Args:
        batch_sizes: `None` (the defaults, `DEFAULT_BATCH_SIZES`), a string
            such as `"1,64"` (`""` for none), or a list of ints.

    Returns:
        A sorted tuple of distinct ints in `[1, MAX_BATCH_SIZE]`.
    """
    if batch_sizes is None:
        return DEFAULT_BATCH_SIZES
    values = batch_sizes
    if isinstance(batch_sizes, str):
        parts = [part.strip() for part in batch_sizes.split(",") if part.strip()]
        try:
            values = [int(part) for part in parts]
        except ValueError:
            values = None
    if not isinstance(values, (list, tuple)) or not all(
        isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= MAX_BATCH_SIZE
        for v in values
    ):
        raise ValueError(
            "batch_sizes must be integers in [1, "
            f"{MAX_BATCH_SIZE}], such as 1,64 (empty for none). Received: "
            f"batch_sizes={batch_sizes!r}"
        )
    return tuple(sorted(set(values)))
