"""The Gaussian-mixture latent sampler, fitted ex post on posterior means.

N(0, I) has holes where the aggregate posterior has no mass, so many prior
samples decode to no recognisable image. A mixture fitted to the training
set's posterior means draws where the data lives (ex-post density
estimation, Ghosh et al. 2020, "From variational to deterministic
autoencoders"). scikit-learn's `GaussianMixture` fits it; the layer keeps
its parameters as non-trainable weights, so it is saved with the model.
"""

import keras
import numpy as np

from keras_vae_sampler import mixture_math
from keras_vae_sampler import uniform_noise
from keras_vae_sampler.checks import check_choice
from keras_vae_sampler.checks import check_positive_int

COVARIANCE_TYPES = ("full", "diag", "tied", "spherical")


@keras.saving.register_keras_serializable(package="keras_vae")
class GaussianMixtureSampler(keras.layers.Layer):
    """Latents from a Gaussian mixture: one mixture, or one per class.

    Holds `weights (M, K)`, `means (M, K, d)` and `cholesky (M, K, d, d)`
    (lower-triangular factors of the covariances) as non-trainable weights;
    M is 1, or the number of classes of a conditional model. Built by
    `fit_gaussian_mixture` (or `VAE.fit_latent_sampler`).

    Args:
        latent_dim: int. Size of the latent space.
        num_components: int. Components K of each mixture.
        num_mixtures: int. 1, or one per class. Defaults to `1`.
        covariance_type: str. How the covariances were fitted (`"full"`,
            `"diag"`, `"tied"`, `"spherical"`); stored as full Cholesky
            factors whatever the type. Defaults to `"full"`.
        **kwargs: base layer arguments.

    Example:
    ```python
    vae.fit_latent_sampler(train_images, num_components=50)
    images = vae.sample(16, seed=0, latent="gmm")
    ```
    """

    def __init__(
        self,
        latent_dim,
        num_components,
        num_mixtures=1,
        covariance_type="full",
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.latent_dim = check_positive_int("latent_dim", latent_dim)
        self.num_components = check_positive_int("num_components", num_components)
        self.num_mixtures = check_positive_int("num_mixtures", num_mixtures)
        self.covariance_type = check_choice(
            "covariance_type", covariance_type, COVARIANCE_TYPES
        )
        m, k, d = self.num_mixtures, self.num_components, self.latent_dim
        self.mixture_weights = self._constant("mixture_weights", (m, k))
        self.means = self._constant("means", (m, k, d))
        self.cholesky = self._constant("cholesky", (m, k, d, d))
        self.built = True

    def _constant(self, name, shape):
        return self.add_weight(
            shape=shape,
            initializer="zeros",
            trainable=False,
            name=name,
            dtype="float32",
        )

    def mixtures(self):
        """The mixtures as numpy arrays (`label`, `weights`, `means`,
        `cholesky`), in the form `mixture_math` and exports use."""
        weights = keras.ops.convert_to_numpy(self.mixture_weights).astype("float64")
        means = keras.ops.convert_to_numpy(self.means).astype("float64")
        cholesky = keras.ops.convert_to_numpy(self.cholesky).astype("float64")
        return [
            {
                "label": None if self.num_mixtures == 1 else index,
                "weights": weights[index] / weights[index].sum(),
                "means": means[index],
                "cholesky": cholesky[index],
            }
            for index in range(self.num_mixtures)
        ]

    def draw(self, n, seed=None, labels=None):
        """Draws `n` latents with numpy, as the exported sampling graph does.

        The seed's uniform noise (`uniform_noise.seeded_noise`) becomes
        latents by `uniform_noise.latents_from_noise`, so a seed draws the
        same latents here, in the device-side `Sampler` and in the page.

        Args:
            n: int > 0.
            seed: int in [0, 2**32) or None. Seed of the portable generator.
            labels: int array `(n,)` for a per-class mixture, else `None`.

        Returns:
            A float32 array `(n, latent_dim)`.
        """
        tables = uniform_noise.mixture_tables(self.mixtures(), self.latent_dim)
        noise = uniform_noise.seeded_noise(seed, n, self.latent_dim)
        return uniform_noise.latents_from_noise(noise, tables, labels)

    def describe(self):
        """The JSON description an export carries (see `mixture_math`)."""
        return mixture_math.describe(self.mixtures(), self.latent_dim)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "latent_dim": self.latent_dim,
                "num_components": self.num_components,
                "num_mixtures": self.num_mixtures,
                "covariance_type": self.covariance_type,
            }
        )
        return config


def _full_covariances(mixture, covariance_type, num_components, latent_dim):
    covariances = mixture.covariances_
    if covariance_type == "full":
        return covariances
    if covariance_type == "tied":
        return np.broadcast_to(covariances, (num_components, latent_dim, latent_dim))
    if covariance_type == "diag":
        return np.stack([np.diag(c) for c in covariances])
    return np.stack([np.eye(latent_dim) * c for c in covariances])


def fit_gaussian_mixture(
    codes, num_components, labels=None, num_classes=None, covariance_type="full", seed=0
):
    """Fits a `GaussianMixtureSampler` to latent codes with scikit-learn.

    Args:
        codes: float array `(n, latent_dim)`, such as posterior means.
        num_components: int > 0, at most the examples of each mixture.
        labels: int array `(n,)` to fit one mixture per class, or `None`.
        num_classes: int. Number of classes when `labels` is given.
        covariance_type: one of `COVARIANCE_TYPES`. Defaults to `"full"`.
        seed: int. Seed of the EM initialisation. Defaults to `0`.

    Returns:
        A `GaussianMixtureSampler`.
    """
    from sklearn.mixture import GaussianMixture

    codes = np.asarray(codes, dtype="float64")
    num_components = check_positive_int("num_components", num_components)
    check_choice("covariance_type", covariance_type, COVARIANCE_TYPES)
    groups = (
        [codes] if labels is None else [codes[labels == c] for c in range(num_classes)]
    )
    smallest = min(len(group) for group in groups)
    if num_components > smallest:
        raise ValueError(
            "num_components must be at most the number of examples of each "
            f"mixture ({smallest}). Received: num_components={num_components}"
        )
    latent_dim = codes.shape[1]
    sampler = GaussianMixtureSampler(
        latent_dim, num_components, len(groups), covariance_type, name="latent_sampler"
    )
    weights, means, factors = [], [], []
    for group in groups:
        mixture = GaussianMixture(
            num_components, covariance_type=covariance_type, random_state=seed
        ).fit(group)
        covariances = _full_covariances(
            mixture, covariance_type, num_components, latent_dim
        )
        weights.append(mixture.weights_)
        means.append(mixture.means_)
        factors.append(np.linalg.cholesky(covariances))
    sampler.mixture_weights.assign(np.asarray(weights, "float32"))
    sampler.means.assign(np.asarray(means, "float32"))
    sampler.cholesky.assign(np.tril(np.asarray(factors)).astype("float32"))
    return sampler
