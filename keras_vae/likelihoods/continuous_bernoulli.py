"""The continuous Bernoulli: a normalised density for grey levels in [0, 1].

Loaiza-Ganem and Cunningham (2019), "The continuous Bernoulli: fixing a
pervasive error in variational autoencoders". The binary cross-entropy that
most VAE code applies to grey levels is the Bernoulli mass function, which
is not a density on [0, 1]; the continuous Bernoulli multiplies it by the
normalising constant

    C(lambda) = 2 artanh(1 - 2 lambda) / (1 - 2 lambda),  C(1/2) = 2,

so that `p(x | lambda) = C(lambda) lambda^x (1 - lambda)^(1 - x)` integrates
to one. With logits `l` (`lambda = sigmoid(l)`), `C = l / tanh(l / 2)` and
the mean is `sigmoid(l) / tanh(l / 2) - 1 / l` (1/2 at `l = 0`); both are
evaluated with a Taylor expansion near `l = 0`, where the closed forms
divide zero by zero.
"""

import keras
from keras import ops

from keras_vae.likelihoods.base import Likelihood
from keras_vae.likelihoods.base import sum_over_non_batch_axes
from keras_vae.likelihoods.bernoulli import binary_cross_entropy_with_logits

# Below this |logit| the Taylor expansions are exact to float32 precision.
_TAYLOR_BELOW = 0.1


def _safe_logits(logits):
    small = ops.abs(logits) < _TAYLOR_BELOW
    return small, ops.where(small, ops.ones_like(logits), logits)


def log_normalizer(logits):
    """`log C` of the continuous Bernoulli, element-wise, from logits."""
    logits = ops.cast(logits, "float32")
    small, safe = _safe_logits(logits)
    exact = ops.log(ops.abs(safe)) - ops.log(ops.abs(ops.tanh(0.5 * safe)))
    # log(l / tanh(l / 2)) = log 2 + l^2 / 12 - 7 l^4 / 1440 + ...
    square = ops.square(logits)
    taylor = 0.6931471805599453 + square / 12.0 - 7.0 * ops.square(square) / 1440.0
    return ops.where(small, taylor, exact)


@keras.saving.register_keras_serializable(package="keras_vae")
class ContinuousBernoulliLikelihood(Likelihood):
    """Continuous Bernoulli pixels for grey levels in [0, 1]; the decoder
    emits logits.

    Its negative log-likelihood is the binary cross-entropy minus the log
    normaliser `log C(lambda)`, an honest density in nats for grey-level
    data (it can be negative: a density may exceed 1). Its mean image is
    not `sigmoid(logits)` but the distribution's mean, which the exported
    decoder computes too. It takes the base layer's arguments only.

    Example:
    ```python
    vae = keras_vae.VAE(encoder, decoder, likelihood="continuous_bernoulli")
    ```

    Reference:
        Loaiza-Ganem and Cunningham, "The continuous Bernoulli: fixing a
        pervasive error in variational autoencoders", NeurIPS 2019.
    """

    data_range = (0.0, 1.0)
    output_range = (0.0, 1.0)

    def negative_log_likelihood(self, x, params):
        """Per-example NLL in nats, summed over every non-batch axis.

        Args:
            x: tensor of targets in [0, 1].
            params: tensor of logits, same shape as `x`.

        Returns:
            A float32 tensor of shape `(batch,)`.
        """
        nll = binary_cross_entropy_with_logits(x, params) - log_normalizer(params)
        return sum_over_non_batch_axes(nll)

    def mean(self, params):
        """The mean image, in [0, 1]."""
        logits = ops.cast(params, "float32")
        small, safe = _safe_logits(logits)
        exact = ops.sigmoid(safe) / ops.tanh(0.5 * safe) - 1.0 / safe
        # 1/2 + l / 12 - l^3 / 720 + ...
        taylor = 0.5 + logits / 12.0 - logits * ops.square(logits) / 720.0
        return ops.where(small, taylor, exact)
