"""Atomic file writes: defined on the device side (`keras_vae_sampler.
file_io`), which both sides share."""

from keras_vae_sampler.file_io import atomic_path  # noqa: F401
from keras_vae_sampler.file_io import check_output_file  # noqa: F401
from keras_vae_sampler.file_io import special_kind  # noqa: F401
from keras_vae_sampler.file_io import write_text_atomic  # noqa: F401
