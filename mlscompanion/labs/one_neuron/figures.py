"""Figures for lab 4, one neuron per layer (width-1 chains vs a one-neuron ResNet).

Example:

>>> from mlscompanion.labs import one_neuron
>>> result = one_neuron.run_disc(depths=(1, 8), steps=200)
>>> plot_disc_regions(result)        # every chain: a half-plane; the ResNet: a blob
>>> plot_output_along_w(result)      # each chain's output is monotone in z = w.x + b
>>> plot_depth_sweep(result)
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

__all__ = [
    "ACTIVATION_COLORS",
    "plot_disc_data",
    "plot_disc_regions",
    "plot_output_along_w",
    "plot_depth_sweep",
    "plot_regression",
]

#: One course colour per hidden activation (and for the reference models).
ACTIVATION_COLORS = {"sigmoid": dlorange, "tanh": dlblue, "relu": dlpurple,
                     None: dldarkblue, "resnet": dldarkred}


def _check_disc_result(result):
    if not hasattr(result, "models") or not hasattr(result, "radius"):
        raise ValueError(
            "`result` must be the DiscResult returned by one_neuron.run_disc. "
            f"Received: {type(result).__name__}"
        )
    return result


def _disc_outline(ax, radius):
    t = np.linspace(0, 2 * np.pi, 200)
    ax.plot(radius * np.cos(t), radius * np.sin(t), color=dlmagenta, lw=1.5, ls="--")


def plot_disc_data(X, y, radius, plot_range=(-1.2, 1.2)):
    """The disc task: inside (y=1) red crosses, outside blue circles, the disc dashed."""
    fig, axes = new_figure(1, 1, width=4.2, height=4.0)
    ax = axes[0, 0]
    inside = two_classes(ax, X, y, ("inside (y=1)", "outside (y=0)"), size=10,
                          positive_size=12, linewidth=0.8)
    _disc_outline(ax, radius)
    square_frame(ax, plot_range)
    ax.set_title(f"{len(inside)} points, {100 * inside.mean():.0f}% inside the disc")
    ax.legend(fontsize="small", loc="upper right")
    return fig


def plot_disc_regions(result, names=None, steps=150):
    """Decision region (probability > 0.5 shaded red) of chosen models.

    Default: logistic regression, the deepest chain of each activation and
    the one-neuron ResNet. Each grid is evaluated in one call (``grid_predict``).
    """
    from matplotlib.colors import ListedColormap

    _check_disc_result(result)
    if names is None:
        chosen = [m for m in result.models if m.kind == "logistic"]
        for activation in dict.fromkeys(m.activation for m in result.models if m.kind == "chain"):
            chain = [m for m in result.models if m.kind == "chain" and m.activation == activation]
            chosen.append(max(chain, key=lambda m: m.depth))
        chosen += [m for m in result.models if m.kind == "resnet"]
    else:
        chosen = [result.get(name) for name in names]
    fig, axes = new_figure(1, len(chosen), width=3.1, height=3.3)
    for ax, entry in zip(axes[0], chosen):
        xx, yy, zz = grid_predict(lambda p: entry.model(p), result.plot_range,
                                  result.plot_range, steps)
        ax.contourf(xx, yy, zz > 0.5, levels=[-0.5, 0.5, 1.5],
                    cmap=ListedColormap(["white", dldarkred]), alpha=0.25)
        if 0 < np.mean(zz > 0.5) < 1:
            ax.contour(xx, yy, zz, levels=[0.5], colors=[dldarkred], linewidths=1.5)
        _disc_outline(ax, result.radius)
        square_frame(ax, result.plot_range)
        verdict = ""
        if entry.check is not None:
            verdict = "\nhalf-plane: " + ("yes" if entry.check.is_half_plane else "NO")
        ax.set_title(f"{entry.name}\ntrain {entry.train_score:.1f}%{verdict}",
                     fontsize="small")
    return fig


def plot_output_along_w(result, names=None, max_points=3000):
    """Each chain's output against its first pre-activation z = w.x + b.

    Every point of the grid and training set is drawn; for a width-1 chain
    they fall on ONE monotone curve, crossing 0.5 once: the decision is a
    threshold on z, i.e. a half-plane.
    """
    from mlscompanion.datasets import grid_points
    from mlscompanion.labs.one_neuron.experiment import PLOT_RANGE
    from mlscompanion.labs.one_neuron.half_plane import first_preactivation

    _check_disc_result(result)
    chains = [m for m in result.models if m.kind in ("logistic", "chain")]
    if names is not None:
        chains = [result.get(name) for name in names]
    points = np.concatenate([grid_points(PLOT_RANGE, PLOT_RANGE, 51), result.X_train])
    points = points[:max_points]
    activations = list(dict.fromkeys(m.activation for m in chains))
    fig, axes = new_figure(1, len(activations), width=4.0, height=3.2)
    for ax, activation in zip(axes[0], activations):
        group = [m for m in chains if m.activation == activation]
        shades = np.linspace(0.35, 1.0, len(group))
        for shade, entry in zip(shades, group):
            z_model, _, _ = first_preactivation(entry.model)
            z = np.asarray(z_model(points)).reshape(-1)
            p = np.asarray(entry.model(points)).reshape(-1)
            order = np.argsort(z)
            ax.plot(z[order], p[order], color=ACTIVATION_COLORS.get(activation, dldarkblue),
                    alpha=float(shade), lw=1.5,
                    label=f"depth {entry.depth}" if entry.depth else "logistic regression")
        ax.axhline(0.5, color="gray", ls=":", lw=1)
        ax.set_xlabel("z = w.x + b (first unit)")
        ax.set_ylabel("output probability")
        ax.set_title(f"{activation or 'logistic regression'}: output vs z", fontsize="medium")
        ax.legend(fontsize="x-small")
    return fig


def plot_depth_sweep(result):
    """Training accuracy against depth for each activation, with the references:
    logistic regression, the best half-plane, and the one-neuron ResNet."""
    _check_disc_result(result)
    fig, axes = new_figure(1, 1, width=5.6, height=3.6)
    ax = axes[0, 0]
    chains = [m for m in result.models if m.kind == "chain"]
    for activation in dict.fromkeys(m.activation for m in chains):
        group = sorted((m for m in chains if m.activation == activation), key=lambda m: m.depth)
        ax.plot([m.depth for m in group], [m.train_score for m in group], "o-",
                color=ACTIVATION_COLORS.get(activation, dldarkblue),
                label=f"width-1 chain, {activation}")
    ax.axhline(result.best_half_plane, color=dldarkblue, ls="--",
               label=f"best half-plane ({result.best_half_plane:.1f}%)")
    for entry in result.models:
        if entry.kind == "logistic":
            ax.axhline(entry.train_score, color="gray", ls=":",
                       label=f"logistic regression ({entry.train_score:.1f}%)")
        if entry.kind == "resnet":
            ax.axhline(entry.train_score, color=dldarkred, lw=2,
                       label=f"one-neuron ResNet, {entry.depth} blocks ({entry.train_score:.1f}%)")
    ax.set_xscale("log", base=2)
    ax.set_xlabel("depth (hidden layers of one neuron)")
    ax.set_ylabel("training accuracy (%)")
    ax.set_ylim(0, 100)
    ax.set_title("inside the disc or not: accuracy vs depth")
    ax.legend(fontsize="x-small", loc="lower right")
    return fig


def plot_regression(results):
    """One panel per ``RegressionResult``: the data and every model's fitted curve."""
    if not isinstance(results, (list, tuple)):
        results = [results]
    for result in results:
        if not hasattr(result, "curves"):
            raise ValueError(
                "`results` must hold RegressionResult objects from one_neuron.run_regression. "
                f"Received: {type(result).__name__}"
            )
    fig, axes = new_figure(1, len(results), width=4.6, height=3.6)
    for ax, result in zip(axes[0], results):
        ax.scatter(result.x_train[:, 0], result.y_train[:, 0], s=8, c="lightgray",
                   label="data")
        x = result.x_plot[:, 0]
        for entry in result.models:
            if entry.kind == "linear":
                color, style = "gray", ":"
            elif entry.kind == "resnet":
                color, style = ACTIVATION_COLORS["resnet"], "-"
            else:
                color, style = ACTIVATION_COLORS.get(entry.activation, dldarkblue), "--"
            ax.plot(x, result.curves[entry.name], style, color=color, lw=2,
                    label=f"{entry.name} (MSE {entry.train_score:.4f})")
        ax.set_title(f"y = {result.target}(x); best monotone MSE {result.best_monotone:.4f}",
                     fontsize="medium")
        ax.set_xlabel("x")
        ax.set_ylabel("y")
        ax.legend(fontsize="x-small")
    return fig
