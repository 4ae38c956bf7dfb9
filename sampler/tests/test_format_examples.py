"""The Python readers against the shared examples of the export format:
every valid file is read, every invalid one is refused with the error class
its folder names (the page is held to the same files in
tests/web/test_browser.py)."""

import json

import pytest
from format_examples_index import EXAMPLES_DIR
from format_examples_index import examples
from format_examples_index import latent_sampler_context

from keras_vae_sampler import errors
from keras_vae_sampler import schemas
from keras_vae_sampler.manifest import MANIFEST_NAME
from keras_vae_sampler.manifest import read_manifest
from keras_vae_sampler.mixture_math import read_description


def _verdict(read):
    try:
        read()
    except errors.ExportFormatError as error:
        assert "Received: " in str(error), str(error)
        return type(error).__name__
    return "valid"


@pytest.mark.parametrize("relative,expected", examples("manifest"))
def test_manifest_example(relative, expected, tmp_path):
    (tmp_path / MANIFEST_NAME).write_bytes((EXAMPLES_DIR / relative).read_bytes())
    assert _verdict(lambda: read_manifest(tmp_path)) == expected


@pytest.mark.parametrize("relative,expected", examples("latent_sampler_gmm"))
def test_latent_sampler_example(relative, expected):
    text = (EXAMPLES_DIR / relative).read_text()
    context = latent_sampler_context(relative)

    def read():
        try:
            document = json.loads(text)
        except json.JSONDecodeError as error:
            raise errors.ExportSchemaError(f"not JSON. Received: {error}") from None
        return read_description(document, **context)

    assert _verdict(read) == expected


def test_every_fault_and_verdict_is_exemplified():
    for schema in schemas.SCHEMAS:
        verdicts = {verdict for _, verdict in examples(schema)}
        assert {"valid", "ExportSchemaError", "ExportRuleError"} <= verdicts
    assert "NewerExportError" in {v for _, v in examples("manifest")}


def test_schemas_are_valid_draft_2020_12():
    import jsonschema

    for name in schemas.SCHEMAS:
        jsonschema.Draft202012Validator.check_schema(schemas.schema(name))


def test_examples_are_what_the_script_writes():
    from format_examples import make_examples

    for schema, written in make_examples.EXAMPLES.items():
        expected = {f"{schema}/{name}" for name in written()}
        assert {relative for relative, _ in examples(schema)} == expected
