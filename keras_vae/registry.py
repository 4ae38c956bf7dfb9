"""One table of named built-in choices (likelihoods, objectives) and one
lookup, `get(identifier)`, the way `keras.losses.get` works.

A `Registry` is free of TensorFlow: its names serve the command line's
choices, and a built-in class is imported only when it is first asked for.
`keras_vae.likelihoods` and `keras_vae.objectives` each keep one.
"""

import importlib


class Registry:
    """The built-in choices of one kind, by name.

    Args:
        kind: str. What is chosen, as it appears in error messages and as
            the argument's name (`"likelihood"`, `"objective"`).
        builtin: `{name: (module, class_name)}`: the built-in classes.
        base: `(module, class_name)` of the base class every choice,
            built in or not, derives from.

    Example:
    ```python
    registry = Registry(
        "likelihood",
        {"gaussian": ("keras_vae.likelihoods.gaussian", "GaussianLikelihood")},
        ("keras_vae.likelihoods.base", "Likelihood"),
    )
    registry.get("gaussian")  # a GaussianLikelihood
    ```
    """

    def __init__(self, kind, builtin, base):
        self.kind = kind
        self.builtin = dict(builtin)
        self.base = base

    def names(self):
        """The built-in names, in table order."""
        return tuple(self.builtin)

    def lazy_names(self):
        """`{class_name: module}` of the built-in classes and the base class,
        for `keras_vae_sampler.lazy.lazy_attributes`."""
        table = {class_name: module for module, class_name in self.builtin.values()}
        module, class_name = self.base
        table[class_name] = module
        return table

    def base_class(self):
        """The base class (imports its module)."""
        module, class_name = self.base
        return getattr(importlib.import_module(module), class_name)

    def builtin_class(self, name):
        """The class registered under a built-in name."""
        if name not in self.builtin:
            raise ValueError(
                f"Unknown {self.kind}. Expected one of {sorted(self.builtin)} "
                f"or {_a(self.base[1])} instance. Received: {self.kind}={name!r}"
            )
        module, class_name = self.builtin[name]
        return getattr(importlib.import_module(module), class_name)

    def name_of(self, instance):
        """The built-in name of an instance of a built-in class (not of a
        subclass); its class name otherwise."""
        cls = type(instance)
        for name, where in self.builtin.items():
            if (cls.__module__, cls.__name__) == where:
                return name
        return cls.__name__

    def is_builtin(self, instance):
        """Whether `instance` is of a built-in class exactly."""
        return self.name_of(instance) in self.builtin

    def get(self, identifier):
        """Returns an instance from a name, a config or an instance.

        Args:
            identifier: a built-in name, a dict as written by
                `keras.saving.serialize_keras_object` (or
                `{"class_name": name, "config": {...}}` with a built-in
                name), or an instance of the base class (returned as it
                is).

        Returns:
            An instance of the base class.
        """
        base = self.base_class()
        if isinstance(identifier, base):
            return identifier
        if isinstance(identifier, str):
            return self.builtin_class(identifier)()
        if isinstance(identifier, dict) and "class_name" in identifier:
            if identifier["class_name"] in self.builtin:
                cls = self.builtin_class(identifier["class_name"])
                return cls.from_config(identifier.get("config") or {})
            import keras

            try:
                instance = keras.saving.deserialize_keras_object(identifier)
            except Exception as error:  # Keras raises several kinds here.
                raise ValueError(
                    f"Cannot deserialise the {self.kind} ({error}). Received: "
                    f"{self.kind}={identifier!r}"
                ) from None
            if isinstance(instance, base):
                return instance
        package = self.base[0].rsplit(".", 1)[0]
        raise ValueError(
            f"{self.kind} must be one of {sorted(self.builtin)}, "
            f"{_a(self.kind)} config or a {package}.{self.base[1]} instance. "
            f"Received: {self.kind}={identifier!r}"
        )


def _a(word):
    """`word` after its indefinite article."""
    return f"{'an' if word[0].lower() in 'aeiou' else 'a'} {word}"
