"""pythae (PyTorch, CPU) training the same layers as keras-vae's VAEs.

Run by `bench/train_throughput.py` with the interpreter of an environment
that has pythae and torch (`make bench-peers` makes `.venv-pythae`: `pip
install torch==2.13.0 pythae`); it needs no TensorFlow. Prints one JSON
object: images/s of pythae's `BaseTrainer` (the median epoch, the first
excluded), the epoch times and the versions.

The networks copy `keras_vae.build_encoder_decoder(architecture, (28, 28,
1), 16)`: MLP 784-512-(16, 16) and 16-512-784; conv Conv2D 32 and 64
(3x3, stride 2, same, ReLU), Dense 128, (16, 16), and back through Dense
7x7x64, Conv2DTranspose 64 and 32 (3x3, stride 2), Conv2D 1 (3x3). pythae's
"bce" reconstruction loss wants probabilities, so its decoders end with a
sigmoid (keras-vae's compute the loss from logits).

Usage:
    .venv-pythae/bin/python -m bench.pythae_peer --architecture mlp
"""

import argparse
import gzip
import importlib.metadata
import json
import statistics
import sys
import tempfile
import time

import numpy as np


def _parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--architecture", choices=("mlp", "conv"), default="mlp")
    parser.add_argument("--images", type=int, default=60000)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--mnist", default="data/mnist/train-images-idx3-ubyte.gz")
    return parser.parse_args(argv)


def _mnist_images(path, count):
    raw = gzip.decompress(open(path, "rb").read())
    images = np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(-1, 1, 28, 28)
    return images[:count].astype("float32") / 255.0


def _networks(architecture, latent_dim=16):
    import torch
    from pythae.models.base.base_utils import ModelOutput
    from pythae.models.nn import BaseDecoder
    from pythae.models.nn import BaseEncoder
    from torch import nn

    if architecture == "mlp":
        body = nn.Sequential(nn.Flatten(), nn.Linear(784, 512), nn.ReLU())
        width = 512
        head = nn.Sequential(nn.Linear(latent_dim, 512), nn.ReLU(), nn.Linear(512, 784))
        shape = (1, 28, 28)
    else:
        body = nn.Sequential(
            nn.Conv2d(1, 32, 3, stride=2, padding=1),
            nn.ReLU(),
            nn.Conv2d(32, 64, 3, stride=2, padding=1),
            nn.ReLU(),
            nn.Flatten(),
            nn.Linear(7 * 7 * 64, 128),
            nn.ReLU(),
        )
        width = 128
        head = nn.Sequential(
            nn.Linear(latent_dim, 7 * 7 * 64),
            nn.ReLU(),
            nn.Unflatten(1, (64, 7, 7)),
            nn.ConvTranspose2d(64, 64, 3, stride=2, padding=1, output_padding=1),
            nn.ReLU(),
            nn.ConvTranspose2d(64, 32, 3, stride=2, padding=1, output_padding=1),
            nn.ReLU(),
            nn.Conv2d(32, 1, 3, padding=1),
        )
        shape = (1, 28, 28)

    class Encoder(BaseEncoder):
        def __init__(self):
            super().__init__()
            self.body = body
            self.mean = nn.Linear(width, latent_dim)
            self.log_var = nn.Linear(width, latent_dim)

        def forward(self, x):
            h = self.body(x)
            return ModelOutput(embedding=self.mean(h), log_covariance=self.log_var(h))

    class Decoder(BaseDecoder):
        def __init__(self):
            super().__init__()
            self.head = head

        def forward(self, z):
            logits = self.head(z).reshape(-1, *shape)
            return ModelOutput(reconstruction=torch.sigmoid(logits))

    return Encoder(), Decoder()


def main(argv=None):
    args = _parse_args(argv)
    import torch
    from pythae.data.datasets import BaseDataset
    from pythae.models import VAE
    from pythae.models import VAEConfig
    from pythae.trainers import BaseTrainer
    from pythae.trainers import BaseTrainerConfig
    from pythae.trainers.training_callbacks import TrainingCallback

    torch.manual_seed(0)
    images = torch.from_numpy(_mnist_images(args.mnist, args.images))
    encoder, decoder = _networks(args.architecture)
    model = VAE(
        VAEConfig(input_dim=(1, 28, 28), latent_dim=16, reconstruction_loss="bce"),
        encoder=encoder,
        decoder=decoder,
    )

    class EpochTimer(TrainingCallback):
        def __init__(self):
            self.times = []

        def on_epoch_begin(self, training_config, **kwargs):
            self._start = time.perf_counter()

        def on_epoch_end(self, training_config, **kwargs):
            self.times.append(time.perf_counter() - self._start)

    timer = EpochTimer()
    with tempfile.TemporaryDirectory() as output_dir:
        config = BaseTrainerConfig(
            output_dir=output_dir,
            num_epochs=args.epochs,
            per_device_train_batch_size=args.batch_size,
            learning_rate=1e-3,
            no_cuda=True,
            steps_saving=None,
        )
        trainer = BaseTrainer(
            model,
            BaseDataset(images, torch.zeros(len(images))),
            training_config=config,
            callbacks=[timer],
        )
        trainer.train()
    steady = timer.times[1:]
    json.dump(
        {
            "images_per_s": len(images) / statistics.median(steady),
            "epoch_seconds": timer.times,
            "torch": torch.__version__,
            "pythae": importlib.metadata.version("pythae"),
            "threads": torch.get_num_threads(),
        },
        sys.stdout,
    )
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
