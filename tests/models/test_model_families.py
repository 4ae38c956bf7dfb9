"""Every model family, likelihood and objective through the one shared
battery (tests/model_battery.py), including a likelihood and an objective
defined here, in a test file, that the package knows nothing about."""

import math

import keras
import numpy as np
import pytest
from keras import ops

import keras_vae
from keras_vae.likelihoods.base import sum_over_non_batch_axes
from keras_vae.objectives.base import scale_for_replicas
from tests.model_battery import run_model_battery
from tests.roundtrip import run_serialization_test
from tests.small_networks import small_encoder_decoder

SHAPE = (8, 8, 1)
NUM_CLASSES = 3


@keras.saving.register_keras_serializable(package="keras_vae_tests")
class LaplaceLikelihood(keras_vae.likelihoods.Likelihood):
    """Independent Laplace pixels with unit scale: defined outside the
    package, to show that a new likelihood needs no change to it."""

    def negative_log_likelihood(self, x, params):
        error = ops.abs(ops.cast(x, "float32") - ops.cast(params, "float32"))
        return sum_over_non_batch_axes(error + math.log(2.0))

    def mean(self, params):
        return ops.cast(params, "float32")


@keras.saving.register_keras_serializable(package="keras_vae_tests")
class MultiSampleELBO(keras_vae.objectives.Objective):
    """The negative ELBO with its reconstruction term averaged over several
    latents per example: defined outside the package, to show that a new
    objective needs no change to it."""

    def __init__(self, samples=2):
        self.samples = samples

    def loss_terms(self, model, x, conditions, training):
        inputs = [x, *conditions] if conditions else x
        nll = []
        for _ in range(self.samples):
            params, z_mean, z_log_var = model(
                inputs, training=training, sample=True, return_posterior=True
            )
            nll.append(model.likelihood.negative_log_likelihood(x, params))
        reconstruction = ops.mean(ops.stack(nll))
        kl = ops.mean(keras_vae.kl_divergence(z_mean, z_log_var))
        # The weighted KL term that `call` added, and any regulariser.
        added = sum(ops.sum(ops.cast(loss, "float32")) for loss in model.losses)
        values = {
            "loss": reconstruction + kl,
            "reconstruction_loss": reconstruction,
            "kl_loss": kl,
        }
        return scale_for_replicas(reconstruction + added), values

    def get_config(self):
        return {"samples": self.samples}


def _vae(likelihood="bernoulli", architecture="mlp"):
    """A factory of VAEs; `likelihood` is a name or a factory of layers."""

    def make():
        encoder, decoder = small_encoder_decoder(architecture, SHAPE, 3)
        layer = likelihood if isinstance(likelihood, str) else likelihood()
        return keras_vae.VAE(encoder, decoder, likelihood=layer, seed=0)

    return make


def _iwae_vae():
    encoder, decoder = small_encoder_decoder("mlp", SHAPE, 3)
    return keras_vae.VAE(
        encoder, decoder, objective="iwae", importance_samples=3, seed=0
    )


def _test_defined_objective_vae():
    encoder, decoder = small_encoder_decoder("mlp", SHAPE, 3)
    return keras_vae.VAE(encoder, decoder, objective=MultiSampleELBO(samples=3), seed=0)


def _autoencoder():
    encoder, decoder = small_encoder_decoder("mlp", SHAPE, 3, variational=False)
    return keras_vae.Autoencoder(encoder, decoder)


def _conditional_vae():
    encoder, decoder = small_encoder_decoder("mlp", SHAPE, 3, num_classes=NUM_CLASSES)
    return keras_vae.ConditionalVAE(
        encoder, decoder, class_names=["a", "b", "c"], seed=0
    )


FAMILIES = {
    "vae": (_vae(), False, True),
    "vae_conv_gaussian": (
        _vae(lambda: keras_vae.GaussianLikelihood(scale=0.1), "conv"),
        False,
        True,
    ),
    "vae_continuous_bernoulli": (_vae("continuous_bernoulli"), False, True),
    "vae_test_defined_likelihood": (_vae(LaplaceLikelihood), False, True),
    "vae_iwae_dreg": (_iwae_vae, False, True),
    "vae_test_defined_objective": (_test_defined_objective_vae, False, True),
    "autoencoder": (_autoencoder, False, False),
    "conditional_vae": (_conditional_vae, True, True),
}


@pytest.fixture(scope="module")
def tiny_data():
    rng = np.random.default_rng(0)
    # One fixed binary pattern per class, grey levels 0.05 and 0.95, a few
    # pixels flipped per image: easy to learn, and the labels carry signal.
    labels = np.arange(48) % NUM_CLASSES
    patterns = rng.uniform(size=(NUM_CLASSES,) + SHAPE) < 0.5
    flips = rng.uniform(size=(48,) + SHAPE) < 0.05
    images = np.where(patterns[labels] ^ flips, 0.95, 0.05)
    return images.astype("float32"), labels.astype("int32")


@pytest.mark.slow
@pytest.mark.parametrize("family", list(FAMILIES))
def test_model_family_passes_the_battery(family, tiny_data, tmp_path):
    make_model, conditional, exportable = FAMILIES[family]
    images, labels = tiny_data
    run_model_battery(
        make_model, images, labels if conditional else None, tmp_path, exportable
    )


def test_test_defined_likelihood_is_saved_by_its_registered_name(tmp_path):
    vae = _vae(LaplaceLikelihood)()
    config = keras.saving.serialize_keras_object(vae)["config"]["likelihood"]
    assert config["registered_name"] == "keras_vae_tests>LaplaceLikelihood"
    assert keras_vae.likelihoods.get(config).__class__ is LaplaceLikelihood


def test_test_defined_objective_is_saved_by_its_registered_name():
    vae = _test_defined_objective_vae()
    config = vae.get_config()["objective"]
    assert config["registered_name"] == "keras_vae_tests>MultiSampleELBO"
    assert config["config"] == {"samples": 3}
    restored = keras_vae.VAE.from_config(vae.get_config())
    assert type(restored.training_objective) is MultiSampleELBO
    assert restored.training_objective.samples == 3
    # Built-in objectives keep their names in the config, as before, and
    # round-trip through Keras' serialisation as any registered object.
    for name in keras_vae.objectives.names():
        objective = keras_vae.objectives.get(name)
        assert keras_vae.objectives.get(objective) is objective
        assert keras_vae.objectives.serialize(objective) == name
        run_serialization_test(objective)
    with pytest.raises(ValueError, match="Received: objective=42"):
        keras_vae.objectives.get(42)
