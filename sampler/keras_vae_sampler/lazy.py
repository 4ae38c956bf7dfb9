"""Deferred imports for package `__init__` modules (PEP 562), so that
importing a package, or running `keras-vae --help`, starts no TensorFlow.
The one mechanism of `keras_vae`, `keras_vae_export` and this package."""

import importlib


def lazy_attributes(package, table):
    """Returns `(__getattr__, __dir__)` for a package whose names live in
    submodules.

    Args:
        package: the package's `__name__`.
        table: `{name: module}`: where each public name is defined.
    """

    def __getattr__(name):
        if name in table:
            return getattr(importlib.import_module(table[name]), name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__():
        return sorted(table)

    return __getattr__, __dir__
