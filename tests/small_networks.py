"""Tiny encoder/decoder pairs for fast tests (not collected by pytest)."""

import keras_vae


def small_encoder_decoder(
    architecture, shape, latent_dim, variational=True, num_classes=None
):
    """A small MLP (64 units) or conv (4 and 8 filters) encoder/decoder."""
    if architecture == "mlp":
        return (
            keras_vae.build_mlp_encoder(
                shape,
                latent_dim,
                hidden_units=(64,),
                variational=variational,
                num_classes=num_classes,
            ),
            keras_vae.build_mlp_decoder(
                latent_dim, shape, hidden_units=(64,), num_classes=num_classes
            ),
        )
    return (
        keras_vae.build_conv_encoder(
            shape,
            latent_dim,
            filters=(4, 8),
            dense_units=(16,),
            variational=variational,
            num_classes=num_classes,
        ),
        keras_vae.build_conv_decoder(
            latent_dim, shape, filters=(8, 4), num_classes=num_classes
        ),
    )
