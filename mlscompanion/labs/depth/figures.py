"""Figures for lab 6 ("More layers or a wider layer"): depth, width, linear collapse."""

import numpy as np

from mlscompanion.style import (
    dlblue,
    dldarkblue,
    dldarkred,
    dlorange,
    dlpurple,
    new_figure,
)

__all__ = ["plot_linear_collapse", "plot_two_weights_vs_one", "plot_depth_width"]

_ARCH_COLORS = {"shallow-wide": dlorange, "deep-narrow": dlblue}


def _matrix(ax, M, title):
    M = np.asarray(M)
    limit = float(np.max(np.abs(M))) or 1.0
    ax.imshow(M, cmap="coolwarm", vmin=-limit, vmax=limit)
    for (i, j), value in np.ndenumerate(M):
        ax.text(j, i, f"{value:.2f}", ha="center", va="center", fontsize="x-small")
    ax.set_xticks(range(M.shape[1]))
    ax.set_yticks(range(M.shape[0]))
    ax.set_title(title, fontsize="medium")


def plot_linear_collapse(result):
    """W1, W2 and W1 @ W2 as annotated matrices, and the two models'
    predictions against each other (they lie on the diagonal).

    ``result`` is a ``LinearCollapse`` from
    ``mlscompanion.labs.depth.collapse.linear_collapse``.
    """
    fig, axes = new_figure(1, 4, width=2.8, height=2.9)
    _matrix(axes[0, 0], result.W1, f"W1 {result.W1.shape}")
    _matrix(axes[0, 1], result.W2, f"W2 {result.W2.shape}")
    _matrix(axes[0, 2], result.product, f"W1 @ W2 {result.product.shape}")
    ax = axes[0, 3]
    two, one = result.two_layer.ravel(), result.one_layer.ravel()
    low, high = float(min(two.min(), one.min())), float(max(two.max(), one.max()))
    ax.plot([low, high], [low, high], "--", color=dldarkred, lw=1)
    ax.plot(two, one, "o", color=dlblue, ms=5)
    ax.set_xlabel("two linear layers")
    ax.set_ylabel("one layer, kernel W1 @ W2")
    ax.set_title(f"predictions (max diff {result.max_abs_diff:.1e})", fontsize="medium")
    return fig


def plot_two_weights_vs_one(result):
    """w1, w2, w1 + w2 (trained with lr) and w3 (trained with 2 lr) per step,
    and the two losses.

    ``result`` is a ``TwoWeightsVsOne`` from
    ``mlscompanion.labs.depth.collapse.two_weights_vs_one``.
    """
    fig, axes = new_figure(1, 2, width=4.3, height=3.3)
    steps = np.arange(len(result.w3))
    ax = axes[0, 0]
    ax.plot(steps, result.w1, color=dlorange, label="w1")
    ax.plot(steps, result.w2, color=dlpurple, label="w2")
    ax.plot(steps, result.w1 + result.w2, color=dlblue, lw=4, alpha=0.5, label="w1 + w2")
    ax.plot(steps, result.w3, "--", color=dldarkred, label="w3 (one weight, 2x lr)")
    ax.set_xlabel("training step")
    ax.set_ylabel("weight")
    ax.set_title(f"{result.optimizer}: w1 + w2 follows w3", fontsize="medium")
    ax.legend(fontsize="small")
    ax = axes[0, 1]
    ax.plot(steps, result.loss_two, color=dlblue, lw=4, alpha=0.5, label="relu(w1 x + w2 x)")
    ax.plot(steps, result.loss_one, "--", color=dldarkred, label="relu(w3 x)")
    ax.set_yscale("log")
    ax.set_xlabel("training step")
    ax.set_ylabel("MSE")
    ax.set_title("the same loss curve", fontsize="medium")
    ax.legend(fontsize="small")
    return fig


def plot_depth_width(comparison):
    """Left: the target and, for each architecture, the prediction of its
    median seed. Right: every seed's test MSE (log scale).

    ``comparison`` is a ``DepthWidthComparison`` from
    ``mlscompanion.labs.depth.experiment.compare_depth_width``.
    """
    fig, axes = new_figure(1, 2, width=4.6, height=3.4)
    ax = axes[0, 0]
    ax.plot(comparison.x, comparison.y, "--", color=dldarkred, lw=1.5, label="target")
    runs = (comparison.shallow, comparison.deep)
    for run in runs:
        median_seed = int(np.argsort(run.mse)[len(run.mse) // 2])
        ax.plot(comparison.x, run.predictions[median_seed], color=_ARCH_COLORS[run.name],
                lw=1.3, label=f"{run.name} {run.hidden} (median seed)")
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.set_title(f"{comparison.target}: predictions", fontsize="medium")
    ax.legend(fontsize="x-small", loc="upper center", bbox_to_anchor=(0.5, -0.2))
    ax = axes[0, 1]
    for k, run in enumerate(runs):
        ax.plot(np.full(len(run.mse), k), run.mse, "o", color=_ARCH_COLORS[run.name], ms=7,
                alpha=0.8)
        ax.plot([k - 0.2, k + 0.2], [run.median_mse] * 2, color=dldarkblue, lw=2)
    ax.set_xticks([0, 1], [f"{r.name}\n{r.hidden}\n{r.params} params" for r in runs],
                  fontsize="small")
    ax.set_xlim(-0.6, 1.6)
    ax.set_yscale("log")
    ax.set_ylabel("test MSE (one dot per seed)")
    ax.set_title(f"winner: {comparison.winner}", fontsize="medium")
    return fig
