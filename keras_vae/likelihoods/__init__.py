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

from keras_vae.registry import Registry
from keras_vae_sampler.lazy import lazy_attributes

BUILTIN = {
    "bernoulli": ("keras_vae.likelihoods.bernoulli", "BernoulliLikelihood"),
    "continuous_bernoulli": (
        "keras_vae.likelihoods.continuous_bernoulli",
        "ContinuousBernoulliLikelihood",
    ),
    "gaussian": ("keras_vae.likelihoods.gaussian", "GaussianLikelihood"),
}
REGISTRY = Registry("likelihood", BUILTIN, ("keras_vae.likelihoods.base", "Likelihood"))


def names():
    """The built-in likelihood names, for command-line choices."""
    return REGISTRY.names()


def builtin_class(name):
    """The class registered under a built-in name."""
    return REGISTRY.builtin_class(name)


def name_of(likelihood):
    """The registered name of a likelihood instance (its class name when it
    is not a built-in), as written into export manifests."""
    return REGISTRY.name_of(likelihood)


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
    return REGISTRY.get(identifier)


__getattr__, __dir__ = lazy_attributes(__name__, REGISTRY.lazy_names())

__all__ = [
    "BUILTIN",
    "REGISTRY",
    "BernoulliLikelihood",
    "ContinuousBernoulliLikelihood",
    "GaussianLikelihood",
    "Likelihood",
    "builtin_class",
    "get",
    "name_of",
    "names",
]
