"""A grid of images as a PNG, with numpy and zlib only."""

import struct
import zlib

import numpy as np

from keras_vae_sampler.file_io import atomic_path

GAP = 2  # pixels between images, in the background grey


def image_grid(images, columns=8):
    """Tiles images into one uint8 array `(rows * h, columns * w, c)`.

    Images in [0, 1] are clipped; others (a Gaussian decoder's means) are
    scaled from the grid's minimum and maximum.
    """
    images = np.asarray(images, "float32")
    if images.ndim == 3:
        images = images[..., None]
    low, high = float(images.min()), float(images.max())
    if low < -1e-3 or high > 1 + 1e-3:
        images = (images - low) / max(high - low, 1e-12)
    pixels = np.round(np.clip(images, 0.0, 1.0) * 255).astype(np.uint8)
    n, height, width, channels = pixels.shape
    columns = max(1, min(columns, n))
    rows = -(-n // columns)
    grid = np.full(
        (rows * (height + GAP) - GAP, columns * (width + GAP) - GAP, channels),
        64,
        np.uint8,
    )
    for index, image in enumerate(pixels):
        top, left = (
            (index // columns) * (height + GAP),
            (index % columns) * (width + GAP),
        )
        grid[top : top + height, left : left + width] = image
    return grid


def _chunk(kind, data):
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


# PNG colour types by channel count: grey, grey + alpha, RGB, RGBA.
COLOUR_TYPES = {1: 0, 2: 4, 3: 2, 4: 6}


def encode_png(pixels):
    """PNG bytes of a uint8 array `(h, w)` or `(h, w, c)`, c in 1..4
    (grey, grey and alpha, RGB, RGBA)."""
    pixels = np.asarray(pixels, np.uint8)
    if pixels.ndim == 2:
        pixels = pixels[..., None]
    if pixels.ndim != 3 or pixels.shape[2] not in COLOUR_TYPES:
        raise ValueError(
            "A PNG holds images of 1 to 4 channels (grey, grey and alpha, RGB, "
            f"RGBA). Received: shape={pixels.shape}"
        )
    height, width, channels = pixels.shape
    colour_type = COLOUR_TYPES[channels]
    rows = pixels.reshape(height, -1)
    raw = np.concatenate([np.zeros((height, 1), np.uint8), rows], axis=1)
    header = struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(raw.tobytes(), 9))
        + _chunk(b"IEND", b"")
    )


def write_grid_png(path, images, columns=8):
    """Writes `images` as one PNG grid at `path`, atomically."""
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as handle:
            handle.write(encode_png(image_grid(images, columns)))
