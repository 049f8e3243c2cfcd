"""The unit maps drawn in TensorFlow Playground's layout.

Example:

>>> maps = unit_maps(model, X, y, feature_names=("temperature (°C)", "duration (min)"))
>>> fig = plot_unit_maps(maps)
>>> fig.savefig("maps.png")

Left to right: the two input features, one column of tiles per layer (each
tile one unit's output over the plane), and the model output's map with the
data on it. Colours are Playground's: orange ``#f59322`` (-1) through grey
``#e8eaeb`` (0) to blue ``#0877bd`` (+1), in 30 shades. A ``sigmoid`` (or
``hard_sigmoid``) output is shown as ``2·v - 1``, so 0 is orange, 0.5 grey
and 1 blue; any other output (tanh, linear, ReLU) is shown as is, clipped to
[-1, 1]. The input tiles go from orange at the plane's low edge to blue at
its high edge.

Links join the tiles as in Playground: width ``1 + 9·min(|w|, 5)/5`` pixels,
coloured by the weight on the same scale (orange negative, blue positive).
A layer without a kernel whose units match the column before is linked one
to one in grey. Each unit's bias is the small square at its tile's lower
left. Marks under a tile: ``tied a`` (units with identical weights share a
letter; purple frame), ``dead`` and ``saturated`` (dark red frame).
"""

import numpy as np

from mlscompanion.style import figure_class

# The course's dark red and purple (``mlscompanion.plotting.style``), for the marks.
dldarkred, dlpurple = "#C00000", "#7030A0"

__all__ = ["plot_unit_maps", "animate_unit_maps", "PLAYGROUND_COLORS", "playground_cmap", "display_values",
           "figure_png"]

PLAYGROUND_COLORS = ("#f59322", "#e8eaeb", "#0877bd")
_SIGMOID_LIKE = ("sigmoid", "hard_sigmoid")
_DPI = 100
# Layout, in inches.
_TILE, _VGAP, _HGAP, _HEAD, _FOOT, _BIG = 0.62, 0.3, 0.95, 0.75, 0.9, 2.9


def playground_cmap():
    """Playground's diverging colour map: orange, grey, blue, 30 shades."""
    from matplotlib.colors import LinearSegmentedColormap

    return LinearSegmentedColormap.from_list("playground", PLAYGROUND_COLORS, N=30)


def display_values(values, activation):
    """Values on the colour scale [-1, 1]: ``2v - 1`` for sigmoid, else clipped."""
    values = np.asarray(values, dtype="float64")
    if activation in _SIGMOID_LIKE:
        values = 2.0 * values - 1.0
    return np.clip(values, -1.0, 1.0)


def _link_width(weight):
    return (1.0 + 9.0 * min(abs(float(weight)), 5.0) / 5.0) * 72.0 / _DPI  # px -> points


def _curve(ax, start, end, color, width):
    from matplotlib.patches import PathPatch
    from matplotlib.path import Path

    (x0, y0), (x1, y1) = start, end
    mid = (x0 + x1) / 2.0
    path = Path([(x0, y0), (mid, y0), (mid, y1), (x1, y1)],
                [Path.MOVETO, Path.CURVE4, Path.CURVE4, Path.CURVE4])
    ax.add_patch(PathPatch(path, facecolor="none", edgecolor=color, linewidth=width,
                           alpha=0.8, capstyle="butt"))


class _Layout:
    """Where each tile lies, in inches from the figure's lower left."""

    def __init__(self, counts, max_units):
        self.shown = [min(n, max_units) for n in counts]
        column = max(self.shown) * (_TILE + _VGAP)
        self.height = _HEAD + max(column, _BIG + 0.6) + _FOOT
        self.big_left = 0.5 + len(counts) * (_TILE + _HGAP) + 0.55
        self.width = self.big_left + _BIG + 0.35
        top = self.height - _HEAD
        self.tiles = []
        for c, shown in enumerate(self.shown):
            left = 0.5 + c * (_TILE + _HGAP)
            offset = (column - shown * (_TILE + _VGAP)) / 2.0
            self.tiles.append([(left, top - offset - (k + 1) * (_TILE + _VGAP) + _VGAP)
                               for k in range(shown)])
        self.big_bottom = top - (column + _BIG) / 2.0 if column > _BIG + 0.6 else top - _BIG - 0.2

    def axes(self, fig, left, bottom, size):
        return fig.add_axes([left / self.width, bottom / self.height,
                             size / self.width, size / self.height])


def _tile(fig, layout, where, image, extent, cmap):
    ax = layout.axes(fig, where[0], where[1], _TILE)
    ax.imshow(image, origin="lower", extent=extent, cmap=cmap, vmin=-1, vmax=1,
              aspect="auto", interpolation="bilinear")
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_color("#9aa0a6")
        spine.set_linewidth(0.6)
    return ax


def _mark(ax, bg, where, labels, color):
    for spine in ax.spines.values():
        spine.set_color(color)
        spine.set_linewidth(2.0)
    bg.text(where[0] + _TILE / 2, where[1] - 0.04, " · ".join(labels), ha="center", va="top",
            fontsize=6.5, color=color)


def _links(bg, cmap, layout, c, kernel, rows):
    """Links from column ``c - 1`` to column ``c``: ``kernel[rows[a], b]``."""
    for a, (x0, y0) in enumerate(layout.tiles[c - 1]):
        for b, (x1, y1) in enumerate(layout.tiles[c]):
            if kernel is None:
                if a != b:
                    continue
                color, width = "#b0b4b8", _link_width(0.0)
            else:
                weight = kernel[rows[a], b]
                color, width = cmap((np.clip(weight, -1, 1) + 1) / 2), _link_width(weight)
            _curve(bg, (x0 + _TILE, y0 + _TILE / 2), (x1, y1 + _TILE / 2), color, width)


def plot_unit_maps(maps, max_units=12, title=None):
    """A matplotlib ``Figure`` of ``maps`` (a ``UnitMaps``) in Playground's layout.

    Example:

    >>> plot_unit_maps(unit_maps(model, X, y)).savefig("maps.png")

    Args:
        maps: what ``unit_maps`` (or ``tracker.unit_maps``) computed.
        max_units: tiles drawn per layer; wider layers show their first
            ``max_units`` units and say how many more there are.
        title: the figure's title (default: says the step).
    """
    if type(max_units) is not int or max_units < 1:
        raise ValueError(f"`max_units` must be a positive int. Received: max_units={max_units!r}")
    cmap = playground_cmap()
    counts = [2] + [m.units for m in maps.layers]
    layout = _Layout(counts, max_units)
    fig = figure_class()(figsize=(layout.width, layout.height), dpi=_DPI)
    bg = fig.add_axes([0, 0, 1, 1], zorder=-1)
    bg.set_xlim(0, layout.width)
    bg.set_ylim(0, layout.height)
    bg.set_axis_off()
    (xs, ys) = maps.axes
    extent = (xs[0], xs[-1], ys[0], ys[-1])
    top = layout.height - _HEAD + 0.12
    _input_column(fig, bg, layout, maps, extent, cmap, top)
    for c, layer in enumerate(maps.layers, start=1):
        _layer_column(fig, bg, layout, c, layer, extent, cmap, top)
        _layer_links(bg, cmap, layout, c, layer, maps, counts[c - 1])
    _output_map(fig, bg, layout, maps, cmap)
    _footer(fig, bg, layout, maps, cmap)
    step = "" if maps.step is None else f" at step {maps.step}"
    fig.suptitle(title or f"Every unit over ({maps.feature_names[0]}, "
                 f"{maps.feature_names[1]}){step}", x=0.02, y=0.995, ha="left", va="top",
                 fontsize=10)
    return fig


def _input_column(fig, bg, layout, maps, extent, cmap, top):
    """The two input tiles: each feature over the grid."""
    (xs, ys) = maps.axes
    xx, yy = np.meshgrid(np.linspace(-1, 1, len(xs)), np.linspace(-1, 1, len(ys)))
    bg.text(layout.tiles[0][0][0] + _TILE / 2, top, "inputs", ha="center", fontsize=8.5,
            weight="bold")
    for where, image, name in zip(layout.tiles[0], (xx, yy), maps.feature_names):
        _tile(fig, layout, where, image, extent, cmap)
        bg.text(where[0] + _TILE / 2, where[1] - 0.04, name, ha="center", va="top", fontsize=6.5)


def _layer_column(fig, bg, layout, c, layer, extent, cmap, top):
    """Column ``c``: the layer's heading, its unit tiles with their marks, and how many more."""
    from matplotlib.patches import Rectangle

    letters = "abcdefghijklmnopqrstuvwxyz"
    x_mid = layout.tiles[c][0][0] + _TILE / 2
    bg.text(x_mid, top + 0.18, layer.name, ha="center", fontsize=8.5, weight="bold")
    bg.text(x_mid, top, f"{layer.units} × {layer.activation}", ha="center", fontsize=7)
    tied = {u: letters[g % 26] for g, group in enumerate(layer.tied) for u in group}
    for u, where in enumerate(layout.tiles[c]):
        ax = _tile(fig, layout, where, display_values(layer.tiles[u], layer.activation),
                   extent, cmap)
        labels = ([f"tied {tied[u]}"] if u in tied else []) + \
                 (["dead"] if layer.dead[u] else []) + (["saturated"] if layer.saturated[u] else [])
        if labels:
            bad = layer.dead[u] or layer.saturated[u]
            _mark(ax, bg, where, labels, dldarkred if bad else dlpurple)
        if layer.bias is not None:
            value = (np.clip(layer.bias[u], -1, 1) + 1) / 2
            bg.add_patch(Rectangle((where[0] - 0.13, where[1]), 0.1, 0.1,
                                   facecolor=cmap(value), edgecolor="#555555", linewidth=0.5))
    if layer.units > layout.shown[c]:
        last = layout.tiles[c][-1]
        hidden = slice(layout.shown[c], None)
        marks = [f"{int(k.sum())} {word}" for k, word in
                 ((layer.dead[hidden], "dead"), (layer.saturated[hidden], "saturated")) if k.any()]
        more = f"+{layer.units - layout.shown[c]} more" + (f"\n({', '.join(marks)})" if marks else "")
        u = layout.shown[c] - 1  # below the last tile's marks, if it has any
        drop = 0.2 if u in tied or layer.dead[u] or layer.saturated[u] else 0.06
        bg.text(x_mid, last[1] - drop, more, ha="center", va="top", fontsize=7)


def _layer_links(bg, cmap, layout, c, layer, maps, previous):
    """The links into column ``c`` from the column before it (``previous`` units)."""
    if layer.kernel is not None:
        if c == 1 and layer.kernel.shape[0] == len(maps.point):
            _links(bg, cmap, layout, c, layer.kernel, list(maps.features))
        elif c > 1 and layer.kernel.shape[0] == previous:
            _links(bg, cmap, layout, c, layer.kernel, list(range(previous)))
    elif c > 1 and layer.units == previous:
        _links(bg, cmap, layout, c, None, None)


def _output_map(fig, bg, layout, maps, cmap):
    xs, ys = maps.output_axes
    ax = layout.axes(fig, layout.big_left, layout.big_bottom, _BIG)
    values = display_values(maps.output[0], maps.output_activation)
    ax.imshow(values, origin="lower", extent=(xs[0], xs[-1], ys[0], ys[-1]), cmap=cmap,
              vmin=-1, vmax=1, aspect="auto", interpolation="bilinear")
    if maps.output_activation in _SIGMOID_LIKE or maps.output_activation == "tanh":
        level = 0.5 if maps.output_activation in _SIGMOID_LIKE else 0.0
        if maps.output[0].min() < level < maps.output[0].max():
            ax.contour(xs, ys, maps.output[0], levels=[level], colors="#333333", linewidths=0.8)
    if maps.y is None:
        ax.scatter(maps.x[:, 0], maps.x[:, 1], s=10, c="#333333", linewidths=0)
    else:
        colors = np.where(maps.y >= 0.5, PLAYGROUND_COLORS[2], PLAYGROUND_COLORS[0])
        ax.scatter(maps.x[:, 0], maps.x[:, 1], s=14, c=colors, edgecolors="#333333",
                   linewidths=0.5)
    ax.set_xlim(xs[0], xs[-1])
    ax.set_ylim(ys[0], ys[-1])
    ax.set_xlabel(maps.feature_names[0], fontsize=8)
    ax.set_ylabel(maps.feature_names[1], fontsize=8)
    ax.tick_params(labelsize=7)
    ax.set_title("output", fontsize=8.5, weight="bold")
    last = layout.tiles[-1]
    if len(last) == maps.output.shape[0] == 1:
        _curve(bg, (last[0][0] + _TILE, last[0][1] + _TILE / 2),
               (layout.big_left - 0.5, layout.big_bottom + _BIG / 2), "#b0b4b8", 1.0)


def _footer(fig, bg, layout, maps, cmap):
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Normalize

    cax = fig.add_axes([0.5 / layout.width, 0.3 / layout.height, 1.6 / layout.width,
                        0.1 / layout.height])
    bar = fig.colorbar(ScalarMappable(Normalize(-1, 1), cmap), cax=cax, orientation="horizontal")
    bar.set_ticks([-1, 0, 1], labels=["-1\nsigmoid 0", "0\n0.5", "1\n1"])
    bar.ax.tick_params(labelsize=6)
    bar.ax.set_title("unit output (tanh, linear, ReLU: clipped)", fontsize=6.5)
    held = [f"x{k} = {v:.3g}" for k, v in enumerate(maps.point) if k not in maps.features]
    note = "bias: square at lower left; link width and colour: the weight"
    if held:
        shown = ", ".join(held[:6]) + (" ..." if len(held) > 6 else "")
        note += f"\nheld: {shown}"
    bg.text(2.4, 0.45, note, fontsize=6.5, va="top", color="#444444")


def animate_unit_maps(maps_list, path, fps=2, max_frames=60, dpi=72, **kwargs):
    """Write a GIF of ``plot_unit_maps`` over training; returns ``path``.

    ``maps_list``: ``UnitMaps`` oldest first (at most ``max_frames``, evenly
    spread, are drawn). Each frame is the whole figure, drawn with Pillow.

    Example:

    >>> animate_unit_maps([maps_0, maps_1, maps_2], "maps.gif")
    """
    import os

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image

    for value, name in ((fps, "fps"), (max_frames, "max_frames"), (dpi, "dpi")):
        if type(value) is not int or value < 1:
            raise ValueError(f"`{name}` must be a positive int. Received: {name}={value!r}")
    if not isinstance(path, (str, os.PathLike)):
        raise ValueError(f"`path` must be a file path. Received: path={path!r}")
    maps_list = list(maps_list)
    if not maps_list:
        raise ValueError("`maps_list` is empty: no unit maps were recorded.")
    if len(maps_list) > max_frames:
        keep = np.unique(np.linspace(0, len(maps_list) - 1, max_frames).round().astype(int))
        maps_list = [maps_list[i] for i in keep]
    frames = []
    for maps in maps_list:
        fig = plot_unit_maps(maps, **kwargs)
        fig.set_dpi(dpi)
        canvas = FigureCanvasAgg(fig)
        canvas.draw()
        frames.append(Image.fromarray(np.asarray(canvas.buffer_rgba())).convert("RGB"))
    directory = os.path.dirname(os.fspath(path))
    if directory:
        os.makedirs(directory, exist_ok=True)
    frames[0].save(os.fspath(path), save_all=True, append_images=frames[1:],
                   duration=int(1000 / fps), loop=0)
    return path


def figure_png(maps, dpi=72, **kwargs):
    """``(png_bytes, (width, height))``: the figure of ``maps`` as a PNG image.

    Example:

    >>> png, (width, height) = figure_png(unit_maps(model, X, y))
    """
    import io
    import struct

    fig = plot_unit_maps(maps, **kwargs)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    png = buffer.getvalue()
    width, height = struct.unpack(">II", png[16:24])  # the PNG header's IHDR chunk
    return png, (width, height)
