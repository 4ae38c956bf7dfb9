"""Errors of the export and the device side."""


class ExportError(ValueError):
    """An export that cannot be completed; nothing was written."""


class MissingRuntimeError(ImportError):
    """An optional runtime or converter is not installed."""


def missing_runtime(module, package):
    """Returns a `MissingRuntimeError` with the install hint for `module`."""
    return MissingRuntimeError(
        f"{module} is not installed. Install it with `pip install {package}` "
        "(or the extras: `pip install 'keras-vae-sampler[litert,onnx]'` on a "
        "device, `pip install 'keras-vae[export]'` to export). "
        f"Received: missing module {module!r}"
    )


class ExportFormatError(ValueError):
    """The files of an export break its written format
    (`keras_vae_sampler/schemas/`). The page raises errors of the same
    names (`web/kerasvae.js`), so both readers give the same verdict."""


class ExportSchemaError(ExportFormatError):
    """A manifest or latent sampler file that is not JSON or fails its
    JSON Schema."""


class ExportRuleError(ExportFormatError):
    """A file that passes its schema but breaks a rule the schema's
    description states and no schema can express (an artifact's key, its
    roles, shapes that must agree, weights that must sum to 1)."""


class NewerExportError(ExportFormatError):
    """An export written for a newer reader: upgrade keras-vae-sampler."""


class ExportIntegrityError(ExportFormatError):
    """A file the manifest lists is missing, leaves the export folder, or
    does not match its listed size and SHA-256."""
