"""Latent samplers: where the latents come from before the decoder draws.

The prior N(0, I) is the default and needs no object. A Gaussian mixture
fitted ex post on posterior means (`gaussian_mixture`) draws where the data
lives; `mixture_math` (numpy only) draws from it and reads and writes the
description an export carries, for the device side.
"""

from keras_vae._lazy import lazy_attributes

LATENT_SAMPLERS = ("prior", "gmm")
_NAMES = {
    "GaussianMixtureSampler": "keras_vae.samplers.gaussian_mixture",
    "fit_gaussian_mixture": "keras_vae.samplers.gaussian_mixture",
}
__getattr__, __dir__ = lazy_attributes(__name__, _NAMES)
__all__ = sorted(_NAMES) + ["LATENT_SAMPLERS"]
