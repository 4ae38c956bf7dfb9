"""The plain (deterministic) autoencoder, for comparison with the VAE."""

import keras
import numpy as np
from keras import ops

from keras_vae.models.fit_inputs import check_fit_inputs
from keras_vae.models.latent_model import LatentModel


@keras.saving.register_keras_serializable(package="keras_vae")
class Autoencoder(LatentModel):
    """An hourglass autoencoder trained on reconstruction alone.

    The encoder compresses the input to one latent code `z`; the decoder
    rebuilds it. No prior shapes the latent space, so decoding a random
    point usually gives garbage: that is the contrast the VAE fixes.

    Args:
        encoder: functional `keras.Model` with one output `z` (build it
            with `variational=False`).
        decoder: functional `keras.Model` from `z` to the likelihood's
            parameters.
        likelihood: `"bernoulli"`, `"gaussian"` or a likelihood layer; the
            reconstruction loss is its negative log-likelihood. Defaults to
            `"bernoulli"` (binary cross-entropy summed over pixels).
        **kwargs: base model arguments.

    Example:
    ```python
    encoder, decoder = keras_vae.build_encoder_decoder(
        "mlp", (28, 28, 1), 16, variational=False
    )
    autoencoder = keras_vae.Autoencoder(encoder, decoder)
    autoencoder.compile(optimizer="adam")
    ```
    """

    def call(self, inputs, training=None):
        return self.decoder(self.encoder(inputs, training=training), training=training)

    def _loss_terms(self, x, conditions, training):
        params = self(x, training=training)
        reconstruction = ops.mean(self.likelihood.negative_log_likelihood(x, params))
        values = {"loss": reconstruction, "reconstruction_loss": reconstruction}
        return self._regularised_loss(reconstruction), values

    def encode(self, x, batch_size=256):
        """Returns the latent codes of `x`, shape `(n, latent_dim)`."""
        x = np.asarray(x, dtype="float32")
        check_fit_inputs(self, "x", x)
        return self.encoder.predict(x, batch_size=batch_size, verbose=0)

    def _latent_code(self, x, conditions, batch_size):
        return self.encode(x, batch_size)
