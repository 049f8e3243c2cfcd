"""Figures for lab 2 ("Individual neurons"): tied vs untied units of the forum's 2-2-1 network."""

import numpy as np

from mlscompanion.style import dlblue, dldarkred, dlorange, dlpurple, new_figure

__all__ = ["plot_tied_vs_untied", "plot_start_gradients", "plot_tied_untied_maps"]

_PAIRS = (("w1", "w3"), ("w2", "w4"), ("w5", "w6"))
_COLORS = (dlblue, dlorange, dlpurple)


def plot_tied_vs_untied(result):
    """Weight trajectories of both runs (w1/w3, w2/w4, w5/w6) and the distance
    between the two hidden units over epochs.

    ``result`` is a ``DemoResult`` from
    ``mlscompanion.labs.identical_neurons.experiment.run_tied_vs_untied``.
    """
    from mlscompanion.labs.identical_neurons.experiment import WEIGHT_NAMES

    fig, axes = new_figure(1, 3, width=4.3, height=3.4)
    for ax, run in zip(axes[0, :2], (result.tied, result.untied)):
        for (a, b), color in zip(_PAIRS, _COLORS):
            ia, ib = WEIGHT_NAMES.index(a), WEIGHT_NAMES.index(b)
            ax.plot(run.epochs, run.trajectory[:, ia], "-", color=color, label=a)
            ax.plot(run.epochs, run.trajectory[:, ib], "--", color=color, label=b)
        ax.set_title(run.label, fontsize="medium")
        ax.set_xlabel("epoch")
        ax.set_ylabel("weight value")
        ax.legend(ncol=3, fontsize="small")
    ax = axes[0, 2]
    for run, color in ((result.tied, dldarkred), (result.untied, dlblue)):
        d = np.asarray(run.unit_distance, dtype=float)
        ax.plot(run.epochs[: len(d)], d, "o-", color=color, label=run.label)
    ax.set_yscale("symlog", linthresh=1e-3)
    ax.set_title("distance between unit 1 and unit 2", fontsize="medium")
    ax.set_xlabel("epoch")
    ax.set_ylabel("||(w1,w2,b1) - (w3,w4,b2)||")
    ax.legend(fontsize="small")
    return fig


def plot_start_gradients(checks):
    """dJ/dw for every named weight, one bar group per starting point.

    ``checks`` is a list of ``GradientCheck`` from
    ``mlscompanion.labs.identical_neurons.experiment.start_gradients``. Bars of
    a tied pair (w1/w3, w2/w4, b1/b2) have the same height exactly when the
    two hidden units get the same gradient.
    """
    from mlscompanion.labs.identical_neurons.experiment import WEIGHT_NAMES

    checks = list(checks)
    if not checks:
        raise ValueError("`checks` is empty; pass at least one GradientCheck.")
    fig, axes = new_figure(1, 1, width=7.5, height=3.4)
    ax = axes[0, 0]
    x = np.arange(len(WEIGHT_NAMES))
    width = 0.8 / len(checks)
    for k, (check, color) in enumerate(zip(checks, (dlblue, dlorange, dlpurple, dldarkred))):
        values = [check.gradients[name] for name in WEIGHT_NAMES]
        ax.bar(x + (k - (len(checks) - 1) / 2) * width, values, width, color=color, label=check.label)
    ax.axhline(0, color="k", lw=0.6)
    ax.set_xticks(x, [f"∂J/∂{name}" for name in WEIGHT_NAMES])
    ax.set_ylabel("gradient at the start")
    ax.set_title("gradient of every weight on the 200 roasts", fontsize="medium")
    ax.legend(fontsize="small")
    return fig


def plot_tied_untied_maps(result, step=None):
    """The unit maps of the tied run beside those of the untied run.

    Each side is what ``tracker.plot_maps(step)`` draws for that run (tied
    units are marked as tied); ``result`` is a ``DemoResult`` from
    ``run_tied_vs_untied``.

    Example:

    >>> plot_tied_untied_maps(run_tied_vs_untied(epochs=3))
    """
    import io

    from matplotlib.image import imread

    runs = (result.tied, result.untied)
    fig, axes = new_figure(1, 2, width=6.0, height=3.6)
    for ax, run in zip(axes[0], runs):
        buffer = io.BytesIO()
        run.tracker.plot_maps(step, title=run.label).savefig(buffer, format="png", dpi=80)
        buffer.seek(0)
        ax.imshow(imread(buffer, format="png"))
        ax.set_axis_off()
    return fig
