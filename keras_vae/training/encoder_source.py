"""A new decoder in the latent space of a trained model (`keras-vae train
--encoder-from`).

The trained model's encoder is reused and frozen, so its latent space and
its latent mixture stay as they are, and only the new decoder learns: the
way to a small decoder for a device (a compact architecture such as
`conv-small`) without giving up the large model's latent space.
"""

from pathlib import Path

from keras_vae_sampler.presets import PRESETS

OPTION = "--encoder-from"


def load_encoder_source(source):
    """The trained model whose encoder a run reuses.

    Args:
        source: the path of a `.keras` file, a preset folder written by
            `save_to_preset`, or the name of a preset that ships with the
            package (`"mnist"`).

    Returns:
        The model (a `VAE` or `ConditionalVAE`).
    """
    from keras_vae.models.latent_model import LatentModel
    from keras_vae.models.model_files import load_model_file
    from keras_vae.presets import load_preset

    path = Path(source)
    if path.suffix == ".keras":
        return load_model_file(path, LatentModel, name=OPTION)
    if source not in PRESETS and not path.is_dir():
        raise ValueError(
            f"{OPTION} must be a .keras file, a folder written by "
            f"save_to_preset or a preset's name ({', '.join(PRESETS)}). "
            f"Received: {OPTION}={str(source)!r}"
        )
    return load_preset(source, LatentModel, compile=False)


def check_encoder_source(model, example_shape, latent_dim, num_classes, source):
    """Checks that a run can put a new decoder behind `model`'s encoder.

    Args:
        model: the model `load_encoder_source` returned.
        example_shape: tuple. The shape of the run's examples.
        latent_dim: int. The run's `--latent-dim`.
        num_classes: int or `None`. The run's classes (`--conditional`).
        source: what the user named, for the messages.
    """
    found = {
        "example shape": (tuple(model.example_shape), tuple(example_shape)),
        "latent size (--latent-dim)": (model.latent_dim, latent_dim),
        "number of classes (--conditional)": (model.num_classes, num_classes),
    }
    for what, (theirs, ours) in found.items():
        if theirs != ours:
            raise ValueError(
                f"{OPTION}: the model's {what} is {theirs} and this run's is "
                f"{ours}; the new decoder must fit the model's encoder. "
                f"Received: {OPTION}={str(source)!r}"
            )
    if getattr(model, "beta", None) is None:
        raise ValueError(
            f"{OPTION} needs a variational model (a VAE or ConditionalVAE) "
            f"with an encoder that predicts a distribution. Received: "
            f"{OPTION}={str(source)!r}"
        )


def frozen_encoder(model):
    """`model`'s encoder, frozen: its weights do not change in `fit`."""
    encoder = model.encoder
    encoder.trainable = False
    return encoder
