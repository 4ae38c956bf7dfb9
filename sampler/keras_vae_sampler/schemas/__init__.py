"""The written format of an export: JSON Schemas of `manifest.json` and of
`latent_sampler_gmm.json` (draft 2020-12), the one definition that Python
(`jsonschema`) and the page (`@cfworker/json-schema`) validate against.
Each schema's description states its version policy and the rules no
schema can express, which both readers check in code."""

import functools
import json
from importlib import resources

from keras_vae_sampler.errors import ExportSchemaError

# The export folder's files, which the page reads too.
SCHEMAS = ("manifest", "latent_sampler_gmm")
# metadata.json of a preset folder (`keras_vae_sampler.presets`); Python only.
PRESET_SCHEMA = "preset"


@functools.cache
def schema(name):
    """The parsed JSON Schema `name` (one of `SCHEMAS` or `PRESET_SCHEMA`)."""
    known = (*SCHEMAS, PRESET_SCHEMA)
    if name not in known:
        raise ValueError(f"Unknown schema; known: {known}. Received: name={name!r}")
    text = resources.files(__name__).joinpath(f"{name}.schema.json").read_text()
    return json.loads(text)


@functools.cache
def _validator(name):
    import jsonschema

    return jsonschema.Draft202012Validator(schema(name))


def _location(error):
    return "".join(
        f"[{part}]" if isinstance(part, int) else f".{part}"
        for part in error.absolute_path
    )


def validate(document, name, file_name):
    """Raises `ExportSchemaError` unless `document` satisfies schema `name`.

    Args:
        document: the parsed JSON.
        name: the schema, one of `SCHEMAS`.
        file_name: the file, for the message.
    """
    import jsonschema

    error = jsonschema.exceptions.best_match(_validator(name).iter_errors(document))
    if error is not None:
        where = _location(error) or "(top level)"
        message = error.message
        if error.validator == "pattern" and "description" in error.schema:
            # The pattern's own description, not the regular expression.
            message = (
                f"{error.instance!r} is not {error.schema['description'].rstrip('.')}"
            )
        value = json.dumps(error.instance)
        if len(value) > 80:
            value = value[:77] + "..."
        raise ExportSchemaError(
            f"{file_name} does not follow its schema ({name}.schema.json) at "
            f"{where}: {message[:300]}. Received: {where.lstrip('.')}={value}"
        )
