"""Latent samplers: where the latents come from before the decoder draws.

The prior N(0, I) is the default and needs no object. A Gaussian mixture
fitted ex post on posterior means (`gaussian_mixture`) draws where the data
lives. The device side (`keras_vae_sampler`: `mixture_math`, `uniform_noise`)
reads the description an export carries and draws from it with numpy.
"""

from keras_vae_sampler.lazy import lazy_attributes

_NAMES = {
    "GaussianMixtureSampler": "keras_vae.samplers.gaussian_mixture",
    "fit_gaussian_mixture": "keras_vae.samplers.gaussian_mixture",
}
__getattr__, __dir__ = lazy_attributes(__name__, _NAMES)
__all__ = sorted(_NAMES)
