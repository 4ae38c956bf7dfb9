"""What a training run needs: the options of `keras-vae train`.

Free of TensorFlow: the command line reads its defaults from this dataclass
and its choices from the tables it names, so `keras-vae --help` answers
without starting TensorFlow.
"""

import dataclasses

DEFAULT_VALIDATION_SPLIT = 0.1


@dataclasses.dataclass
class TrainingConfig:
    """Everything a training run needs; the CLI's options.

    The defaults train a good MNIST model: an MLP 784-512-16 VAE with a
    Bernoulli likelihood, Adam 1e-3, batch 128, 30 epochs, then fit a
    50-component Gaussian mixture to the training set's posterior means
    (`latent_sampler="gmm"`; `"prior"` fits none). With `conditional=True`
    the model is a `ConditionalVAE` on the dataset's labels, with one
    mixture per class.

    `dataset` is a tensorflow-datasets name, a folder of images or a
    `.npy`/`.npz` file (see `keras_vae.data`). `validation_split=None` holds
    out `DEFAULT_VALIDATION_SPLIT` of a folder or array file (seeded by
    `seed`) for validation and the reported held-out ELBO, and uses a named
    dataset's test split; a fraction holds out that share of the training
    data for any source.

    `objective="iwae"` trains on the importance-weighted bound with
    `importance_samples` latents per example (DReG encoder gradients unless
    `dreg=False`); both are ignored for the ELBO.
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
    beta: float = 1.0
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


def default(name):
    """The default value of one `TrainingConfig` field."""
    fields = {field.name: field for field in dataclasses.fields(TrainingConfig)}
    return fields[name].default
