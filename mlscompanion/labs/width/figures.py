"""Figures for lab 5 ("Multiple neurons per layer"): why several neurons per layer."""

import numpy as np

from mlscompanion.style import dlblue, dlcolors, dldarkred, new_figure

__all__ = [
    "plot_error_vs_width",
    "plot_width_fits",
    "plot_unit_contributions",
    "plot_unit_activations",
]


def plot_error_vs_width(sweep):
    """Approximation error (MSE on the grid) against the number of units, log-log.

    ``sweep`` is a ``WidthSweep`` from
    ``mlscompanion.labs.width.experiment.sweep_widths``.
    """
    fig, axes = new_figure(1, 1, width=4.8, height=3.4)
    ax = axes[0, 0]
    ax.plot(sweep.widths, sweep.mse, "o-", color=dlblue)
    for w, e in zip(sweep.widths, sweep.mse):
        ax.annotate(f"{e:.1e}", (w, e), textcoords="offset points", xytext=(4, 6),
                    fontsize="x-small")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xticks(sweep.widths, [str(w) for w in sweep.widths])
    ax.set_xlabel("units in the hidden layer")
    ax.set_ylabel("MSE on the grid")
    ax.set_title("approximation error vs width", fontsize="medium")
    return fig


def plot_width_fits(sweep, widths=None):
    """The target and the trained network's prediction, one panel per width."""
    fits = [f for f in sweep.fits if widths is None or f.width in widths]
    if not fits:
        raise ValueError(f"None of widths={widths!r} is in the sweep {sweep.widths}.")
    ncols = min(4, len(fits))
    nrows = -(-len(fits) // ncols)
    fig, axes = new_figure(nrows, ncols, width=3.0, height=2.5, sharey=True)
    x = sweep.x[:, 0]
    for ax, fit in zip(axes.flat, fits):
        ax.plot(x, sweep.y, "--", color=dldarkred, label="target")
        ax.plot(x, fit.prediction, color=dlblue, label="network")
        ax.set_title(f"{fit.width} unit{'s' if fit.width > 1 else ''}: MSE {fit.mse:.1e}",
                     fontsize="medium")
        ax.set_xlabel("x")
    for ax in list(axes.flat)[len(fits):]:
        ax.set_visible(False)
    axes[0, 0].legend(fontsize="small")
    return fig


def _by_centre(fit):
    return np.argsort(fit.centres)


def plot_unit_contributions(fit, x, y=None):
    """Each unit's contribution ``w2_i * sigmoid(w1_i x + b1_i)`` (thin lines),
    their sum plus the output bias (the prediction, thick) and the target.

    ``fit`` is a ``WidthFit``; ``x`` the grid (points, 1) or (points,).
    """
    from mlscompanion.labs.width.experiment import unit_contributions

    x = np.asarray(x, dtype="float64").reshape(-1)
    parts = unit_contributions(fit.weights, x)
    fig, axes = new_figure(1, 1, width=6.0, height=3.8)
    ax = axes[0, 0]
    for rank, i in enumerate(_by_centre(fit)):
        ax.plot(x, parts[:, i], lw=1.0, color=dlcolors[rank % len(dlcolors)], alpha=0.8,
                label="one unit's contribution" if rank == 0 else None)
    ax.plot(x, parts.sum(axis=1) + fit.bias2, color=dlblue, lw=3,
            label=f"sum + b2 = prediction (b2 = {fit.bias2:.2f})")
    if y is not None:
        ax.plot(x, np.asarray(y).reshape(-1), "--", color=dldarkred, lw=1.5, label="target")
    ax.set_xlabel("x")
    ax.set_ylabel("contribution to the output")
    ax.set_title(f"{fit.width} units: a sum of shifted, scaled sigmoids", fontsize="medium")
    ax.legend(fontsize="small", loc="best")
    return fig


def plot_unit_activations(fit, x):
    """Left: each unit's activation sigmoid(w1_i x + b1_i) with its centre
    marked. Right: the Pearson correlation between units' activations
    (units ordered by centre)."""
    from mlscompanion import similarity
    from mlscompanion.labs.width.experiment import hidden_activations

    x = np.asarray(x, dtype="float64").reshape(-1)
    order = _by_centre(fit)
    acts = hidden_activations(fit.weights, x)[:, order]
    centres = fit.centres[order]
    fig, axes = new_figure(1, 2, width=4.2, height=3.4)
    ax = axes[0, 0]
    for rank in range(acts.shape[1]):
        color = dlcolors[rank % len(dlcolors)]
        ax.plot(x, acts[:, rank], color=color, lw=1.2)
        if x.min() <= centres[rank] <= x.max():
            ax.axvline(centres[rank], color=color, lw=0.6, ls=":")
    ax.set_xlabel("x")
    ax.set_ylabel("activation")
    ax.set_title("each unit switches at its own place", fontsize="medium")
    ax = axes[0, 1]
    corr = similarity.activation_correlation(acts)
    image = ax.imshow(corr, vmin=-1, vmax=1, cmap="coolwarm")
    ax.set_title(f"activation correlation (mean |r| = {fit.mean_abs_correlation:.2f})",
                 fontsize="medium")
    ax.set_xlabel("unit (ordered by centre)")
    ax.set_ylabel("unit")
    fig.colorbar(image, ax=ax, shrink=0.8)
    return fig
