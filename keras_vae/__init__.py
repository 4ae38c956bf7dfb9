"""keras-vae: variational autoencoders that train with `model.fit`.

Subpackages: `models` (VAE, ConditionalVAE, Autoencoder, builders),
`likelihoods`, `objectives`, `layers`, `data`, `training`, `evaluation`;
modules `plotting` and `cli`. Names are imported when first used (PEP 562),
so that `keras-vae --help` and the TF-free device sampler do not start
TensorFlow.

Loading a `.keras` file needs the package's classes registered with Keras.
After `import keras_vae` they are, in either import order: at once if Keras
is already imported, else as soon as it is (`keras_vae.registration`);
`keras_vae.register_serializables()` registers them explicitly.
"""

from keras_vae.registration import register_serializables
from keras_vae.registration import register_when_keras_is_imported
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

__getattr__, __dir__ = lazy_attributes(__name__, _LAZY, _SUBMODULES)
__all__ = sorted(_LAZY) + ["__version__", "register_serializables"]

register_when_keras_is_imported()
