"""Deferred imports for package `__init__` modules (PEP 562), so that
importing a package, or running `keras-vae --help`, starts no TensorFlow.
The one mechanism of `keras_vae`, `keras_vae_export` and this package."""

import importlib
import sys


def lazy_attributes(package, table, submodules=()):
    """Returns `(__getattr__, __dir__)` for a package whose names live in
    submodules.

    Args:
        package: the package's `__name__`.
        table: `{name: module}`: where each public name is defined.
        submodules: names of the package's own submodules, each imported
            when first used as an attribute (`keras_vae.data`). Defaults to
            none.

    Returns:
        The two functions, to be bound to the package's `__getattr__` and
        `__dir__`; `__dir__` lists the table, the submodules and the
        package's `__all__`.
    """

    def __getattr__(name):
        if name in table:
            return getattr(importlib.import_module(table[name]), name)
        if name in submodules:
            return importlib.import_module(f"{package}.{name}")
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__():
        exported = getattr(sys.modules[package], "__all__", ())
        return sorted(set(table) | set(submodules) | set(exported))

    return __getattr__, __dir__
