"""Moved: `keras_vae_sampler.lazy` holds the one deferred-import mechanism
of the three packages; this name keeps working."""

from keras_vae_sampler.lazy import lazy_attributes  # noqa: F401
