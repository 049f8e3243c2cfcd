"""``mlscompanion demo``: tied vs untied neurons, the headline experiment, in one command.

It answers the forum question "C2W1 Individual Neurons and Classification"
(docs/questions.md): if neurons get the same data, why do they end up different?

Two copies of the forum's 2-2-1 network start from the same point, the
symmetric start nudged by a small seeded perturbation; the untied one
separates into two units, the tied one is kept at w1=w3, w2=w4, w5=w6 by its
constraints (from the first optimizer step on) and never differentiates.
"""

import os

from mlscompanion.labs.identical_neurons.experiment import (
    WEIGHT_NAMES,
    DemoResult,
    train_forum_network,
)

__all__ = ["run", "format_report", "BASELINE_ACCURACY"]

#: Accuracy of always predicting "bad roast": 157 of the 200 roasts are bad.
BASELINE_ACCURACY = 157 / 200


def format_report(result):
    """The before/after table of both runs, widths and accuracies, as text."""
    runs = (("tied", result.tied), ("untied", result.untied))
    lines = [f"  tied   = {result.tied.label}", f"  untied = {result.untied.label}", ""]
    lines.append(f"{'':<6}{'tied':^24}{'untied':^24}")
    lines.append(f"{'':<6}" + f"{'before':>12}{'after':>12}" * 2)
    lines.append("-" * 54)
    for name in WEIGHT_NAMES:
        lines.append(f"{name:<6}" + "".join(
            f"{r.before[name]:>12.4f}{r.after[name]:>12.4f}" for _, r in runs))
    lines.append("-" * 54)
    lines.append(f"{'effective width of layer1':<30}" + "".join(f"{k}: {r.effective_width:<10}" for k, r in runs))
    lines.append(f"{'accuracy on the 200 roasts':<30}" + "".join(f"{k}: {r.accuracy:<10.3f}" for k, r in runs))
    lines.append(f"{'(always answering bad roast':<30}{'= ' + format(BASELINE_ACCURACY, '.3f') + ')'}")
    return "\n".join(lines)


def run(epochs=10, out="demo_out", seed=1234, perturbation=0.05, reps=100, verbose=2, echo=print):
    """Train both networks, print the report, save the figure; return (result, png_path)."""
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"`epochs` must be a positive int. Received: epochs={epochs!r}")
    os.makedirs(out, exist_ok=True)
    echo(f"The forum's 2-2-1 network on the coffee data ({200 * reps} rows), {epochs} epochs, "
         f"seed {seed}, both from the same start: symmetric, nudged by a seeded perturbation "
         f"of {perturbation:g}.")
    echo("[1/2] tied: w1=w3, w2=w4, w5=w6 kept by constraints")
    tied = train_forum_network(True, perturbation, epochs, seed, reps, verbose=verbose,
                               label="tied by constraints (w1=w3, w2=w4, w5=w6)")
    echo("[2/2] untied: the same start, no constraints")
    untied = train_forum_network(False, perturbation, epochs, seed, reps, verbose=verbose,
                                 label=f"no constraints, start perturbed by {perturbation:g}")
    result = DemoResult(tied=tied, untied=untied, seed=seed, perturbation=perturbation)
    echo("")
    echo(format_report(result))
    from mlscompanion.labs.identical_neurons.figures import plot_tied_vs_untied

    path = os.path.join(out, "tied_vs_untied.png")
    plot_tied_vs_untied(result).savefig(path, dpi=110)
    same = all(tied.after[a] == tied.after[b] for a, b in (("w1", "w3"), ("w2", "w4"), ("w5", "w6")))
    echo("")
    echo(f"Tied units identical after training: {'yes, to the last bit' if same else 'NO'} "
         f"(at the start w1 - w3 = {tied.before['w1'] - tied.before['w3']:.4f}); "
         f"untied units: effective width {untied.effective_width}.")
    echo(f"Figure: {path}")
    return result, path
