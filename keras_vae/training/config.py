"""What a training run needs: the options of `keras-vae train`.

Free of TensorFlow: the command line reads its defaults from this dataclass
and its choices from the tables it names, so `keras-vae --help` answers
without starting TensorFlow. `data_source` turns the data options into the
one `DataSource` a run reads.
"""

import dataclasses

from keras_vae.data.source import DataSource
from keras_vae.data.source import source_kind

DEFAULT_VALIDATION_SPLIT = 0.1

# The KL weight when none is given, chosen by what the device draws (#27):
# for a ConditionalVAE on MNIST, beta 3 raised the per-class mixture's label
# accuracy from 0.936 to 0.975 (worst class 0.88 -> 0.93) for 7.2 nats of
# test ELBO (bench/results/conditional_beta3.json beside
# bench/results/sample_quality.json); the unconditional default stays 1.
DEFAULT_BETA = 1.0
DEFAULT_CONDITIONAL_BETA = 3.0


@dataclasses.dataclass
class TrainingConfig:
    """Everything a training run needs; the CLI's options.

    The defaults train a good MNIST model: an MLP 784-512-16 VAE with a
    Bernoulli likelihood, Adam 1e-3, batch 128, 30 epochs, then fit a
    50-component Gaussian mixture to the training set's posterior means
    (`latent_sampler="gmm"`; `"prior"` fits none). With `conditional=True`
    the model is a `ConditionalVAE` on the dataset's labels, with one
    mixture per class, and `beta=None` means `DEFAULT_CONDITIONAL_BETA` (3)
    instead of `DEFAULT_BETA` (1).

    `dataset` is a tensorflow-datasets name, a folder of images or a
    `.npy`/`.npz` file (see `keras_vae.data`). `validation_split=None` holds
    out `DEFAULT_VALIDATION_SPLIT` of a folder or array file (seeded by
    `seed`) for validation and the reported held-out ELBO, and uses a named
    dataset's test split; a fraction holds out that share of the training
    data for any source.

    `objective="iwae"` trains on the importance-weighted bound with
    `importance_samples` latents per example (DReG encoder gradients unless
    `dreg=False`); both are ignored for the ELBO.

    `encoder_from` (a `.keras` file, a preset folder or a preset name) puts
    a new decoder of `architecture` behind that model's encoder, which stays
    frozen: its latent space and mixture are kept and only the decoder
    learns (`keras_vae.training.encoder_source`).

    A finished run in `output_dir` is replaced only with `overwrite=True`
    (`keras_vae.training.run_folder`).
    """

    dataset: str = "mnist"
    data_dir: str | None = None
    image_size: tuple[int, int] | None = None
    channels: int | None = None
    validation_split: float | None = None
    images_key: str | None = None
    labels_key: str | None = None
    architecture: str = "mlp"
    latent_dim: int = 16
    likelihood: str = "bernoulli"
    binarize: bool = False
    conditional: bool = False
    latent_sampler: str = "gmm"
    gmm_components: int = 50
    beta: float | None = None
    warmup_epochs: int = 0
    objective: str = "elbo"
    importance_samples: int = 5
    dreg: bool = True
    epochs: int = 30
    batch_size: int = 128
    learning_rate: float = 1e-3
    seed: int = 0
    deterministic: bool = False
    output_dir: str = "runs/vae"
    overwrite: bool = False
    encoder_from: str | None = None

    def __post_init__(self):
        if self.beta is None:
            self.beta = DEFAULT_CONDITIONAL_BETA if self.conditional else DEFAULT_BETA


def default(name):
    """The default value of one `TrainingConfig` field."""
    fields = {field.name: field for field in dataclasses.fields(TrainingConfig)}
    return fields[name].default


def data_source(options):
    """The `DataSource` a run reads, built once from its options.

    `validation_split=None` holds out `DEFAULT_VALIDATION_SPLIT` of a folder
    or array file and uses a named dataset's test split; the held-out split
    is seeded by `seed`.

    Args:
        options: a `TrainingConfig`, or the `keras-vae evaluate` arguments,
            which use the same names, so that evaluation reads the
            held-out images training validated on.

    Returns:
        A `keras_vae.data.DataSource`.
    """
    fraction = options.validation_split
    if fraction is None and source_kind(options.dataset) != "name":
        fraction = DEFAULT_VALIDATION_SPLIT
    return DataSource(
        options.dataset,
        data_dir=options.data_dir,
        image_size=options.image_size,
        channels=options.channels,
        validation_split=fraction,
        split_seed=options.seed,
        images_key=options.images_key,
        labels_key=options.labels_key,
    )
