"""Figures for lab 3, zero and constant initialization (the DLS circles).

Example:

>>> from mlscompanion.labs.zero_init import experiment as zero_init
>>> runs = zero_init.run_initializations(iterations=300, records=10)
>>> plot_circles(*zero_init.load_dls_circles()[:2])
>>> plot_effective_width(runs)          # 1 for zeros and constant, full width otherwise
>>> plot_decision_boundaries(runs, *zero_init.load_dls_circles()[:2])
"""

import numpy as np

from mlscompanion.style import (
    dlblue,
    dldarkblue,
    dldarkred,
    dlmagenta,
    dlorange,
    dlpurple,
    grid_predict,
    new_figure,
    square_frame,
    two_classes,
)

__all__ = ["INIT_COLORS", "plot_circles", "plot_cost", "plot_effective_width",
           "plot_decision_boundaries"]

#: One course colour per initialization.
INIT_COLORS = {"zeros": dldarkred, "constant": dlorange, "large_random": dlpurple,
               "he": dlblue}

_RANGE = (-1.5, 1.5)


def _check_runs(runs):
    if not isinstance(runs, dict) or not runs:
        raise ValueError(
            "`runs` must be the non-empty dict {init: InitRun} returned by "
            f"zero_init.run_initializations. Received: {type(runs).__name__}"
        )
    return runs


def _points(ax, X, y):
    two_classes(ax, X, y, ("y=1 (inner)", "y=0 (outer)"), size=18)
    square_frame(ax, _RANGE)


def plot_circles(X, y):
    """The training circles: inner circle (y=1) as red crosses, outer as blue circles."""
    fig, axes = new_figure(1, 1, width=4.2, height=4.0)
    _points(axes[0, 0], X, y)
    axes[0, 0].set_title(f"{len(X)} points on two circles")
    axes[0, 0].legend(fontsize="small", loc="upper right")
    return fig


def plot_cost(runs):
    """Training cost against gradient steps, one line per initialization."""
    _check_runs(runs)
    fig, axes = new_figure(1, 1, width=5.0, height=3.4)
    ax = axes[0, 0]
    for init, run in runs.items():
        ax.plot(run.iterations, run.cost, color=INIT_COLORS.get(init, dldarkblue),
                label=run.label)
    ax.axhline(np.log(2), color="gray", ls=":", lw=1, label="ln 2 (always 0.5)")
    ax.set_yscale("log")
    ax.set_xlabel("gradient steps")
    ax.set_ylabel("cost")
    ax.set_title("cost during training")
    ax.legend(fontsize="small")
    return fig


def plot_effective_width(runs):
    """Effective width (number of distinct units) of each hidden layer over training."""
    _check_runs(runs)
    layers = list(next(iter(runs.values())).effective_width)
    fig, axes = new_figure(1, len(layers), width=4.3, height=3.2)
    for ax, layer in zip(axes[0], layers):
        units = 1
        for index, (init, run) in enumerate(runs.items()):
            width = np.asarray(run.effective_width[layer], dtype=float)
            units = max(units, int(np.nanmax(width)))
            # wide pale lines under thin dashed ones keep equal curves visible
            style = dict(lw=5, alpha=0.45) if index % 2 == 0 else dict(lw=2, ls="--")
            ax.step(run.iterations, width, where="post",
                    color=INIT_COLORS.get(init, dldarkblue), label=run.label, **style)
        ax.set_ylim(0, units + 1)
        ax.set_title(f"{layer}: distinct units")
        ax.set_xlabel("gradient steps")
        ax.set_ylabel("effective width")
        ax.legend(fontsize="x-small", loc="center right")
    return fig


def plot_decision_boundaries(runs, X, y, steps=200):
    """Each trained network's decision (probability > 0.5 shaded) over the data."""
    from matplotlib.colors import ListedColormap

    _check_runs(runs)
    fig, axes = new_figure(1, len(runs), width=3.4, height=3.5)
    for ax, (init, run) in zip(axes[0], runs.items()):
        if run.model is None:
            raise ValueError(f"The run {init!r} holds no model to evaluate.")
        xx, yy, zz = grid_predict(lambda p: run.model(p), _RANGE, _RANGE, steps)
        ax.contourf(xx, yy, zz > 0.5, levels=[-0.5, 0.5, 1.5],
                    cmap=ListedColormap([dlblue, dldarkred]), alpha=0.15)
        ax.contour(xx, yy, zz, levels=[0.5], colors=[dlmagenta], linewidths=1.5)
        _points(ax, X, y)
        ax.set_title(f"{run.label}\ntrain {run.train_accuracy:.1f}%, "
                     f"test {run.test_accuracy:.1f}%", fontsize="small")
    return fig
