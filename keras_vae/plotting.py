"""Pictures of what a model does, drawn with matplotlib (no pyplot state).

Every function returns a `matplotlib.figure.Figure`; `save_figure` writes it
as a PNG atomically.
"""

import math

import numpy as np
from matplotlib.figure import Figure

from keras_vae.file_io import atomic_path


def _show_image(axis, image):
    image = np.clip(np.asarray(image, dtype="float32"), 0.0, 1.0)
    if image.ndim == 3 and image.shape[-1] == 1:
        image = image[..., 0]
    if image.ndim == 1:
        side = math.isqrt(image.size)
        image = image.reshape(side, -1) if side * side == image.size else image[None]
    axis.imshow(image, cmap="gray" if image.ndim == 2 else None, vmin=0, vmax=1)
    axis.set_axis_off()


def plot_image_grid(images, columns=8, title=None):
    """Draws images in a grid.

    Args:
        images: array `(n, height, width[, channels])` with values in
            [0, 1] (clipped).
        columns: int. Images per row. Defaults to `8`.
        title: str or None. Figure title.

    Returns:
        A `matplotlib.figure.Figure`.

    Example:
    ```python
    save_figure(plot_image_grid(vae.sample(64, seed=0)), "samples.png")
    ```
    """
    images = np.asarray(images)
    columns = max(1, min(columns, len(images)))
    rows = math.ceil(len(images) / columns)
    figure = Figure(figsize=(columns * 1.1, rows * 1.1 + (0.4 if title else 0)))
    axes = figure.subplots(rows, columns, squeeze=False)
    for index, axis in enumerate(axes.flat):
        if index < len(images):
            _show_image(axis, images[index])
        else:
            axis.set_axis_off()
    if title:
        figure.suptitle(title)
    return figure


def plot_reconstructions(originals, reconstructions, title=None):
    """Draws inputs (top row) above their reconstructions (bottom row).

    Args:
        originals: array `(n, ...)` of input images in [0, 1].
        reconstructions: array of the same shape.
        title: str or None. Figure title.

    Returns:
        A `matplotlib.figure.Figure`.
    """
    n = len(originals)
    figure = Figure(figsize=(n * 1.1, 2.4 + (0.4 if title else 0)))
    axes = figure.subplots(2, n, squeeze=False)
    for index in range(n):
        _show_image(axes[0, index], originals[index])
        _show_image(axes[1, index], reconstructions[index])
    axes[0, 0].set_title("input", loc="left", fontsize=8)
    axes[1, 0].set_title("reconstruction", loc="left", fontsize=8)
    if title:
        figure.suptitle(title)
    return figure


def save_figure(figure, path, dpi=100):
    """Saves a figure as a PNG, atomically. Returns the path."""
    with atomic_path(path) as tmp:
        figure.savefig(tmp, format="png", dpi=dpi, bbox_inches="tight")
    return path
