"""Closed-form divergences used by the VAE objective."""

from keras import ops


def kl_divergence_per_dim(z_mean, z_log_var):
    """KL divergence of a diagonal Gaussian to N(0, I), per latent dimension.

    `KL(N(mu, sigma^2) || N(0, 1)) = 0.5 * (sigma^2 + mu^2 - 1 - log sigma^2)`
    for each dimension. Computed in float32 whatever the input dtype, so that
    it stays accurate under mixed precision.

    Args:
        z_mean: tensor of shape `(batch, latent_dim)`. Posterior means.
        z_log_var: tensor of shape `(batch, latent_dim)`. Posterior
            log-variances.

    Returns:
        A float32 tensor of shape `(batch, latent_dim)`, every entry >= 0.

    Example:
    ```python
    kl = kl_divergence_per_dim(ops.zeros((2, 4)), ops.zeros((2, 4)))
    # all zeros: the posterior equals the prior.
    ```
    """
    z_mean = ops.cast(z_mean, "float32")
    z_log_var = ops.cast(z_log_var, "float32")
    return 0.5 * (ops.exp(z_log_var) + ops.square(z_mean) - 1.0 - z_log_var)


def kl_divergence(z_mean, z_log_var):
    """KL divergence of a diagonal Gaussian to N(0, I), per example.

    Args:
        z_mean: tensor of shape `(batch, latent_dim)`. Posterior means.
        z_log_var: tensor of shape `(batch, latent_dim)`. Posterior
            log-variances.

    Returns:
        A float32 tensor of shape `(batch,)`: the KL summed over latent
        dimensions, in nats.

    Example:
    ```python
    kl = kl_divergence(ops.ones((2, 4)), ops.zeros((2, 4)))  # [2.0, 2.0]
    ```
    """
    return ops.sum(kl_divergence_per_dim(z_mean, z_log_var), axis=-1)


def free_bits_kl(z_mean, z_log_var, free_bits):
    """Batch-mean KL with a floor of `free_bits` nats per latent dimension.

    The free-bits objective of Kingma et al. (2016), "Improved Variational
    Inference with Inverse Autoregressive Flow": each dimension's KL,
    averaged over the batch, is replaced by `max(KL_j, free_bits)`, so the
    optimiser gains nothing by pushing a dimension below `free_bits` nats.
    With `free_bits=0` this is the plain batch-mean KL.

    Args:
        z_mean: tensor of shape `(batch, latent_dim)`.
        z_log_var: tensor of shape `(batch, latent_dim)`.
        free_bits: float >= 0. Nats per latent dimension.

    Returns:
        A float32 scalar tensor.
    """
    per_dim = ops.mean(kl_divergence_per_dim(z_mean, z_log_var), axis=0)
    if free_bits > 0:
        per_dim = ops.maximum(per_dim, free_bits)
    return ops.sum(per_dim)
