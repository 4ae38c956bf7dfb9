"""The reparameterisation-trick sampling layer."""

import keras
from keras import ops

from keras_vae.layers.seed_state import SavesSeedState


@keras.saving.register_keras_serializable(package="keras_vae")
class Sampling(SavesSeedState, keras.layers.Layer):
    """Draws `z = mu + sigma * eps` with `eps ~ N(0, I)`.

    The reparameterisation trick: the randomness comes from `eps`, so the
    gradient flows through `mu` and `sigma` to the encoder.

    Args:
        seed: int or None. Seed of the layer's `keras.random.SeedGenerator`.
            Defaults to `None` (a random seed).
        **kwargs: base layer arguments, such as `name` and `dtype`.

    Call arguments:
        inputs: list `[z_mean, z_log_var]`, two tensors of shape
            `(batch, latent_dim)`.

    Returns:
        A tensor of shape `(batch, latent_dim)`.

    Example:
    ```python
    z = Sampling(seed=0)([ops.zeros((4, 2)), ops.zeros((4, 2))])
    ```
    """

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, inputs):
        z_mean, z_log_var = inputs
        epsilon = keras.random.normal(
            ops.shape(z_mean), dtype=z_mean.dtype, seed=self.seed_generator
        )
        return z_mean + ops.exp(0.5 * z_log_var) * epsilon

    def persistent_seed_generators(self):
        return [self.seed_generator]

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self):
        config = super().get_config()
        config.update({"seed": self.seed})
        return config
