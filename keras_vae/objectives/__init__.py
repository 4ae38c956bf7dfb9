"""Training objectives: what a `VAE` minimises, the values `fit` reports,
and how a training step's gradient is estimated.

One base class (`Objective`) and one lookup, `get(identifier)`, as for
likelihoods: a registered name, a serialised config or an instance. The name
table below is the one list of built-in objectives: `VAE` and the command
line read it. It is kept free of TensorFlow so that `keras-vae --help`
starts fast; the classes are imported when first used.

| name | class | loss | options it reads |
|---|---|---|---|
| `elbo` | `ELBO` | negative ELBO, closed-form KL | `beta`, `free_bits` |
| `iwae` | `IWAE` | negative k-sample bound | `beta`, `importance_samples`, `dreg` |

An objective of your own: subclass `Objective`, register it with
`keras.saving.register_keras_serializable`, and pass an instance to the
model; it trains and saves with no change to this package.
"""

from keras_vae.registry import Registry
from keras_vae_sampler.lazy import lazy_attributes

BUILTIN = {
    "elbo": ("keras_vae.objectives.elbo", "ELBO"),
    "iwae": ("keras_vae.objectives.iwae", "IWAE"),
}
REGISTRY = Registry("objective", BUILTIN, ("keras_vae.objectives.base", "Objective"))


def names():
    """The built-in objective names, for command-line choices."""
    return REGISTRY.names()


def get(identifier):
    """Returns an objective from a name, a config or an instance.

    Args:
        identifier: a built-in name (`"elbo"`, `"iwae"`), a dict as written
            by `keras.saving.serialize_keras_object` (or
            `{"class_name": name, "config": {}}` with a built-in name), or
            an `Objective` instance (returned as it is).

    Returns:
        An `Objective` instance.

    Example:
    ```python
    keras_vae.objectives.get("iwae")  # an IWAE
    ```
    """
    return REGISTRY.get(identifier)


def serialize(objective):
    """What a model's config holds for its objective: the name of a
    built-in, the serialised config of any other.

    Args:
        objective: an `Objective` instance.

    Returns:
        A str (`"elbo"`, `"iwae"`) or a dict that `get` reads back.
    """
    if REGISTRY.is_builtin(objective):
        return REGISTRY.name_of(objective)
    import keras

    return keras.saving.serialize_keras_object(objective)


_LAZY = {
    **REGISTRY.lazy_names(),
    "loss_gradients": "keras_vae.objectives.base",
    "scale_for_replicas": "keras_vae.objectives.base",
}
__getattr__, __dir__ = lazy_attributes(__name__, _LAZY)
__all__ = sorted(_LAZY) + ["BUILTIN", "REGISTRY", "get", "names", "serialize"]
