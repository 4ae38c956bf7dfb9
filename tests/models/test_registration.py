"""`.keras` files load with `keras.saving.load_model(path, safe_mode=True)`
after `import keras_vae`, whatever the order of the imports: each order runs
in a fresh process."""

import os
import subprocess
import sys

import numpy as np
import pytest

import keras_vae
from tests.paths import ROOT
from tests.small_networks import small_encoder_decoder

IMPORT_ORDERS = {
    "keras first": "import keras\nimport keras_vae",
    "keras_vae first": "import keras_vae\nimport keras",
    # TensorFlow imports Keras during its own import.
    "tensorflow first": "import keras_vae\nimport tensorflow\nimport keras",
    # A module of the package is the first to import Keras, and is half-run
    # when Keras' import ends.
    "a keras_vae module first": (
        "import keras_vae\nimport keras_vae.likelihoods.gaussian\nimport keras"
    ),
}
LOAD_SCRIPT = """
import sys
{imports}
model = keras.saving.load_model(sys.argv[1], safe_mode=True)
print(type(model).__name__, model.objective, type(model.likelihood).__name__,
      type(model.latent_sampler).__name__)
"""


def _run_python(script, *args):
    """Runs `script` in a fresh interpreter; returns its last stdout line."""
    result = subprocess.run(
        [sys.executable, "-c", script, *map(str, args)],
        cwd=ROOT,
        env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2"),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def saved_model(tmp_path_factory):
    """An importance-weighted VAE with a Bernoulli likelihood and a fitted
    mixture: classes from four of the package's modules."""
    encoder, decoder = small_encoder_decoder("mlp", (8, 8, 1), 2)
    vae = keras_vae.VAE(
        encoder, decoder, objective="iwae", importance_samples=3, seed=0
    )
    images = np.random.default_rng(0).uniform(size=(32, 8, 8, 1))
    vae.fit_latent_sampler(images.astype("float32"), num_components=2)
    path = tmp_path_factory.mktemp("registration") / "iwae.keras"
    vae.save(path)
    return path


@pytest.mark.parametrize("order", list(IMPORT_ORDERS))
def test_a_saved_model_loads_in_a_fresh_process(order, saved_model):
    script = LOAD_SCRIPT.format(imports=IMPORT_ORDERS[order])
    assert _run_python(script, saved_model) == (
        "VAE iwae BernoulliLikelihood GaussianMixtureSampler"
    )


def test_importing_the_package_imports_no_keras():
    script = (
        "import sys\nimport keras_vae\n"
        "names = keras_vae.objectives.names(), keras_vae.likelihoods.names()\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('keras', 'tensorflow')), *names)"
    )
    assert _run_python(script) == (
        "[] ('elbo', 'iwae') ('bernoulli', 'continuous_bernoulli', 'gaussian')"
    )


def test_register_serializables_is_public_and_idempotent():
    import keras

    keras_vae.register_serializables()
    keras_vae.register_serializables()
    for name in ("VAE", "ELBO", "IWAE", "GaussianMixtureSampler", "Sampling"):
        assert keras.saving.get_registered_object(f"keras_vae>{name}") is not None
