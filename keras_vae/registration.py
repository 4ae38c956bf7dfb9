"""Registering the package's serialisable classes with Keras, whatever the
order of the imports.

Each serialisable class registers itself (its
`keras.saving.register_keras_serializable` decorator) when its module is
imported. Loading a `.keras` file needs every class the file names
registered before Keras reads its config, and Keras imports no module of
another package to find one. So:

- `register_serializables()` imports every module that defines one; the
  package's loaders (`keras_vae.models.model_files.load_model_file`,
  `from_preset`, the command line through them) call it first;
- `import keras_vae` calls it if Keras is already imported, and otherwise
  `register_when_keras_is_imported()` has it run right after Keras' own
  import, so that `keras.saving.load_model(path)` works after
  `import keras_vae` in either order, while `import keras_vae` alone still
  starts no TensorFlow.
"""

import importlib
import pkgutil
import sys
import warnings

SERIALIZABLE_PACKAGES = ("layers", "likelihoods", "models", "objectives", "samplers")
"""The subpackages of `keras_vae` whose every module is imported."""


def register_serializables():
    """Registers every keras-vae model, layer, likelihood, objective and
    latent sampler with Keras, so that `keras.saving.load_model` can rebuild
    them. Imports TensorFlow."""
    for name in SERIALIZABLE_PACKAGES:
        package = importlib.import_module(f"keras_vae.{name}")
        for module in pkgutil.iter_modules(package.__path__):
            importlib.import_module(f"keras_vae.{name}.{module.name}")


def register_when_keras_is_imported():
    """Registers the classes now if Keras is imported; otherwise as soon as
    Keras is, and no module of this package is half-imported (a one-shot
    import hook; it imports nothing itself)."""
    if "keras" in sys.modules:
        register_serializables()
    elif not any(isinstance(f, _RegisterAfterKeras) for f in sys.meta_path):
        sys.meta_path.insert(0, _RegisterAfterKeras())


class _RegisterAfterKeras:
    """A meta path finder that finds nothing of its own. For `keras` and the
    modules of this package it finds the spec with the other finders, and
    has the spec's loader call `_loaded` after the module has run.

    Registering imports every serialisable module, so it waits until no
    module of this package is being imported: when a module of this package
    is the first to import Keras, it is still half-run then, and a module
    importing a name from it would fail.
    """

    def find_spec(self, name, path=None, target=None):
        if name != "keras" and not name.startswith("keras_vae."):
            return None
        for finder in sys.meta_path:
            find = None if finder is self else getattr(finder, "find_spec", None)
            spec = None if find is None else find(name, path, target)
            if spec is not None:
                _call_after_exec(spec.loader, self._loaded)
                return spec
        return None

    def _loaded(self, module):
        if "keras" not in sys.modules or self not in sys.meta_path:
            return
        for name, other in list(sys.modules.items()):
            if name.startswith("keras_vae.") and name != module.__name__:
                if getattr(getattr(other, "__spec__", None), "_initializing", False):
                    return  # its own loader calls back when it has run
        sys.meta_path.remove(self)
        try:
            register_serializables()
        except Exception as error:  # Whatever a module raised on import.
            # Inside someone's import: warn rather than fail that import.
            warnings.warn(
                f"keras_vae could not register its classes with Keras "
                f"({type(error).__name__}: {error}); call "
                "keras_vae.register_serializables() before loading a .keras "
                "file",
                stacklevel=2,
            )


def _call_after_exec(loader, callback):
    """Has `loader.exec_module(module)` call `callback(module)` after it
    (once; the loader then gets its own method back)."""
    exec_module = getattr(loader, "exec_module", None)
    if exec_module is None:
        return

    def exec_then_call(module):
        try:
            exec_module(module)
        finally:
            del loader.exec_module
        callback(module)

    try:
        loader.exec_module = exec_then_call
    except AttributeError:  # a loader that takes no attributes
        pass
