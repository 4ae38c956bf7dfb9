"""Observation models p(x | z): what the decoder's outputs parameterise.

One base class (`Likelihood`) and one lookup, `get(identifier)`, the way
`keras.losses.get` works: a registered name, a serialised config or an
instance. The name table below is the one list of built-in likelihoods: the
command line, the training configuration and the exporter read it. It is
kept free of TensorFlow so that `keras-vae --help` starts fast; the classes
are imported when first used.

| name | decoder emits | data | mean image |
|---|---|---|---|
| `bernoulli` | logits | [0, 1] | sigmoid(logits) |
| `continuous_bernoulli` | logits | [0, 1] | the continuous Bernoulli mean |
| `gaussian` | means | any real | the means |

A likelihood of your own: subclass `Likelihood`, register it with
`keras.saving.register_keras_serializable`, and pass an instance to the
model; it trains, saves and exports with no change to this package.
"""

import importlib

BUILTIN = {
    "bernoulli": ("keras_vae.likelihoods.bernoulli", "BernoulliLikelihood"),
    "continuous_bernoulli": (
        "keras_vae.likelihoods.continuous_bernoulli",
        "ContinuousBernoulliLikelihood",
    ),
    "gaussian": ("keras_vae.likelihoods.gaussian", "GaussianLikelihood"),
}
_LAZY = {class_name: module for module, class_name in BUILTIN.values()}
_LAZY["Likelihood"] = "keras_vae.likelihoods.base"


def names():
    """The built-in likelihood names, for command-line choices."""
    return tuple(BUILTIN)


def builtin_class(name):
    """The class registered under a built-in name."""
    if name not in BUILTIN:
        raise ValueError(
            f"Unknown likelihood. Expected one of {sorted(BUILTIN)} or a "
            f"Likelihood instance. Received: likelihood={name!r}"
        )
    module, class_name = BUILTIN[name]
    return getattr(importlib.import_module(module), class_name)


def name_of(likelihood):
    """The registered name of a likelihood instance (its class name when it
    is not a built-in), as written into export manifests."""
    for name, (_, class_name) in BUILTIN.items():
        if type(likelihood).__name__ == class_name:
            return name
    return type(likelihood).__name__


def get(identifier):
    """Returns a likelihood layer from a name, a config or an instance.

    Args:
        identifier: a built-in name (`"bernoulli"`, `"continuous_bernoulli"`,
            `"gaussian"`), a dict as written by `keras.layers.serialize`
            (or `{"class_name": name, "config": {...}}` with a built-in
            name), or a `Likelihood` instance (returned as it is).

    Returns:
        A `Likelihood` instance.

    Example:
    ```python
    keras_vae.likelihoods.get("gaussian")
    keras_vae.likelihoods.get({"class_name": "gaussian", "config": {"scale": 0.1}})
    ```
    """
    import keras

    from keras_vae.likelihoods.base import Likelihood

    if isinstance(identifier, Likelihood):
        return identifier
    if isinstance(identifier, str):
        return builtin_class(identifier)()
    if isinstance(identifier, dict) and "class_name" in identifier:
        if identifier["class_name"] in BUILTIN:
            cls = builtin_class(identifier["class_name"])
            return cls.from_config(identifier.get("config") or {})
        try:
            likelihood = keras.saving.deserialize_keras_object(identifier)
        except Exception as error:  # Keras raises several kinds here.
            raise ValueError(
                f"Cannot deserialise the likelihood ({error}). Received: "
                f"likelihood={identifier!r}"
            ) from None
        if isinstance(likelihood, Likelihood):
            return likelihood
    raise ValueError(
        f"likelihood must be one of {sorted(BUILTIN)}, a likelihood config or "
        f"a keras_vae.likelihoods.Likelihood instance. Received: "
        f"likelihood={identifier!r}"
    )


def __getattr__(name):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'keras_vae.likelihoods' has no attribute {name!r}")


__all__ = [
    "BUILTIN",
    "BernoulliLikelihood",
    "ContinuousBernoulliLikelihood",
    "GaussianLikelihood",
    "Likelihood",
    "builtin_class",
    "get",
    "name_of",
    "names",
]
