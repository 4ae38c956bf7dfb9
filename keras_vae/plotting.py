"""Pictures of what a model does, drawn with matplotlib (no pyplot state).

Every function returns a `matplotlib.figure.Figure`; `save_figure` writes it
as a PNG atomically.
"""

import math

import numpy as np
from matplotlib.figure import Figure

from keras_vae_sampler.file_io import atomic_path


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


def plot_latent_manifold(model, grid_size=15, extent=2.5, title=None):
    """Decodes a grid over a 2-D latent space (the manifold picture).

    Args:
        model: a `VAE` or `Autoencoder` with `latent_dim == 2`.
        grid_size: int. Points per axis. Defaults to `15`.
        extent: float. The grid spans `[-extent, extent]` on both axes
            (standard deviations of the prior). Defaults to `2.5`.
        title: str or None.

    Returns:
        A `matplotlib.figure.Figure`.
    """
    if model.latent_dim != 2:
        raise ValueError(
            "The manifold picture needs a 2-D latent space. Received: "
            f"latent_dim={model.latent_dim}"
        )
    axis_values = np.linspace(-extent, extent, grid_size, dtype="float32")
    grid_x, grid_y = np.meshgrid(axis_values, axis_values[::-1])
    z = np.stack([grid_x.ravel(), grid_y.ravel()], axis=1)
    images = np.clip(model.decode(z), 0.0, 1.0)
    height, width = images.shape[1:3]
    channels = images.shape[3] if images.ndim == 4 else 1
    canvas = images.reshape(grid_size, grid_size, height, width, channels)
    canvas = canvas.transpose(0, 2, 1, 3, 4).reshape(
        grid_size * height, grid_size * width, channels
    )
    figure = Figure(figsize=(7, 7))
    axis = figure.subplots()
    axis.imshow(
        canvas[..., 0] if channels == 1 else canvas,
        cmap="gray" if channels == 1 else None,
        extent=(-extent, extent, -extent, extent),
        vmin=0,
        vmax=1,
    )
    axis.set_xlabel("z[0]")
    axis.set_ylabel("z[1]")
    axis.set_title(title or "decoded latent grid")
    return figure


def _principal_components(codes, count=2):
    centred = codes - codes.mean(axis=0)
    _, _, components = np.linalg.svd(centred, full_matrices=False)
    return centred @ components[:count].T


def plot_latent_scatter(model, images, labels, title=None):
    """Scatter of latent codes coloured by label (PCA above 2 dimensions).

    Args:
        model: a `VAE` (posterior means are plotted) or `Autoencoder`.
        images: array of images.
        labels: integer array, one label per image.
        title: str or None.

    Returns:
        A `matplotlib.figure.Figure`.
    """
    codes = model.encode(images)
    codes = codes[0] if isinstance(codes, tuple) else codes
    projected = codes if codes.shape[1] == 2 else _principal_components(codes)
    figure = Figure(figsize=(7, 6))
    axis = figure.subplots()
    points = axis.scatter(
        projected[:, 0], projected[:, 1], c=labels, cmap="tab10", s=4, alpha=0.7
    )
    figure.colorbar(points, ax=axis, label="label")
    suffix = "" if codes.shape[1] == 2 else f" (PCA of {codes.shape[1]} dims)"
    axis.set_xlabel("component 1" if suffix else "z[0]")
    axis.set_ylabel("component 2" if suffix else "z[1]")
    axis.set_title(title or f"latent codes{suffix}")
    return figure


def plot_interpolations(model, images_a, images_b, steps=10, title=None):
    """One row per pair: decoded frames along the latent line from a to b.

    Returns:
        A `matplotlib.figure.Figure`.
    """
    frames = model.interpolate(images_a, images_b, steps=steps)
    rows = len(frames)
    figure = Figure(figsize=(steps * 0.9, rows * 0.95 + (0.4 if title else 0)))
    axes = figure.subplots(rows, steps, squeeze=False)
    for row in range(rows):
        for column in range(steps):
            _show_image(axes[row, column], frames[row, column])
    if title:
        figure.suptitle(title)
    return figure


def plot_latent_traversals(
    vae, image=None, dims=None, values=np.linspace(-3, 3, 9), title=None
):
    """Varies one latent dimension at a time around a base code.

    Args:
        vae: a `VAE`.
        image: one image whose posterior mean is the base, or `None` for
            the prior mean (zeros).
        dims: list of latent dimensions to vary. Defaults to the first
            (up to) 8.
        values: values given to the varied dimension.
        title: str or None.

    Returns:
        A `matplotlib.figure.Figure`.
    """
    base = (
        np.zeros(vae.latent_dim, "float32")
        if image is None
        else vae.encode(np.asarray(image, "float32")[None])[0][0]
    )
    dims = list(range(min(8, vae.latent_dim))) if dims is None else list(dims)
    values = np.asarray(values, dtype="float32")
    z = np.repeat(base[None, None], len(dims), 0).repeat(len(values), 1)
    for row, dim in enumerate(dims):
        z[row, :, dim] = values
    frames = vae.decode(z.reshape(-1, vae.latent_dim))
    figure = Figure(figsize=(len(values) * 0.9, len(dims) * 0.95 + 0.4))
    axes = figure.subplots(len(dims), len(values), squeeze=False)
    for row in range(len(dims)):
        for column in range(len(values)):
            _show_image(axes[row, column], frames[row * len(values) + column])
        axes[row, 0].set_title(f"z[{dims[row]}]", loc="left", fontsize=7)
    figure.suptitle(
        title or f"latent traversals, values {values[0]:g} to {values[-1]:g}"
    )
    return figure


def _history_columns(history):
    if hasattr(history, "history"):
        return {k: list(map(float, v)) for k, v in history.history.items()}
    if isinstance(history, dict):
        return {k: list(map(float, v)) for k, v in history.items()}
    import csv

    with open(history, newline="") as handle:
        rows = list(csv.DictReader(handle))
    return {key: [float(row[key]) for row in rows] for key in (rows[0] if rows else [])}


def plot_training_curves(history, title=None):
    """Loss curves from a Keras `History`, a dict of lists, or a CSV file
    (such as the `history.csv` of `keras-vae train`).

    Returns:
        A `matplotlib.figure.Figure` with one panel per metric (`loss`,
        `reconstruction_loss`, `kl_loss`), training and validation.
    """
    columns = _history_columns(history)
    names = [
        name for name in ("loss", "reconstruction_loss", "kl_loss") if name in columns
    ]
    figure = Figure(figsize=(4.2 * max(1, len(names)), 3.4))
    axes = figure.subplots(1, max(1, len(names)), squeeze=False)[0]
    for axis, name in zip(axes, names):
        axis.plot(columns[name], label="train")
        if f"val_{name}" in columns:
            axis.plot(columns[f"val_{name}"], label="validation")
        axis.set_title(name)
        axis.set_xlabel("epoch")
        axis.set_ylabel("nats per example")
        axis.legend()
    if title:
        figure.suptitle(title)
    return figure
