import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.image import imread

from keras_vae import plotting


def is_png(path):
    return path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def rendered(figure):
    """The figure as an RGB array of floats in [0, 1], as Agg draws it."""
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[..., :3].astype("float32") / 255


def axis_centres(figure, pixels):
    """The RGB value at the centre of each axis that shows an image."""
    height = pixels.shape[0]
    values = []
    for axis in figure.axes:
        if not axis.images:
            continue
        box = axis.get_window_extent()
        x, y = int((box.x0 + box.x1) / 2), int((box.y0 + box.y1) / 2)
        values.append(pixels[height - 1 - y, x])
    return np.array(values)


def test_image_grid_draws_each_image_in_order(tmp_path):
    levels = np.linspace(0.0, 1.0, 10)
    grey = np.ones((10, 6, 5, 1)) * levels[:, None, None, None]
    figure = plotting.plot_image_grid(grey, columns=4, title="samples")
    assert isinstance(figure, Figure) and len(figure.axes) == 12
    pixels = rendered(figure)
    centres = axis_centres(figure, pixels)
    # Ten image axes, row by row, each showing its grey level (the two
    # spare axes of the last row show nothing).
    assert len(centres) == 10
    np.testing.assert_allclose(centres, np.repeat(levels[:, None], 3, 1), atol=2 / 255)
    path = plotting.save_figure(figure, tmp_path / "grid.png")
    assert is_png(path)
    # The PNG (cropped to its content) holds every grey level over an
    # image's worth of pixels.
    saved = imread(path)[..., :3]
    for level in levels:
        assert (np.abs(saved - level).max(axis=-1) <= 1 / 255).sum() > 400, level


def test_reconstructions_show_inputs_above_outputs(tmp_path):
    red = np.zeros((3, 6, 5, 3))
    red[..., 0] = 1.0
    blue = np.zeros((3, 6, 5, 3))
    blue[..., 2] = 1.0
    figure = plotting.plot_reconstructions(red, blue)
    assert len(figure.axes) == 6
    centres = axis_centres(figure, rendered(figure))
    tops = [a.get_window_extent().y0 for a in figure.axes]
    upper = np.array(tops) > np.median(tops)
    np.testing.assert_allclose(centres[upper], [[1, 0, 0]] * 3, atol=2 / 255)
    np.testing.assert_allclose(centres[~upper], [[0, 0, 1]] * 3, atol=2 / 255)
    assert is_png(plotting.save_figure(figure, tmp_path / "recon.png"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["recon.png"]
