"""Figures for lab 7 ("Identical nodes"): units that start identical, nudged by
epsilon, separating."""

import numpy as np

from mlscompanion.style import dlblue, dldarkred, dlorange, dlpurple, dlmagenta, new_figure

__all__ = ["plot_unit_distance_growth", "plot_gradient_gap"]

_COLORS = (dlblue, dlorange, dlpurple, dlmagenta)
_LINTHRESH = 1e-8


def _color(epsilon, index):
    return dldarkred if epsilon == 0 else _COLORS[index % len(_COLORS)]


def _label(epsilon):
    return "ε = 0" if epsilon == 0 else f"ε = {epsilon:g}"


def plot_unit_distance_growth(result, fits=None):
    """Distance between the closest two units (log scale) and effective width over steps.

    ``result`` is a ``DifferentiationResult`` from
    ``mlscompanion.labs.differentiation.experiment.run_differentiation``;
    ``fits`` optionally maps epsilon to a ``GrowthFit``, drawn as a dashed
    exponential over the steps it was fitted on. The distance axis is
    symmetric-log: linear below 1e-8, so ε = 0 (exactly 0) sits on the floor.
    """
    fig, axes = new_figure(1, 2, width=5.0, height=3.6)
    ax_d, ax_w = axes[0]
    fits = fits or {}
    for k, run in enumerate(result.runs):
        color = _color(run.epsilon, k)
        ax_d.plot(run.steps, run.distance, "-", color=color, lw=2, label=_label(run.epsilon))
        fit = fits.get(run.epsilon)
        if fit is not None and np.isfinite(fit.rate):
            t = np.array([fit.start, fit.stop], dtype=float)
            i0 = int(np.flatnonzero(run.steps == fit.start)[0])
            d = run.distance[i0] * np.exp(fit.rate * (t - t[0]))
            ax_d.plot(t, d, "--", color="k", lw=1)
        ax_w.step(run.steps, run.effective_width + 0.04 * k, where="post", color=color,
                  lw=2, label=_label(run.epsilon))
    ax_d.set_yscale("symlog", linthresh=_LINTHRESH)
    ax_d.set_ylim(bottom=-_LINTHRESH / 2)
    ax_d.set_xlabel("optimizer step")
    ax_d.set_ylabel("distance between closest two units")
    ax_d.set_title("units separate exponentially (dashed: fitted rate)", fontsize="medium")
    ax_d.legend(fontsize="small")
    ax_w.set_xlabel("optimizer step")
    ax_w.set_ylabel("effective width (distinct units)")
    ax_w.set_yticks(range(0, result.units + 1))
    ax_w.set_ylim(0, result.units + 0.5)
    ax_w.set_title(f"distinct units (of {result.units}, to 1e-6)", fontsize="medium")
    ax_w.legend(fontsize="small", loc="center right")
    return fig


def plot_gradient_gap(result):
    """Gap between the units' gradients at the start vs epsilon (log-log).

    The chain rule makes the gradient gap proportional to the weight gap:
    the points lie on a line of slope 1; ε = 0 gives a gap of exactly 0
    (shown in the title, since 0 has no place on a log axis).
    """
    fig, axes = new_figure(1, 1, width=4.6, height=3.6)
    ax = axes[0, 0]
    runs = [run for run in result.runs if run.epsilon > 0]
    zero = [run for run in result.runs if run.epsilon == 0]
    eps = np.array([run.epsilon for run in runs])
    gaps = np.array([run.initial_gradient_gap for run in runs])
    if runs:
        ax.loglog(eps, gaps, "o", color=dlblue, ms=8, label="measured at step 0")
        slope = np.median(gaps / eps)
        grid = np.geomspace(eps.min(), eps.max(), 20)
        ax.loglog(grid, slope * grid, "--", color=dlorange, label=f"gap = {slope:.2g} · ε")
        ax.legend(fontsize="small")
    title = "gradient gap between units at the start"
    if zero:
        title += f"\n(ε = 0: gap = {zero[0].initial_gradient_gap:g})"
    ax.set_title(title, fontsize="medium")
    ax.set_xlabel("perturbation ε of layer 1's kernel")
    ax.set_ylabel("‖∂J/∂unit i − ∂J/∂unit j‖ (closest pair)")
    return fig
