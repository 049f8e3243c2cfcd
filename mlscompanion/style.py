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
    "figure_class",
    "grid_predict",
    "two_classes",
    "square_frame",
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


_PICTURE = []


def figure_class():
    """matplotlib's ``Figure`` that shows itself as a picture in Jupyter.

    Example:

    >>> fig = figure_class()(figsize=(4, 3))
    >>> fig    # the last line of a notebook cell: the picture, not "<Figure ...>"

    A plain ``Figure`` made without pyplot shows only its text form in a
    kernel where ``%matplotlib inline`` was not run; this one has
    ``_repr_png_``, so IPython's display formatter shows it as a PNG there
    too (and where ``%matplotlib inline`` runs, IPython's own formatter for
    figures shows it, once).
    """
    if not _PICTURE:
        import io

        from matplotlib.figure import Figure

        class Picture(Figure):
            """A ``Figure`` with a PNG for IPython's display (see ``figure_class``)."""

            def _repr_png_(self):
                buffer = io.BytesIO()
                self.savefig(buffer, format="png", bbox_inches="tight")
                return buffer.getvalue()

        Picture.__module__, Picture.__qualname__ = __name__, "Picture"
        globals()["Picture"] = Picture  # found by name, so figures pickle
        _PICTURE.append(Picture)
    return _PICTURE[0]


def new_figure(nrows=1, ncols=1, width=4.0, height=3.2, **kwargs):
    """A matplotlib Figure and axes (no pyplot state: safe headless and in tests).

    The figure shows itself as a picture in Jupyter (see ``figure_class``).
    """
    fig = figure_class()(figsize=(width * ncols, height * nrows), layout="constrained")
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


def two_classes(ax, X, y, labels=("y=1", "y=0"), size=20, positive_size=None,
                negative_color=dlblue, linewidth=1):
    """Scatter 2-D points of two classes the course's way: ``y`` true as dark
    red crosses, false as open circles. ``X``: (n, 2); ``y``: n labels
    (> 0.5 counts as true); ``positive_size`` defaults to ``size + 4``.
    Returns the boolean labels; raises ValueError naming the shapes."""
    X = np.asarray(X, dtype="float64")
    positive = np.asarray(y).reshape(-1) > 0.5
    if X.ndim != 2 or X.shape[1] != 2 or X.shape[0] != positive.shape[0]:
        raise ValueError(
            f"`X` must have shape (n, 2) and `y` n labels; got X {X.shape}, y {positive.shape}."
        )
    ax.scatter(X[positive, 0], X[positive, 1], s=size + 4 if positive_size is None else positive_size, marker="x", c=dldarkred,
               label=labels[0])
    ax.scatter(X[~positive, 0], X[~positive, 1], s=size, marker="o", facecolors="none",
               edgecolors=negative_color, linewidth=linewidth, label=labels[1])
    return positive


def square_frame(ax, plot_range, xlabel="$x_1$", ylabel="$x_2$"):
    """Equal-aspect axes over ``plot_range`` x ``plot_range``, labelled."""
    ax.set_xlim(*plot_range)
    ax.set_ylim(*plot_range)
    ax.set_aspect("equal")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
