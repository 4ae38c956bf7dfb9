"""Errors of the export package."""


class ExportError(ValueError):
    """An export that cannot be completed; nothing was written."""


class MissingRuntimeError(ImportError):
    """An optional runtime or converter is not installed."""


def missing_runtime(module, package):
    """Returns a `MissingRuntimeError` with the install hint for `module`."""
    return MissingRuntimeError(
        f"{module} is not installed. Install the export extras with "
        f"`pip install 'keras-vae[export]'` (or `pip install {package}`). "
        f"Received: missing module {module!r}"
    )
