"""Outside clients that compute an exported format wrong, measured.

One table: the exporter copies each defect into the manifest entries of the
formats it touches (`"wrong_in"`), so an app reading the manifest can
refuse the combination, and the docs' client page cites it. The page runs
neither combination (it offers LiteRT.js on wasm with float32 files only).
A client that refuses a file with an error is not listed here (that is not
a silently wrong image); one that loads it and returns wrong numbers is.
When the export can be changed so that the client computes it right, the
export changes instead (see
`keras_vae_export.tflite_format.unfuse_transpose_conv_activations` for
OpenVINO and conv decoders).
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class ClientDefect:
    """A client that runs some formats and returns wrong images, no error.

    Args:
        client: the client's id in manifests, e.g. `"litert.js-webgpu"`.
        description: the client, its version and how it was run.
        formats: the export formats it computes wrong.
        measured: what was measured, with numbers.
        instead: what to use instead.
    """

    client: str
    description: str
    formats: tuple
    measured: str
    instead: str


DEFECTS = (
    ClientDefect(
        client="litert.js-webgpu",
        description="LiteRT.js 2.5.3 in Chromium, WebGPU accelerator (SwiftShader)",
        formats=("tflite-w8", "tflite-w4"),
        measured=(
            "images off by 0.31 to 0.98 from the Python Sampler with no error "
            "(1,024 rows of noise, latent 16; the conditional model's label "
            "accuracy 0.968 instead of 0.984)"
        ),
        instead=(
            "run these files with the 'wasm' accelerator, or use the tflite, "
            "tflite-fp16 or tflite-int8 files on WebGPU"
        ),
    ),
)


def wrong_in(format_name):
    """The manifest's `wrong_in` list of a format: one entry per client that
    computes it wrong, `[]` when none is known."""
    return [
        {
            "client": defect.client,
            "description": defect.description,
            "measured": defect.measured,
            "instead": defect.instead,
        }
        for defect in DEFECTS
        if format_name in defect.formats
    ]
