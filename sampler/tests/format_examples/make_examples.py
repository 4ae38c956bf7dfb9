"""Writes the shared examples of the export format (this folder).

Each example is one file: `<schema>/valid/<name>.json`, or
`<schema>/invalid/<ErrorClass>/<fault>.json`, named for its one fault and the
error class every reader must raise (`keras_vae_sampler.errors`, and the
classes of the same names in `web/kerasvae.js`). Python's readers and the
page's reader are both tested against every file here. The files are
committed; run `python sampler/tests/format_examples/make_examples.py` after
changing this script.
"""

import copy
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
SHA = "0" * 64


def _tensor(role, name, shape, dtype="float32", **extra):
    return {"role": role, "name": name, "shape": shape, "dtype": dtype, **extra}


def _artifact(file, format_name, graph, batch, inputs, outputs, runtime):
    return {
        "file": file,
        "format": format_name,
        "graph": graph,
        "batch_size": batch,
        "runtime": runtime,
        "size_bytes": 10,
        "files": {file.split("/")[-1]: {"size_bytes": 10, "sha256": SHA}},
        "inputs": inputs,
        "outputs": outputs,
    }


def _manifest(conditional=False):
    batch = -1
    label = [_tensor("label", "label", [batch], "int32")] if conditional else []
    image = _tensor("image", "image", [batch, 28, 28, 1])
    manifest = {
        "manifest_version": 3,
        "model": {
            "latent_dim": 2,
            "output_shape": [28, 28, 1],
            "noise_size": 5,
            "likelihood": "bernoulli",
            "output_dtype": "float32",
            "output_range": [0.0, 1.0],
            "uint8_output": False,
            "num_classes": 3 if conditional else None,
            "class_names": ["a", "b", "c"] if conditional else None,
        },
        "artifacts": {
            "onnx": _artifact(
                "decoder.onnx",
                "onnx",
                "decode",
                None,
                [_tensor("z", "z", [batch, 2]), *label],
                [image],
                "onnx",
            ),
            "onnx:sample": _artifact(
                "sampler.onnx",
                "onnx",
                "sample",
                None,
                [_tensor("noise", "noise", [batch, 5]), *label],
                [image, _tensor("z", "z", [batch, 2])],
                "onnx",
            ),
            "tflite:sample@4": _artifact(
                "sampler_float32_b4.tflite",
                "tflite",
                "sample",
                4,
                [_tensor("noise", "noise", [4, 5])]
                + ([_tensor("label", "label", [4], "int32")] if conditional else []),
                [_tensor("image", "image", [4, 28, 28, 1]), _tensor("z", "z", [4, 2])],
                "tflite",
            ),
        },
        "latent_samplers": {
            "prior": {"type": "standard_normal"},
            "gmm": {
                "type": "gaussian_mixture",
                "file": "latent_sampler_gmm.json",
                "sha256": SHA,
                "size_bytes": 10,
                "num_components": 2,
            },
        },
    }
    return manifest


def _edit(change, conditional=False):
    manifest = _manifest(conditional)
    change(manifest)
    return manifest


def _set(path, value, conditional=False):
    """An edit that sets `manifest[path...] = value`."""

    def change(manifest):
        target = manifest
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return _edit(change, conditional)


def _delete(path):
    def change(manifest):
        target = manifest
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return _edit(change)


def _rename(old, new):
    def change(manifest):
        manifest["artifacts"][new] = manifest["artifacts"].pop(old)

    return _edit(change)


DECODE_INPUTS = ("artifacts", "onnx", "inputs")
SAMPLE = ("artifacts", "onnx:sample")


def _mixture(label=None, weights=(0.25, 0.75)):
    return {
        "label": label,
        "weights": list(weights),
        "means": [[0.0, 1.0], [-1.0, 0.5]][: len(weights)],
        "cholesky": [[[1.0, 0.0], [0.5, 2.0]], [[0.3, 0.0], [0.0, 0.3]]][
            : len(weights)
        ],
    }


def _gmm(*mixtures, latent_dim=2):
    return {
        "type": "gaussian_mixture",
        "latent_dim": latent_dim,
        "mixtures": list(mixtures) or [_mixture()],
    }


def _gmm_edit(change):
    description = _gmm()
    change(description["mixtures"][0])
    return description


def manifest_examples():
    """{relative file: document (or text for non-JSON)}."""
    unknown = _manifest()
    unknown["artifacts"]["coreml"] = _artifact(
        "decoder.mlpackage", "coreml", "decode", None,
        copy.deepcopy(unknown["artifacts"]["onnx"]["inputs"]),
        copy.deepcopy(unknown["artifacts"]["onnx"]["outputs"]), "coreml",
    )  # fmt: skip
    extra = _manifest()
    extra["written_by"] = "a newer exporter, same version"
    extra["model"]["preview"] = {"colour": False}
    schema = "invalid/ExportSchemaError"
    rule = "invalid/ExportRuleError"
    newer = "invalid/NewerExportError"
    bad_sample_inputs = [_tensor("z", "z", [-1, 2])]
    return {
        "valid/unconditional.json": _manifest(),
        "valid/conditional.json": _manifest(conditional=True),
        "valid/unknown_fields_are_ignored.json": extra,
        "valid/unknown_format_is_ignored.json": unknown,
        "valid/prior_only.json": _delete(("latent_samplers", "gmm")),
        "valid/unbounded_output.json": _set(("model", "output_range"), None),
        f"{schema}/not_json.json": '{"manifest_version": 3, ',
        f"{schema}/top_level_array.json": [],
        f"{schema}/version_zero.json": _set(("manifest_version",), 0),
        f"{schema}/version_as_string.json": _set(("manifest_version",), "3"),
        f"{schema}/version_missing.json": _delete(("manifest_version",)),
        f"{schema}/model_missing.json": _delete(("model",)),
        f"{schema}/latent_dim_zero.json": _set(("model", "latent_dim"), 0),
        f"{schema}/latent_dim_fraction.json": _set(("model", "latent_dim"), 2.5),
        f"{schema}/latent_dim_string.json": _set(("model", "latent_dim"), "2"),
        f"{schema}/latent_dim_boolean.json": _set(("model", "latent_dim"), True),
        f"{schema}/output_shape_empty.json": _set(("model", "output_shape"), []),
        f"{schema}/output_shape_zero.json": _set(("model", "output_shape"), [28, 0]),
        f"{schema}/one_class.json": _set(("model", "num_classes"), 1),
        f"{schema}/no_artifacts.json": _set(("artifacts",), {}),
        f"{schema}/artifact_key_upper_case.json": _rename("onnx", "ONNX"),
        f"{schema}/file_in_parent_folder.json": _set(
            ("artifacts", "onnx", "file"), "../decoder.onnx"
        ),
        f"{schema}/file_absolute.json": _set(
            ("artifacts", "onnx", "file"), "/etc/passwd"
        ),
        f"{schema}/file_with_backslash.json": _set(
            ("artifacts", "onnx", "file"), "models\\decoder.onnx"
        ),
        f"{schema}/file_with_percent.json": _set(
            ("artifacts", "onnx", "file"), "%2e%2e/decoder.onnx"
        ),
        f"{schema}/file_with_colon.json": _set(
            ("artifacts", "onnx", "file"), "c:decoder.onnx"
        ),
        f"{schema}/file_dot_part.json": _set(
            ("artifacts", "onnx", "file"), "./decoder.onnx"
        ),
        f"{schema}/listed_file_in_parent_folder.json": _set(
            ("artifacts", "onnx", "files"),
            {"../decoder.onnx": {"size_bytes": 10, "sha256": SHA}},
        ),
        f"{schema}/sha256_short.json": _set(
            ("artifacts", "onnx", "files", "decoder.onnx", "sha256"), "abc"
        ),
        f"{schema}/sha256_upper_case.json": _set(
            ("artifacts", "onnx", "files", "decoder.onnx", "sha256"), "A" * 64
        ),
        f"{schema}/size_negative.json": _set(
            ("artifacts", "onnx", "files", "decoder.onnx", "size_bytes"), -1
        ),
        f"{schema}/graph_unknown.json": _set(("artifacts", "onnx", "graph"), "encode"),
        f"{schema}/batch_size_zero.json": _set(
            ("artifacts", "tflite:sample@4", "batch_size"), 0
        ),
        f"{schema}/batch_size_missing.json": _delete(
            ("artifacts", "onnx", "batch_size")
        ),
        f"{schema}/inputs_empty.json": _set(DECODE_INPUTS, []),
        f"{schema}/input_role_unknown.json": _set(
            DECODE_INPUTS, [_tensor("w", "z", [-1, 2])]
        ),
        f"{schema}/input_dtype_unknown.json": _set(
            DECODE_INPUTS, [_tensor("z", "z", [-1, 2], "float128")]
        ),
        f"{schema}/input_shape_zero.json": _set(
            DECODE_INPUTS, [_tensor("z", "z", [0, 2])]
        ),
        f"{schema}/input_name_missing.json": _set(
            DECODE_INPUTS, [{"role": "z", "shape": [-1, 2]}]
        ),
        f"{schema}/gmm_without_sha256.json": _delete(
            ("latent_samplers", "gmm", "sha256")
        ),
        f"{schema}/latent_sampler_unknown.json": _set(
            ("latent_samplers", "flow"), {"type": "normalizing_flow"}
        ),
        f"{newer}/version_4.json": _set(("manifest_version",), 4),
        f"{newer}/version_99.json": _set(("manifest_version",), 99),
        f"{rule}/key_is_not_the_format.json": _rename("onnx", "tflite"),
        f"{rule}/key_without_graph.json": _rename("onnx:sample", "onnx@4"),
        f"{rule}/key_batch_differs.json": _rename(
            "tflite:sample@4", "tflite:sample@64"
        ),
        f"{rule}/decoder_without_z.json": _set(
            DECODE_INPUTS, [_tensor("noise", "noise", [-1, 5])]
        ),
        f"{rule}/sampler_without_noise.json": _set(
            (*SAMPLE, "inputs"), bad_sample_inputs
        ),
        f"{rule}/role_twice.json": _set(
            DECODE_INPUTS, [_tensor("z", "z", [-1, 2]), _tensor("z", "z2", [-1, 2])]
        ),
        f"{rule}/no_image_output.json": _set(
            (*SAMPLE, "outputs"), [_tensor("z", "z", [-1, 2])]
        ),
        f"{rule}/label_without_classes.json": _set(
            DECODE_INPUTS,
            [_tensor("z", "z", [-1, 2]), _tensor("label", "label", [-1], "int32")],
        ),
        f"{rule}/classes_without_label.json": _set(
            DECODE_INPUTS, [_tensor("z", "z", [-1, 2])], conditional=True
        ),
        f"{rule}/class_names_too_few.json": _set(
            ("model", "class_names"), ["a", "b"], conditional=True
        ),
        f"{rule}/class_names_without_classes.json": _set(
            ("model", "class_names"), ["a", "b"]
        ),
    }


def latent_sampler_examples():
    """{relative file: document}, each for an unconditional model with
    latent_dim 2 except `conditional_*` (3 classes)."""
    schema = "invalid/ExportSchemaError"
    rule = "invalid/ExportRuleError"
    conditional = _gmm(*(_mixture(label=c) for c in range(3)))
    unlisted = _gmm(*(_mixture(label=c) for c in (0, 2, 1)))
    return {
        "valid/unconditional.json": _gmm(),
        "valid/conditional_three_classes.json": conditional,
        "valid/one_component.json": _gmm(_mixture(weights=(1.0,))),
        f"{schema}/not_json.json": "[1, 2",
        f"{schema}/type_unknown.json": {**_gmm(), "type": "flow"},
        f"{schema}/no_mixtures.json": {**_gmm(), "mixtures": []},
        f"{schema}/weights_missing.json": _gmm_edit(lambda m: m.pop("weights")),
        f"{schema}/weight_negative.json": _gmm_edit(
            lambda m: m.update(weights=[-0.25, 1.25])
        ),
        f"{schema}/weight_as_string.json": _gmm_edit(
            lambda m: m.update(weights=["0.25", 0.75])
        ),
        f"{schema}/label_negative.json": _gmm_edit(lambda m: m.update(label=-1)),
        f"{rule}/latent_dim_differs.json": _gmm(latent_dim=3),
        f"{rule}/weights_sum_below_one.json": _gmm_edit(
            lambda m: m.update(weights=[0.25, 0.7499])
        ),
        f"{rule}/means_wrong_shape.json": _gmm_edit(
            lambda m: m.update(means=[[0.0, 1.0, 2.0], [1.0, 2.0, 3.0]])
        ),
        f"{rule}/means_ragged.json": _gmm_edit(
            lambda m: m.update(means=[[0.0, 1.0], [1.0]])
        ),
        f"{rule}/cholesky_upper_triangle.json": _gmm_edit(
            lambda m: m["cholesky"][0][0].__setitem__(1, 0.5)
        ),
        f"{rule}/cholesky_zero_diagonal.json": _gmm_edit(
            lambda m: m["cholesky"][1][1].__setitem__(1, 0.0)
        ),
        f"{rule}/label_without_classes.json": _gmm(_mixture(label=0)),
        f"{rule}/conditional_classes_out_of_order.json": unlisted,
        f"{rule}/conditional_class_missing.json": _gmm(
            *(_mixture(label=c) for c in range(2))
        ),
    }


EXAMPLES = {
    "manifest": manifest_examples,
    "latent_sampler_gmm": latent_sampler_examples,
}


def write_examples():
    """Writes every example under this folder, replacing the old ones."""
    for schema_name, examples in EXAMPLES.items():
        folder = HERE / schema_name
        for old in folder.rglob("*.json") if folder.exists() else ():
            old.unlink()
        for name, document in examples().items():
            path = folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            text = (
                document
                if isinstance(document, str)
                else json.dumps(document, indent=1)
            )
            path.write_text(text + "\n")


if __name__ == "__main__":
    write_examples()
