"""Figures for lab 1, the coffee-roasting network, in the course's style.

Example:

>>> from mlscompanion.labs.coffee import experiment as coffee
>>> result = coffee.train_coffee(coffee.prepare_coffee(reps=20), epochs=3)
>>> plot_coffee_data(result.data.X, result.data.y)
>>> plot_coffee_units(result)      # what each layer1 unit computes
>>> plot_coffee_decision(result)   # the network's probability and decision
"""

import numpy as np

from mlscompanion.style import (
    dlblue,
    dldarkblue,
    dlmagenta,
    dlorange,
    dlpurple,
    grid_predict,
    new_figure,
    two_classes,
)

__all__ = ["plot_coffee_data", "plot_coffee_units", "plot_coffee_decision"]


def _ranges():
    from mlscompanion.labs.coffee.experiment import DURATION_RANGE, TEMPERATURE_RANGE

    return TEMPERATURE_RANGE, DURATION_RANGE


def _cmap(color, name):
    from matplotlib.colors import LinearSegmentedColormap

    return LinearSegmentedColormap.from_list(name, ["white", color])


def _check_xy(X, y):
    X = np.asarray(X, dtype="float64")
    y = np.asarray(y).reshape(-1)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(
            f"`X` must have shape (roasts, 2) (temperature, duration). Received "
            f"shape {X.shape}."
        )
    if y.shape[0] != X.shape[0]:
        raise ValueError(
            f"`y` must hold one label per roast: X has {X.shape[0]} rows, y has "
            f"{y.shape[0]} entries."
        )
    return X, y >= 0.5


def _roasts(ax, X, good, size=30, bad_color=dlblue):
    """The course's markers: good roasts as red crosses, bad ones as open blue circles."""
    two_classes(ax, X, good, ("Good Roast", "Bad Roast"), size=size,
                positive_size=size + 10, negative_color=bad_color)


def _roast_region(ax, fill=False):
    """The outline of the good-roast region (a triangle inside the data range)."""
    from mlscompanion.labs.coffee.experiment import GOOD_ROAST_CORNERS

    corners = np.vstack([GOOD_ROAST_CORNERS, GOOD_ROAST_CORNERS[:1]])
    if fill:
        ax.fill(corners[:, 0], corners[:, 1], color=dlpurple, alpha=0.08)
    ax.plot(corners[:, 0], corners[:, 1], color=dlpurple, lw=1.5,
            label="good-roast region")


def _frame(ax, title, fontsize="medium"):
    t_range, d_range = _ranges()
    ax.set_xlim(*t_range)
    ax.set_ylim(*d_range)
    ax.set_xlabel("Temperature \n(Celsius)")
    ax.set_ylabel("Duration \n(minutes)")
    ax.set_title(title, fontsize=fontsize)


def plot_coffee_data(X, y):
    """The 200 roasts with the good-roast region (175 < t < 260, 12 < d < 15,
    d <= -3/85 t + 21), like the lab's first figure."""
    X, good = _check_xy(X, y)
    fig, axes = new_figure(1, 1, width=5.0, height=4.0)
    ax = axes[0, 0]
    _roast_region(ax, fill=True)
    _roasts(ax, X, good)
    t = np.linspace(175, 260, 50)
    ax.plot(t, -3 / 85 * t + 21, ":", color=dlpurple, lw=1)
    ax.axhline(12, ls=":", color=dlpurple, lw=1)
    ax.axvline(175, ls=":", color=dlpurple, lw=1)
    _frame(ax, "Coffee Roasting")
    ax.legend(loc="upper right", fontsize="small")
    return fig


def plot_coffee_units(result, steps=100):
    """Each ``layer1`` unit's output over the (temperature, duration) plane.

    One panel per unit, shaded from 0 (white) to 1 (blue), with the unit's
    0.5 line (dashed orange), the good-roast region and the roasts; the
    title names the side that votes for a bad roast. Each panel is one
    vectorized ``grid_predict`` call on the trained weights.
    """
    from mlscompanion.labs.coffee.experiment import unit_outputs

    t_range, d_range = _ranges()
    n_units = result.W1.shape[1]
    fig, axes = new_figure(1, n_units, width=4.2, height=3.9)
    X, good = _check_xy(result.data.X, result.data.y)
    cmap = _cmap(dlblue, "dl_unit")
    for j in range(n_units):
        ax = axes[0, j]
        xx, yy, zz = grid_predict(
            lambda points, j=j: unit_outputs(result, points)[:, j],
            t_range, d_range, steps,
        )
        mesh = ax.pcolormesh(xx, yy, zz, cmap=cmap, vmin=0, vmax=1,
                             shading="auto", alpha=0.6)
        ax.contour(xx, yy, zz, levels=[0.5], colors=[dlorange], linestyles="--")
        _roast_region(ax)
        _roasts(ax, X, good, size=12, bad_color=dldarkblue)
        unit = result.units[j]
        short = unit.detects.split(" (")[0]
        bad_side = "white" if unit.output_weight > 0 else "blue"
        _frame(ax, f"Layer 1, unit {j + 1}\ndetects: {short}\n(weight into layer2 "
                   f"{unit.output_weight:+.1f}: the {bad_side} side votes bad)",
               fontsize="small")
        fig.colorbar(mesh, ax=ax, shrink=0.8)
    return fig


def plot_coffee_decision(result, steps=100):
    """The network's probability of a good roast (left) and its decision at
    threshold 0.5 (right), with the roasts it gets wrong circled."""
    from mlscompanion.labs.coffee.experiment import network_output

    t_range, d_range = _ranges()
    X, good = _check_xy(result.data.X, result.data.y)
    xx, yy, zz = grid_predict(lambda points: network_output(result, points),
                              t_range, d_range, steps)
    predicted = np.asarray(network_output(result, X)).reshape(-1) >= 0.5
    wrong = predicted != good
    fig, axes = new_figure(1, 2, width=4.8, height=3.8)
    ax = axes[0, 0]
    mesh = ax.pcolormesh(xx, yy, zz, cmap=_cmap(dlorange, "dl_prob"), vmin=0,
                         vmax=1, shading="auto")
    fig.colorbar(mesh, ax=ax, shrink=0.8)
    ax.contour(xx, yy, zz, levels=[0.5], colors=[dlpurple], linestyles="--")
    _roasts(ax, X, good, size=12)
    _frame(ax, "network probability of a good roast")
    ax = axes[0, 1]
    ax.contourf(xx, yy, (zz >= 0.5).astype(float), levels=[0.5, 1.5],
                colors=[dlorange], alpha=0.35)
    _roast_region(ax)
    _roasts(ax, X, good, size=12)
    if wrong.any():
        ax.scatter(X[wrong, 0], X[wrong, 1], s=140, facecolors="none",
                   edgecolors=dlmagenta, linewidth=1.5, label="wrong")
    _frame(ax, f"network decision (threshold 0.5): {int(wrong.sum())} of "
               f"{len(good)} wrong")
    ax.legend(loc="upper right", fontsize="x-small")
    return fig
