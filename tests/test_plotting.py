import numpy as np
from matplotlib.figure import Figure

from keras_vae import plotting


def is_png(path):
    return path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_image_grid_and_reconstructions_write_pngs(tmp_path):
    rng = np.random.default_rng(0)
    grey = rng.uniform(size=(10, 6, 5, 1))
    colour = rng.uniform(size=(3, 6, 5, 3))
    figure = plotting.plot_image_grid(grey, columns=4, title="samples")
    assert isinstance(figure, Figure) and len(figure.axes) == 12
    assert is_png(plotting.save_figure(figure, tmp_path / "grid.png"))
    figure = plotting.plot_reconstructions(colour, colour[::-1])
    assert len(figure.axes) == 6
    assert is_png(plotting.save_figure(figure, tmp_path / "recon.png"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["grid.png", "recon.png"]
