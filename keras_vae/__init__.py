"""keras-vae: variational autoencoders that train with `model.fit`.

Subpackages: `models` (VAE, ConditionalVAE, Autoencoder, builders),
`likelihoods`, `objectives`, `layers`, `data`, `training`, `evaluation`;
modules `plotting` and `cli`. Names are imported when first used (PEP 562),
so that `keras-vae --help` and the TF-free device sampler do not start
TensorFlow.

Loading a `.keras` file needs the package's classes registered with Keras.
They are registered when `keras_vae` is imported after `keras` (the usual
order: `import keras` then `import keras_vae`), when any model class is
first used, or by `keras_vae.register_serializables()`.
"""

import importlib
import sys

from keras_vae.version import __version__
from keras_vae_sampler.lazy import lazy_attributes

_LAZY = {
    "Autoencoder": "keras_vae.models",
    "ConditionalVAE": "keras_vae.models",
    "VAE": "keras_vae.models",
    "build_conv_decoder": "keras_vae.models",
    "build_conv_encoder": "keras_vae.models",
    "build_encoder_decoder": "keras_vae.models",
    "build_mlp_decoder": "keras_vae.models",
    "build_mlp_encoder": "keras_vae.models",
    "BernoulliLikelihood": "keras_vae.likelihoods",
    "ContinuousBernoulliLikelihood": "keras_vae.likelihoods",
    "GaussianLikelihood": "keras_vae.likelihoods",
    "Likelihood": "keras_vae.likelihoods",
    "ELBO": "keras_vae.objectives",
    "IWAE": "keras_vae.objectives",
    "Objective": "keras_vae.objectives",
    "KLWarmup": "keras_vae.training.callbacks",
    "free_bits_kl": "keras_vae.losses",
    "kl_divergence": "keras_vae.losses",
    "OneHotLabel": "keras_vae.layers",
    "Sampling": "keras_vae.layers",
}
_SUBMODULES = (
    "data",
    "evaluation",
    "layers",
    "likelihoods",
    "losses",
    "models",
    "objectives",
    "plotting",
    "samplers",
    "training",
)


# Every module of these subpackages is imported to register its classes.
_SERIALIZABLE_PACKAGES = ("layers", "likelihoods", "models", "objectives", "samplers")


def register_serializables():
    """Registers every keras-vae model, layer, likelihood, objective and
    latent sampler with Keras, so that `keras.saving.load_model` can rebuild
    them. Imports TensorFlow."""
    import pkgutil

    for name in _SERIALIZABLE_PACKAGES:
        package = importlib.import_module(f"keras_vae.{name}")
        for module in pkgutil.iter_modules(package.__path__):
            importlib.import_module(f"keras_vae.{name}.{module.name}")


__getattr__, __dir__ = lazy_attributes(__name__, _LAZY, _SUBMODULES)
__all__ = sorted(_LAZY) + ["__version__", "register_serializables"]

if "keras" in sys.modules:
    register_serializables()
