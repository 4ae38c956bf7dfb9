"""`keras-vae train --encoder-from`: a new (small) decoder in the latent space
of a trained model, whose encoder stays frozen."""

import keras
import numpy as np
import pytest

import keras_vae
from keras_vae.cli import main
from keras_vae.models.architectures import ARCHITECTURES
from tests.cli.test_cli import train_args


@pytest.fixture
def source_run(tiny_idx_dir, tmp_path):
    output_dir = tmp_path / "source"
    assert main(train_args(tiny_idx_dir, output_dir)) == 0
    return output_dir / "model.keras"


def test_a_new_decoder_learns_behind_the_frozen_encoder(
    tiny_idx_dir, tmp_path, source_run
):
    source = keras.saving.load_model(source_run)
    output_dir = tmp_path / "small"
    extra = ["--encoder-from", str(source_run), "--architecture", "conv-small"]
    assert main(train_args(tiny_idx_dir, output_dir, *extra)) == 0
    model = keras.saving.load_model(output_dir / "model.keras")
    assert isinstance(model, keras_vae.VAE)
    # The encoder is the source's, unchanged by training; the decoder is new.
    for theirs, ours in zip(source.encoder.weights, model.encoder.weights):
        np.testing.assert_array_equal(theirs.numpy(), ours.numpy())
    assert not model.encoder.trainable
    assert any("conv" in layer.name for layer in model.decoder.layers)
    assert model.decoder.count_params() != source.decoder.count_params()
    # Same posteriors, same data: the refitted latent mixture is the source's.
    np.testing.assert_allclose(
        model.latent_sampler.means.numpy(),
        source.latent_sampler.means.numpy(),
        atol=1e-5,
    )


def test_conv_small_is_smaller_than_conv():
    def decoder_size(name):
        _, decoder = keras_vae.build_encoder_decoder(name, (28, 28, 1), 16)
        return decoder.count_params()

    assert "conv-small" in ARCHITECTURES
    assert decoder_size("conv-small") < decoder_size("conv") / 2


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--latent-dim", "3"], "latent size (--latent-dim) is 4 and this run's is 3"),
        (
            ["--conditional", "--gmm-components", "2"],
            "number of classes (--conditional) is None",
        ),
    ],
)
def test_a_source_that_does_not_fit_is_refused_before_training(
    tiny_idx_dir, tmp_path, source_run, capsys, extra, message
):
    output_dir = tmp_path / "small"
    args = train_args(tiny_idx_dir, output_dir, "--encoder-from", str(source_run))
    assert main(args + extra) == 2
    error = capsys.readouterr().err
    assert message in error and f"Received: --encoder-from='{source_run}'" in error
    assert not (output_dir / "model.keras").exists()


def test_a_missing_source_is_refused(tiny_idx_dir, tmp_path, capsys):
    missing = tmp_path / "nothing.keras"
    args = train_args(tiny_idx_dir, tmp_path / "run", "--encoder-from", str(missing))
    assert main(args) == 2
    assert "--encoder-from must be the path of an existing .keras file" in (
        capsys.readouterr().err
    )


def test_an_autoencoder_source_is_refused(tiny_idx_dir, tmp_path, capsys):
    # Same shapes as the run, so only the missing posterior can refuse it.
    encoder, decoder = keras_vae.build_encoder_decoder("mlp", (28, 28, 1), 4, False)
    path = tmp_path / "autoencoder.keras"
    keras_vae.Autoencoder(encoder, decoder).save(path)
    args = train_args(tiny_idx_dir, tmp_path / "run", "--encoder-from", str(path))
    assert main(args) == 2
    error = capsys.readouterr().err
    assert "--encoder-from needs a variational model" in error
    assert f"Received: --encoder-from='{path}'" in error
    assert not (tmp_path / "run" / "model.keras").exists()
