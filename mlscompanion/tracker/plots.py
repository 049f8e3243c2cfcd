"""Figures of a ``NeuronDifferentiation`` history."""

import numpy as np

from mlscompanion.style import dlcolors, new_figure

__all__ = ["plot_differentiation"]


def plot_differentiation(history, x="step", max_pairs=6, fig=None):
    """Distance between units (top) and effective width, per layer.

    For layers with few units each pair gets its own line; otherwise the
    min / mean / max pair distance (where recorded) and the RMS distance
    are drawn. When the tracker had a ``probe`` (records with a finite
    ``mean_abs_correlation``), a third row shows how correlated the units'
    outputs are: 1 means they all say the same thing.

    ``fig``: a Figure this function returned before; when it has the same
    panels it is redrawn in place (cheaper than a new one: the live view
    uses it), otherwise a new Figure is made.
    """
    if x not in ("step", "epoch"):
        raise ValueError(f"`x` must be 'step' or 'epoch'. Received: x={x!r}")
    layers = list(dict.fromkeys(rec["layer"] for rec in history))
    correlation = _has_correlation(history)
    shape = (3 if correlation else 2, max(len(layers), 1))
    if fig is not None and getattr(fig, "_mlscompanion_panels", None) == (shape, layers):
        axes = np.array(fig.axes).reshape(shape)
        for ax in axes.flat:  # keep the axes (costly to make), drop their lines
            for artist in list(ax.lines) + list(ax.texts):
                artist.remove()
            ax.relim()
    else:
        fig, axes = new_figure(*shape, width=4.2, height=2.8)
        fig._mlscompanion_panels = (shape, layers)
    if not layers:
        axes[0, 0].text(0.5, 0.5, "no records yet", ha="center", va="center")
        return fig
    for col, name in enumerate(layers):
        recs = [r for r in history if r["layer"] == name]
        t = np.array([r[x] for r in recs])
        _draw_distances(axes[0, col], name, t, recs, x, max_pairs)
        _draw_width(axes[1, col], name, t, recs, x)
        if correlation:
            _draw_correlation(axes[2, col], name, t, recs, x)
    return fig


def _draw_distances(ax, name, t, recs, x, max_pairs):
    """Each pair's distance (few units), else the min / mean / max / RMS pair distance."""
    pairs = [r.get("pair_distances") for r in recs]
    n_pairs = len(pairs[0]) if pairs and pairs[0] is not None else 0
    if 0 < n_pairs <= max_pairs and all(p is not None for p in pairs):
        units = recs[0]["units"]
        labels = [(i, j) for i in range(units) for j in range(i + 1, units)]
        values = np.array(pairs, dtype=float)
        for k, (i, j) in enumerate(labels):
            ax.plot(t, values[:, k], color=dlcolors[k % len(dlcolors)],
                    label=f"units {i + 1}-{j + 1}")
    else:
        for key, style in (("max_distance", ":"), ("mean_distance", "-"),
                           ("min_distance", "--"), ("rms_distance", "-.")):
            values = np.array([r.get(key, np.nan) for r in recs], dtype=float)
            shown = np.isfinite(values)  # wide layers: pair figures at epoch ends only
            if shown.any():
                ax.plot(t[shown], values[shown], style, label=key.split("_")[0])
    ax.set_title(f"{name}: distance between units")
    ax.set_xlabel(x)
    ax.set_ylabel("distance")
    ax.legend(fontsize="small")


def _draw_width(ax, name, t, recs, x):
    ax.step(t, [r["effective_width"] for r in recs], where="post",
            color=dlcolors[1])
    units = recs[0]["units"]
    ax.set_ylim(0, units + 0.5)
    ax.set_yticks(range(0, units + 1, max(1, units // 8)))
    ax.set_title(f"{name}: effective width (of {units})")
    ax.set_xlabel(x)


def _has_correlation(history):
    return any(np.isfinite(rec.get("mean_abs_correlation", np.nan)) for rec in history)


def _draw_correlation(ax, name, t, recs, x):
    """Mean |correlation| between the units' outputs on the probe."""
    values = np.array([r.get("mean_abs_correlation", np.nan) for r in recs], dtype=float)
    shown = np.isfinite(values)
    ax.plot(t[shown], values[shown], color=dlcolors[4], marker="." if shown.sum() < 30 else None)
    ax.set_ylim(0, 1.05)
    ax.set_title(f"{name}: activation correlation")
    ax.set_ylabel("mean |correlation|")
    ax.set_xlabel(x)
