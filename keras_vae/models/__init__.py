"""The model families and what builds them: the shared base
(`latent_model`), `VAE`, `ConditionalVAE`, `Autoencoder`, the encoder and
decoder builders (`builders`, with the TF-free `architectures` table), the
compile settings measured fastest (`compile_defaults`), and
loading `.keras` files (`model_files`)."""

from keras_vae_sampler.lazy import lazy_attributes

_NAMES = {
    "Autoencoder": "keras_vae.models.autoencoder",
    "ConditionalVAE": "keras_vae.models.conditional_vae",
    "LatentModel": "keras_vae.models.latent_model",
    "VAE": "keras_vae.models.vae",
    "build_conv_decoder": "keras_vae.models.builders",
    "build_conv_encoder": "keras_vae.models.builders",
    "build_encoder_decoder": "keras_vae.models.builders",
    "build_mlp_decoder": "keras_vae.models.builders",
    "build_mlp_encoder": "keras_vae.models.builders",
}
__getattr__, __dir__ = lazy_attributes(__name__, _NAMES)
__all__ = sorted(_NAMES)
