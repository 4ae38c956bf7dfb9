"""The variational autoencoder."""

import keras
import numpy as np
from keras import ops

from keras_vae import objectives
from keras_vae.input_checks import check_non_negative_float
from keras_vae.layers.sampling import Sampling
from keras_vae.layers.seed_state import SavesSeedState
from keras_vae.losses import free_bits_kl
from keras_vae.models.fit_inputs import check_fit_inputs
from keras_vae.models.latent_model import LatentModel
from keras_vae_sampler.checks import check_choice
from keras_vae_sampler.checks import check_positive_int
from keras_vae_sampler.manifest import LATENT_SAMPLERS


@keras.saving.register_keras_serializable(package="keras_vae")
class VAE(SavesSeedState, LatentModel):
    """A variational autoencoder that trains with `fit`.

    The encoder predicts a diagonal Gaussian posterior `q(z | x)` through
    `z_mean` and `z_log_var`; a latent is drawn by reparameterisation; the
    decoder emits the likelihood's parameters. The loss is the negative
    ELBO: the reconstruction negative log-likelihood plus
    `beta * KL(q(z | x) || N(0, I))`, the KL term added with `add_loss`.

    `fit` reports `loss` (the negative ELBO, beta = 1 and no free bits, in
    nats per example), `reconstruction_loss` and `kl_loss`. The gradient
    follows the regularised objective (`beta`, free bits, KL warm-up).

    What `fit` minimises and reports is the model's objective, an object
    of `keras_vae.objectives`: `ELBO` by default; with `objective="iwae"`,
    `IWAE`, the importance-weighted bound with `importance_samples` latents
    per example (Burda et al. 2016) and, with `dreg=True`, doubly
    reparameterised encoder gradients (Tucker et al. 2019); its reports add
    `negative_elbo`. Nothing changes in `call`, `predict`, sampling or
    export.

    Args:
        encoder: functional `keras.Model` with two outputs
            `[z_mean, z_log_var]` (see `build_mlp_encoder`).
        decoder: functional `keras.Model` from `z` to the likelihood's
            parameters, with the encoder's input shape.
        likelihood: a name from `keras_vae.likelihoods` (`"bernoulli"`,
            `"continuous_bernoulli"`, `"gaussian"`), a likelihood config, or
            a `keras_vae.likelihoods.Likelihood` instance (your own
            subclass included). Defaults to `"bernoulli"`.
        beta: float >= 0. Weight of the KL term (beta-VAE); `0` turns the
            model into an autoencoder. Defaults to `1.0`.
        free_bits: float >= 0. Nats per latent dimension below which the KL
            is not penalised (Kingma et al. 2016). Defaults to `0.0`.
        seed: int or None. Seed of the sampling noise. Defaults to `None`.
        latent_sampler: a fitted `GaussianMixtureSampler` (or its config),
            usually set by `fit_latent_sampler`. Defaults to `None`.
        objective: `"elbo"` or `"iwae"` (a name of
            `keras_vae.objectives.names()`), an objective config, or a
            `keras_vae.objectives.Objective` instance (your own subclass
            included). What `fit` minimises. Defaults to `"elbo"`.
        importance_samples: int > 0. k, the latents per example of the
            `"iwae"` objective (must be 1 for `"elbo"`). Defaults to `1`.
        dreg: bool. Doubly reparameterised encoder gradients for the
            `"iwae"` objective (ignored for `"elbo"`). Defaults to `True`.
        **kwargs: base model arguments, such as `name`.

    Call arguments:
        inputs: batch of examples.
        training: bool. Training mode of the sub-networks.
        sample: bool or None. Decode a sampled latent (`True`) or the
            posterior mean (`False`). Defaults to `training`, so `predict`
            is deterministic.
        return_posterior: bool. Also return `z_mean` and `z_log_var`.

    Returns:
        The decoder's output (logits for Bernoulli, means for Gaussian), or
        `(params, z_mean, z_log_var)` with `return_posterior=True`. Use
        `reconstruct` for mean images.

    Example:
    ```python
    encoder, decoder = keras_vae.build_encoder_decoder("mlp", (28, 28, 1), 16)
    vae = keras_vae.VAE(encoder, decoder, seed=0)
    vae.compile(optimizer="adam")
    vae.fit(keras_vae.data.load_dataset("mnist"), epochs=10)
    images = vae.sample(16, seed=1)
    ```
    """

    encoder_outputs = 2

    def __init__(
        self,
        encoder,
        decoder,
        likelihood="bernoulli",
        beta=1.0,
        free_bits=0.0,
        seed=None,
        latent_sampler=None,
        objective="elbo",
        importance_samples=1,
        dreg=True,
        **kwargs,
    ):
        self.beta = check_non_negative_float("beta", beta)
        self.free_bits = check_non_negative_float("free_bits", free_bits)
        self.training_objective = objectives.get(objective)
        self.importance_samples = self.training_objective.check_options(
            importance_samples, self.free_bits, dreg
        )
        self.dreg = dreg
        self.metric_names = tuple(self.training_objective.metric_names)
        super().__init__(encoder, decoder, likelihood=likelihood, **kwargs)
        self.seed = seed
        self.sampling = Sampling(seed=seed, name="sampling")
        self.prior_seed_generator = keras.random.SeedGenerator(
            None if seed is None else seed + 1
        )
        if isinstance(latent_sampler, dict):
            latent_sampler = keras.layers.deserialize(latent_sampler)
        self.latent_sampler = latent_sampler
        self.kl_weight = self.add_weight(
            shape=(),
            initializer=keras.initializers.Constant(self.beta),
            trainable=False,
            name="kl_weight",
            dtype="float32",
        )

    def persistent_seed_generators(self):
        return [self.prior_seed_generator]

    def call(self, inputs, training=None, sample=None, return_posterior=False):
        x, conditions = self._split_inputs(inputs)
        z_mean, z_log_var = self.encoder(
            self._with_conditions(x, conditions), training=training
        )
        self.add_loss(self.kl_weight * free_bits_kl(z_mean, z_log_var, self.free_bits))
        if sample is None:
            sample = bool(training)
        z = self.sampling([z_mean, z_log_var]) if sample else z_mean
        params = self.decoder(self._with_conditions(z, conditions), training=training)
        if return_posterior:
            return params, z_mean, z_log_var
        return params

    @property
    def objective(self):
        """The objective as the config holds it: a built-in's name
        (`"elbo"`, `"iwae"`) or the serialised config of any other; the
        object itself is `training_objective`."""
        return objectives.serialize(self.training_objective)

    def _loss_terms(self, x, conditions, training):
        return self.training_objective.loss_terms(self, x, conditions, training)

    def _gradients(self, x, conditions):
        return self.training_objective.gradients(self, x, conditions)

    def encode(self, x, labels=None, batch_size=256):
        """Returns the posterior parameters of `x`.

        Args:
            x: array of shape `(n, *example_shape)`.
            labels: int array `(n,)` for a conditional model.
            batch_size: int. Defaults to `256`.

        Returns:
            A tuple of numpy arrays `(z_mean, z_log_var)`, each of shape
            `(n, latent_dim)`.
        """
        x = np.asarray(x, dtype="float32")
        check_fit_inputs(self, "x", x, labels)
        conditions = self._condition_arrays(labels, len(x))
        z_mean, z_log_var = self.encoder.predict(
            self._with_conditions(x, conditions), batch_size=batch_size, verbose=0
        )
        return z_mean, z_log_var

    def _latent_code(self, x, conditions, batch_size):
        labels = conditions[0] if conditions else None
        return self.encode(x, labels=labels, batch_size=batch_size)[0]

    def prior_latents(self, n, seed=None):
        """Draws `n` latents from the prior N(0, I).

        Args:
            n: int > 0.
            seed: int or None. With an int the result is reproducible; with
                `None` the model's own seed generator advances.

        Returns:
            A float32 numpy array of shape `(n, latent_dim)`.
        """
        n = check_positive_int("n", n)
        z = keras.random.normal(
            (n, self.latent_dim),
            seed=self.prior_seed_generator if seed is None else seed,
        )
        return ops.convert_to_numpy(z)

    def fit_latent_sampler(
        self,
        data,
        num_components=50,
        covariance_type="full",
        seed=0,
        labels=None,
        batch_size=256,
        max_examples=20_000,
    ):
        """Fits a Gaussian mixture to the posterior means of `data`.

        The fitted sampler is kept in `latent_sampler`, saved with the
        model, used by `sample(..., latent="gmm")` and carried by exports.
        A conditional model gets one mixture per class.

        Args:
            data: images `(n, *example_shape)`, or a `tf.data.Dataset` of
                image batches (or of `(images, labels)` batches).
            num_components: int > 0, at most the number of examples (per
                class for a conditional model). Defaults to `50`.
            covariance_type: `"full"`, `"diag"`, `"tied"` or `"spherical"`.
                Defaults to `"full"`.
            seed: int. Seed of the fit. Defaults to `0`.
            labels: int array `(n,)` for a conditional model given arrays.
            batch_size: int. Defaults to `256`.
            max_examples: int or None. Fit on a random subset (seeded) of at
                most this many examples: EM's time grows with the data, and
                20,000 MNIST codes give the mixture of all 60,000 within
                noise. `None` uses everything. Defaults to `20000`.

        Returns:
            The fitted `GaussianMixtureSampler`.
        """
        from keras_vae.samplers.gaussian_mixture import fit_gaussian_mixture

        images, labels = _collect(data, labels)
        num_components = check_positive_int("num_components", num_components)
        if max_examples is not None and len(images) > max_examples:
            keep = np.random.default_rng(seed).choice(
                len(images), check_positive_int("max_examples", max_examples), False
            )
            images = images[np.sort(keep)]
            labels = None if labels is None else np.asarray(labels)[np.sort(keep)]
        z_mean, _ = self.encode(images, labels=labels, batch_size=batch_size)
        self.latent_sampler = fit_gaussian_mixture(
            z_mean,
            num_components,
            labels=None if self.num_classes is None else labels,
            num_classes=self.num_classes,
            covariance_type=covariance_type,
            seed=seed,
        )
        return self.latent_sampler

    def latents(self, n, seed=None, labels=None, latent="prior"):
        """Draws `n` latents from the prior or the fitted mixture.

        Args:
            n: int > 0.
            seed: int or None.
            labels: int array `(n,)`: each latent's class, for the per-class
                mixture of a conditional model.
            latent: `"prior"` or `"gmm"`. Defaults to `"prior"`.

        Returns:
            A float32 numpy array `(n, latent_dim)`.
        """
        n = check_positive_int("n", n)
        check_choice("latent", latent, LATENT_SAMPLERS)
        if latent == "prior":
            return self.prior_latents(n, seed)
        if self.latent_sampler is None:
            raise ValueError(
                "This model has no fitted latent sampler; call "
                "fit_latent_sampler(train_images) first. Received: latent='gmm'"
            )
        return self.latent_sampler.draw(n, seed=seed, labels=labels)

    def sample(self, n, seed=None, batch_size=256, labels=None, latent="prior"):
        """Draws `n` latents from the prior N(0, I) (or the fitted mixture)
        and decodes them.

        Args:
            n: int > 0. Number of samples.
            seed: int or None. With an int the result is reproducible; with
                `None` the model's own seed generator advances. Defaults to
                `None`.
            batch_size: int. Defaults to `256`.
            labels: int or int array `(n,)`: the classes to draw, for a
                conditional model (required there, refused elsewhere).
            latent: `"prior"` (N(0, I)) or `"gmm"` (the mixture fitted by
                `fit_latent_sampler`). Defaults to `"prior"`.

        Returns:
            A numpy array of mean images, shape `(n, *example_shape)`.
        """
        n = check_positive_int("n", n)
        conditions = self._condition_arrays(labels, n)  # checked before any work
        z = self.latents(n, seed, conditions[0] if conditions else None, latent)
        return self.decode(z, labels=labels, batch_size=batch_size)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "beta": self.beta,
                "free_bits": self.free_bits,
                "seed": self.seed,
                "objective": self.objective,
                "importance_samples": self.importance_samples,
                "dreg": self.dreg,
                "latent_sampler": None
                if self.latent_sampler is None
                else keras.layers.serialize(self.latent_sampler),
            }
        )
        return config


def _collect(data, labels):
    """Images (and labels) of a numpy array or a dataset, in memory."""
    import tensorflow as tf

    if not isinstance(data, tf.data.Dataset):
        return np.asarray(data, dtype="float32"), labels
    images, found = [], []
    for batch in data:
        if isinstance(batch, (tuple, list)):
            images.append(np.asarray(batch[0]))
            found.append(np.asarray(batch[1]))
        else:
            images.append(np.asarray(batch))
    if not images:
        raise ValueError("data is empty. Received: a dataset with no batches")
    return np.concatenate(images).astype("float32"), (
        np.concatenate(found) if found else labels
    )
