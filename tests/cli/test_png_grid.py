"""`sample --out` writes PNGs that any reader decodes as drawn: grey, grey
with alpha, RGB and RGBA exports (an RGBA grid was written with an RGB
header before #38)."""

import io

import numpy as np
import pytest
from PIL import Image

from keras_vae_sampler.png import encode_png
from keras_vae_sampler.png import image_grid


@pytest.mark.parametrize(
    "channels, mode", [(1, "L"), (2, "LA"), (3, "RGB"), (4, "RGBA")]
)
def test_grids_decode_as_written(channels, mode):
    images = np.random.default_rng(channels).random((5, 6, 7, channels))
    grid = image_grid(images, columns=3)
    decoded = Image.open(io.BytesIO(encode_png(grid)))
    assert decoded.mode == mode
    pixels = np.asarray(decoded).reshape(grid.shape)
    np.testing.assert_array_equal(pixels, grid)


def test_more_channels_are_refused():
    with pytest.raises(
        ValueError, match=r"1 to 4 channels.*Received: shape=\(2, 2, 5\)"
    ):
        encode_png(np.zeros((2, 2, 5), np.uint8))
