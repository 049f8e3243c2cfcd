"""The course's colours and small figure helpers shared by every plot."""

import numpy as np

__all__ = [
    "dlblue",
    "dlorange",
    "dldarkred",
    "dlmagenta",
    "dlpurple",
    "dldarkblue",
    "dlc",
    "dlcolors",
    "new_figure",
    "grid_predict",
]

dlblue = "#0096ff"
dlorange = "#FF9300"
dldarkred = "#C00000"
dlmagenta = "#FF40FF"
dlpurple = "#7030A0"
dldarkblue = "#0D5BDC"
dlc = dict(
    dlblue=dlblue,
    dlorange=dlorange,
    dldarkred=dldarkred,
    dlmagenta=dlmagenta,
    dlpurple=dlpurple,
    dldarkblue=dldarkblue,
)
dlcolors = [dlblue, dlorange, dldarkred, dlmagenta, dlpurple, dldarkblue]


def new_figure(nrows=1, ncols=1, width=4.0, height=3.2, **kwargs):
    """A matplotlib Figure and axes (no pyplot state: safe headless and in tests)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width * ncols, height * nrows), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False, **kwargs)
    for ax in axes.flat:
        ax.set_prop_cycle(color=dlcolors)
    return fig, axes


def grid_predict(predict, x_range, y_range, steps=100):
    """Evaluate ``predict`` on a steps x steps grid with ONE vectorized call.

    Returns ``(xx, yy, zz)`` ready for ``contour``/``pcolormesh``; ``predict``
    receives an array of shape (steps*steps, 2) and returns one value (or one
    row) per point; only the first output column is kept.
    """
    from mlscompanion.datasets import grid_points

    points = grid_points(x_range, y_range, steps)
    shape = (steps, steps)
    out = np.asarray(predict(points)).reshape(points.shape[0], -1)[:, 0]
    return points[:, 0].reshape(shape), points[:, 1].reshape(shape), out.reshape(shape)
