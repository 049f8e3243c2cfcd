"""Pictures of the units themselves: the distance between every pair of units.

Example:

>>> fig = plot_units(tracker.history)                # start, middle, end
>>> animate_units(tracker.history, "units.gif")      # the whole run, as a GIF

A ``NeuronDifferentiation`` record keeps each pair's distance
(``pair_distances``, pairs (1,2), (1,3), ..., (2,3)) for layers of at most
``pair_limit`` units; these functions draw it back as a units x units matrix:
a white cell is a pair of identical units, a dark one a pair far apart.
"""

import math
import numbers
import os

import numpy as np

from mlscompanion.style import dlblue, dldarkblue, dldarkred, new_figure

__all__ = ["distance_matrix", "plot_units", "animate_units"]

# White (identical units) through the course blue to its dark blue (far apart).
_CMAP_COLOURS = ("#ffffff", dlblue, dldarkblue)
# Write each distance in its cell for layers up to this many units.
_ANNOTATE_UNITS = 6


def _cmap():
    from matplotlib.colors import LinearSegmentedColormap

    return LinearSegmentedColormap.from_list("mlscompanion_units", _CMAP_COLOURS)


def distance_matrix(record):
    """The units x units matrix of pair distances of one record (0 on the diagonal).

    Example:

    >>> distance_matrix({"pair_distances": [1.0, 2.0, 3.0]})
    array([[0., 1., 2.],
           [1., 0., 3.],
           [2., 3., 0.]])
    """
    pairs = np.asarray(record["pair_distances"], dtype="float64")
    # n (n - 1) / 2 pairs: solve for n
    units = int(round((1 + math.sqrt(1 + 8 * len(pairs))) / 2))
    if units * (units - 1) // 2 != len(pairs):
        raise ValueError(
            f"`pair_distances` must hold n(n-1)/2 distances; got {len(pairs)}."
        )
    matrix = np.zeros((units, units))
    rows, cols = np.triu_indices(units, k=1)
    matrix[rows, cols] = pairs
    matrix[cols, rows] = pairs
    return matrix


def _layer_records(history, layer):
    """The layer's name and its records that hold every pair's distance."""
    layers = list(dict.fromkeys(r["layer"] for r in history))
    if not layers:
        raise ValueError("The history is empty: train with the tracker first.")
    if layer is None:
        with_pairs = [name for name in layers
                      if any(r["layer"] == name and r.get("pair_distances") is not None
                             for r in history)]
        layer = (with_pairs or layers)[0]
    elif layer not in layers:
        raise ValueError(f"`layer` must be one of the tracked layers {layers}. "
                         f"Received: layer={layer!r}")
    records = [r for r in history
               if r["layer"] == layer and r.get("pair_distances") is not None]
    if not records:
        units = next(r["units"] for r in history if r["layer"] == layer)
        raise ValueError(
            f"Layer {layer!r} has {units} units and no record of each pair's "
            "distance: they are kept only for layers of at most `pair_limit` "
            "units (32 by default). Track it with "
            f"NeuronDifferentiation(pair_limit={units}), or with max_units=32 "
            "to picture a sample of its units."
        )
    return layer, records


def _chosen(records, steps):
    """The records nearest to ``steps`` (default: first, middle and last)."""
    if steps is None:
        picks = sorted({0, len(records) // 2, len(records) - 1})
        return [records[i] for i in picks]
    if isinstance(steps, numbers.Integral):
        steps = [steps]
    steps = list(steps)
    if not steps or not all(isinstance(s, numbers.Integral) and not isinstance(s, bool)
                            for s in steps):
        raise ValueError(f"`steps` must be a list of step numbers (ints). Received: steps={steps!r}")
    recorded = np.array([r["step"] for r in records])
    return [records[int(np.argmin(np.abs(recorded - step)))] for step in steps]


def _label(layer, record):
    sampled = record.get("sampled_units", record["units"])
    of = f"{sampled} of {record['units']} units" if sampled < record["units"] else ""
    width = record["effective_width"]
    return (f"step {record['step']} (epoch {record['epoch']})\n"
            f"effective width {width} of {sampled}" + (f", {of}" if of else ""))


def _draw_matrix(ax, matrix, vmax, annotate):
    image = ax.imshow(matrix, cmap=_cmap(), vmin=0.0, vmax=vmax)
    units = matrix.shape[0]
    ticks = range(0, units, max(1, units // 8))
    ax.set_xticks(list(ticks), [str(i + 1) for i in ticks])
    ax.set_yticks(list(ticks), [str(i + 1) for i in ticks])
    ax.set_xlabel("unit")
    ax.set_ylabel("unit")
    texts = []
    if annotate:
        for i in range(units):
            for j in range(units):
                value = matrix[i, j]
                colour = "white" if value > 0.6 * vmax else dldarkred
                texts.append(ax.text(j, i, f"{value:.3g}", ha="center", va="center",
                                     fontsize="small", color=colour))
    return image, texts


def plot_units(history, layer=None, steps=None):
    """Heatmaps of the distance between every pair of a layer's units.

    One panel per chosen step (default: the first, middle and last record),
    on one colour scale: white is a pair of identical units, dark blue a
    pair far apart. Returns a matplotlib ``Figure``.

    Example:

    >>> plot_units(tracker.history, layer="layer1", steps=[0, 500, 1000])

    Args:
        history: a tracker's records (``tracker.history`` or ``read_csv``).
        layer: the layer's name; default: the first with pair distances.
        steps: optimizer steps to show; each panel shows the record nearest
            to its step.
    """
    layer, records = _layer_records(history, layer)
    chosen = _chosen(records, steps)
    matrices = [distance_matrix(r) for r in chosen]
    vmax = max(float(np.nanmax(m)) for m in matrices) or 1.0
    annotate = matrices[0].shape[0] <= _ANNOTATE_UNITS
    fig, axes = new_figure(1, len(chosen), width=3.2, height=3.1)
    for ax, record, matrix in zip(axes[0], chosen, matrices):
        image, _ = _draw_matrix(ax, matrix, vmax, annotate)
        ax.set_title(_label(layer, record), fontsize="medium")
    fig.colorbar(image, ax=list(axes[0]), shrink=0.8, label="distance between units")
    fig.suptitle(f"{layer}: which units are different, and when")
    return fig


def animate_units(history, path, layer=None, fps=4, max_frames=60, dpi=72):
    """Write a GIF of the pair-distance matrix of a layer over training.

    Uses matplotlib's ``PillowWriter`` (Pillow comes with matplotlib). At most
    ``max_frames`` records, evenly spread, are drawn, so the file stays small
    enough to post on a forum. Returns ``path``.

    Example:

    >>> animate_units(tracker.history, "layer1.gif", layer="layer1")
    """
    from matplotlib.animation import PillowWriter

    for value, name in ((fps, "fps"), (max_frames, "max_frames"), (dpi, "dpi")):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
            raise ValueError(f"`{name}` must be a positive int. Received: {name}={value!r}")
    if not isinstance(path, (str, os.PathLike)):
        raise ValueError(f"`path` must be a file path. Received: path={path!r}")
    layer, records = _layer_records(history, layer)
    if len(records) > max_frames:
        keep = np.unique(np.linspace(0, len(records) - 1, max_frames).round().astype(int))
        records = [records[i] for i in keep]
    matrices = [distance_matrix(r) for r in records]
    vmax = max(float(np.nanmax(m)) for m in matrices) or 1.0
    annotate = matrices[0].shape[0] <= _ANNOTATE_UNITS
    fig, axes = new_figure(1, 1, width=3.6, height=3.3)
    ax = axes[0, 0]
    image, texts = _draw_matrix(ax, matrices[0], vmax, annotate)
    fig.colorbar(image, ax=ax, shrink=0.8, label="distance")
    title = ax.set_title("", fontsize="medium")
    directory = os.path.dirname(os.fspath(path))
    if directory:
        os.makedirs(directory, exist_ok=True)
    title.set_text(f"{layer}: " + _label(layer, records[0]))
    fig.canvas.draw()  # lay the figure out once, then keep it still frame to frame
    fig.set_layout_engine("none")
    writer = PillowWriter(fps=fps)
    with writer.saving(fig, os.fspath(path), dpi=dpi):
        for record, matrix in zip(records, matrices):
            image.set_data(matrix)
            for text, value in zip(texts, matrix.ravel()):
                text.set_text(f"{value:.3g}")
                text.set_color("white" if value > 0.6 * vmax else dldarkred)
            title.set_text(f"{layer}: " + _label(layer, record))
            writer.grab_frame()
    return path
