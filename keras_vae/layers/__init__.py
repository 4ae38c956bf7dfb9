"""Layers the models are built from: reparameterised sampling (`sampling`),
label conditioning (`conditioning`), and the mixin that saves
random-generator state (`seed_state`)."""

from keras_vae_sampler.lazy import lazy_attributes

_NAMES = {
    "OneHotLabel": "keras_vae.layers.conditioning",
    "Sampling": "keras_vae.layers.sampling",
    "SavesSeedState": "keras_vae.layers.seed_state",
}
__getattr__, __dir__ = lazy_attributes(__name__, _NAMES)
__all__ = sorted(_NAMES)
