"""The architectures the builders know, free of TensorFlow (the command
line reads it for its choices and the docs for its table).

Each is a family of networks (`"mlp"` or `"conv"`, the builders of
`keras_vae.models.builders`) with the layer sizes its encoder and decoder
are built with; `build_encoder_decoder(name, ...)` reads this table.
"""

from dataclasses import dataclass
from dataclasses import field


@dataclass(frozen=True)
class Architecture:
    """A named encoder-decoder pair.

    Args:
        family: `"mlp"` or `"conv"`: which builders make the networks.
        description: one line for people.
        encoder_args: keyword arguments of the family's encoder builder.
        decoder_args: keyword arguments of the family's decoder builder.
    """

    family: str
    description: str
    encoder_args: dict = field(default_factory=dict)
    decoder_args: dict = field(default_factory=dict)


ARCHITECTURE_TABLE = {
    "mlp": Architecture("mlp", "dense layers, one hidden layer of 512 each side"),
    "conv": Architecture(
        "conv",
        "strided convolutions of 32 and 64 filters, a dense layer of 128; "
        "the decoder mirrors them",
    ),
    "conv-small": Architecture(
        "conv",
        "a compact conv pair (encoder 16 and 32 filters, dense 64; decoder "
        "32 and 16 filters) whose int8 decoder is under 100 KB for a 16-d "
        "MNIST latent; with --encoder-from, a small decoder for a large "
        "model's latent space",
        encoder_args={"filters": (16, 32), "dense_units": (64,)},
        decoder_args={"filters": (32, 16)},
    ),
}

ARCHITECTURES = tuple(ARCHITECTURE_TABLE)
