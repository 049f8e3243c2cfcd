"""Figures for lab 8: which parts of a run each way of seeding reproduces.

Example:

>>> from mlscompanion.labs.reproducibility import experiment as reproducibility
>>> result = reproducibility.compare_seedings(["tf", "mlc"], epochs=1)
>>> plot_reproducibility(result)
"""

import numpy as np

from mlscompanion.style import dlblue, dldarkred, dlorange, new_figure

__all__ = ["plot_reproducibility"]


def plot_reproducibility(result):
    """Left: a seeding x part grid, blue "same" / red "different" across the
    fresh processes. Right: w1 (layer1 kernel[0, 0]) before training in
    each process, per seeding: the points coincide only when initial
    weights are reproduced.

    ``result`` is the ``ReproducibilityResult`` of
    ``mlscompanion.labs.reproducibility.experiment.compare_seedings``.
    """
    from matplotlib.colors import ListedColormap

    from mlscompanion.labs.reproducibility.experiment import PARTS, ReproducibilityResult

    if not isinstance(result, ReproducibilityResult):
        raise TypeError(
            "`result` must be the ReproducibilityResult of compare_seedings(). "
            f"Received: {type(result).__name__}"
        )
    outcomes = result.outcomes
    same = np.array([[o.matches[p] for p in PARTS] for o in outcomes], dtype=float)
    fig, axes = new_figure(1, 2, width=5.2, height=0.7 * len(outcomes) + 1.8,
                           gridspec_kw={"width_ratios": [1.3, 1.0]})
    ax = axes[0, 0]
    ax.imshow(same, cmap=ListedColormap([dldarkred, dlblue]), vmin=0, vmax=1,
              aspect="auto")
    for i in range(same.shape[0]):
        for j in range(same.shape[1]):
            ax.text(j, i, "same" if same[i, j] else "different", ha="center",
                    va="center", color="white", fontweight="bold")
    ax.set_xticks(np.arange(-0.5, len(PARTS)), minor=True)
    ax.set_yticks(np.arange(-0.5, len(outcomes)), minor=True)
    ax.grid(which="minor", color="white", linewidth=3)
    ax.tick_params(which="minor", length=0)
    ax.set_xticks(range(len(PARTS)), PARTS)
    ax.set_yticks(range(len(outcomes)), [o.code for o in outcomes],
                  family="monospace", fontsize="small")
    ax.set_title(f"{result.processes} fresh processes per seeding", fontsize="medium")

    ax = axes[0, 1]
    markers = ("o", "x", "s", "^")
    for k in range(result.processes):
        values = [o.runs[k].w1_initial for o in outcomes]
        ax.scatter(values, range(len(outcomes)), marker=markers[k % len(markers)],
                   s=60, color=(dlblue, dlorange)[k % 2], label=f"process {k + 1}")
    ax.set_yticks(range(len(outcomes)), [o.seeding for o in outcomes])
    ax.set_ylim(len(outcomes) - 0.5, -0.5)
    ax.axvline(0, color="0.8", lw=0.8)
    ax.set_xlabel("w1 before training (layer1 kernel[0, 0])")
    ax.set_title("the first initial weight in each process", fontsize="medium")
    ax.legend(fontsize="small")
    return fig
