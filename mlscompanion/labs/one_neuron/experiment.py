"""Lab 4 ("Single neuron per layer", docs/questions.md): is a deep network
with ONE neuron per layer more powerful than logistic regression?

A width-1 chain computes ``g(w.x + b)``: the input enters only through the
first unit's pre-activation ``z = w.x + b``, and every later layer is a
monotone map of one number (an affine map times a monotone activation), so
``g`` is monotone. Its decision region ``{g(z) > 0.5}`` is therefore
``{z > c}`` or ``{z < c}``: a half-plane, whatever the depth, exactly like
logistic regression. For regression the same chain is a monotone non-linear
function of ``w.x`` and can beat a linear fit. A ResNet whose residual blocks
have one hidden neuron (Lin & Jegelka 2018) keeps the whole input in its
skip path and can bound a disc.

The lab's notebook and its tests take their budgets from ``QUICK`` and
``FULL`` (``lab_budget(quick)``), so the tests measure what the notebook shows.

Example:

>>> X, y = make_disc(400, seed=0)
>>> model = width1_chain(depth=4, activation="tanh")
>>> train_classifier(model, X, y, steps=200)
>>> half_plane_check(model, X).is_half_plane
True
"""

from dataclasses import dataclass, field

import numpy as np

from mlscompanion import seeding
from mlscompanion._validation import check_int
from mlscompanion.datasets import DISC_RADIUS, grid_points, make_disc
from mlscompanion.labs.one_neuron.half_plane import (
    best_half_plane_accuracy,
    best_monotone_mse,
    half_plane_check,
    is_monotone,
)
from mlscompanion.labs.one_neuron.models import (
    ACTIVATIONS,
    _check_activation,
    _mse,
    make_curve,
    one_neuron_resnet,
    train_classifier,
    train_regressor,
    width1_chain,
)
from mlscompanion.training import binary_accuracy, predict_once

__all__ = [
    "DISC_RADIUS",
    "make_disc",
    "grid_points",
    "PLOT_RANGE",
    "ModelResult",
    "DiscResult",
    "run_disc",
    "RegressionResult",
    "run_regression",
    "LabBudget",
    "QUICK",
    "FULL",
    "lab_budget",
]

# ----- the experiments ----------------------------------------------------


@dataclass
class ModelResult:
    """One trained model of the comparison."""

    name: str
    kind: str  # "logistic", "chain", "resnet" (or "linear" for regression)
    activation: object
    depth: int  # hidden layers (chains) or residual blocks (resnet)
    params: int
    train_score: float  # accuracy % (disc) or MSE (regression)
    test_score: float
    check: object = None  # HalfPlaneCheck for chains on the disc
    model: object = field(repr=False, default=None)


def _find(models, name):
    for result in models:
        if result.name == name:
            return result
    raise KeyError(f"No model named {name!r}; models: {[m.name for m in models]}")


@dataclass
class DiscResult:
    """The disc comparison: every model, the data and the half-plane references."""

    models: list
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    best_half_plane: float  # best accuracy (%) of any half-plane on the training set
    resnet_region_fit: float  # best share (%) of the ResNet's grid labels a half-plane reproduces
    radius: float
    plot_range: tuple

    def get(self, name):
        return _find(self.models, name)

    @property
    def chains(self):
        """Logistic regression and every width-1 chain."""
        return [m for m in self.models if m.kind in ("logistic", "chain")]

    @property
    def resnet(self):
        return next(m for m in self.models if m.kind == "resnet")


#: The square shown in the disc figures (and checked by ``run_disc``).
PLOT_RANGE = (-1.2, 1.2)


def run_disc(
    depths=(1, 2, 4, 8, 16, 32),
    activations=ACTIVATIONS,
    resnet_blocks=8,
    steps=1000,
    n_train=1000,
    n_test=1000,
    grid_steps=101,
    seed=0,
):
    """Logistic regression, width-1 chains (every depth x activation) and a
    one-neuron ResNet on the disc task, all trained the same way (full-batch
    gradient descent, ``steps`` steps). Each chain's region is checked on a
    ``grid_steps`` x ``grid_steps`` grid over ``PLOT_RANGE`` plus the
    training points.

    Example:

    >>> result = run_disc(depths=(1, 8), steps=200)
    >>> all(m.check.is_half_plane for m in result.chains)
    True
    """
    depths = [check_int(d, "depths", 1) for d in depths]
    activations = [_check_activation(a) for a in activations]
    X_train, y_train = make_disc(n_train, seed=seed)
    X_test, y_test = make_disc(n_test, seed=seed + 1)
    grid = grid_points(PLOT_RANGE, PLOT_RANGE, steps=grid_steps)
    points = np.concatenate([grid, X_train])
    specs = [(None, 0)] + [(a, d) for a in activations for d in depths]
    results = []
    for activation, depth in specs:
        seeding.set_seed(seed, deterministic=False)
        model = width1_chain(depth, activation or "tanh", seed=seed)
        train = train_classifier(model, X_train, y_train, steps=steps, seed=seed)
        results.append(ModelResult(
            model.name, "chain" if depth else "logistic", activation, depth,
            model.count_params(), train, binary_accuracy(model, X_test, y_test),
            half_plane_check(model, points), model,
        ))
    seeding.set_seed(seed, deterministic=False)
    model = one_neuron_resnet(resnet_blocks, seed=seed)
    train = train_classifier(model, X_train, y_train, steps=steps, seed=seed)
    results.append(ModelResult(
        model.name, "resnet", "relu", resnet_blocks, model.count_params(), train,
        binary_accuracy(model, X_test, y_test), None, model,
    ))
    resnet_labels = predict_once(model, grid) > 0.5
    return DiscResult(
        results, X_train, y_train, X_test, y_test,
        best_half_plane=best_half_plane_accuracy(X_train, y_train),
        resnet_region_fit=best_half_plane_accuracy(grid, resnet_labels, angles=180),
        radius=DISC_RADIUS,
        plot_range=PLOT_RANGE,
    )


@dataclass
class RegressionResult:
    """The 1-D regression comparison on one target."""

    target: str
    models: list  # ModelResult with train/test MSE; "linear" is the least-squares line
    x_train: np.ndarray
    y_train: np.ndarray
    best_monotone: float  # lowest training MSE any monotone function reaches
    x_plot: np.ndarray  # (m, 1) evenly spaced in [-1, 1]
    curves: dict  # model name -> prediction on x_plot
    monotone: dict  # model name -> is the fitted curve monotone in x?

    def get(self, name):
        return _find(self.models, name)


def _least_squares_line(x, y):
    A = np.column_stack([np.asarray(x, "float64").reshape(-1), np.ones(len(x))])
    coef, *_ = np.linalg.lstsq(A, np.asarray(y, "float64").reshape(-1), rcond=None)
    return lambda t: np.asarray(t, "float64").reshape(-1, 1) * coef[0] + coef[1]


def run_regression(
    target="cbrt",
    depth=4,
    activations=ACTIVATIONS,
    resnet_blocks=8,
    steps=2000,
    n_train=200,
    n_test=200,
    seed=0,
):
    """The least-squares line vs width-1 chains (linear output) of ``depth``
    vs a one-neuron ResNet, fitted to ``y = TARGETS[target](x)`` on [-1, 1]
    by full-batch gradient descent.

    Example:

    >>> result = run_regression("cbrt", steps=500)
    >>> result.get("chain_tanh_4").train_score < result.get("linear").train_score
    True
    """
    depth = check_int(depth, "depth", 1)
    activations = [_check_activation(a) for a in activations]
    x_train, y_train = make_curve(target, n_train, seed=seed)
    x_test, y_test = make_curve(target, n_test, seed=seed + 1)
    x_plot = np.linspace(-1.0, 1.0, 201, dtype="float32").reshape(-1, 1)
    line = _least_squares_line(x_train, y_train)
    models = [ModelResult("linear", "linear", None, 0, 2, _mse(line(x_train), y_train),
                          _mse(line(x_test), y_test))]
    curves = {"linear": line(x_plot).reshape(-1)}
    builders = [
        (a, lambda a=a: width1_chain(depth, a, input_dim=1, output="linear", seed=seed))
        for a in activations
    ]
    builders.append((None, lambda: one_neuron_resnet(resnet_blocks, 1, "linear", seed=seed)))
    for activation, build in builders:
        seeding.set_seed(seed, deterministic=False)
        model = build()
        train = train_regressor(model, x_train, y_train, steps=steps, seed=seed)
        test = _mse(predict_once(model, x_test), y_test)
        kind, size = ("chain", depth) if activation else ("resnet", resnet_blocks)
        models.append(ModelResult(model.name, kind, activation or "relu", size,
                                  model.count_params(), train, test, None, model))
        curves[model.name] = predict_once(model, x_plot).reshape(-1)
    monotone = {name: is_monotone(x_plot, curve) for name, curve in curves.items()}
    return RegressionResult(
        target, models, x_train, y_train, best_monotone_mse(x_train, y_train),
        x_plot, curves, monotone,
    )


# ----- the lab's budgets --------------------------------------------------


@dataclass(frozen=True)
class LabBudget:
    """What the lab trains: the arguments of its ``run_disc`` and ``run_regression`` calls.

    The notebook runs ``budget.run_disc()`` and ``budget.run_regression(target)``
    and the tests call the same methods, so the two cannot drift apart.

    Example:

    >>> budget = lab_budget(quick=True)
    >>> disc = budget.run_disc()
    >>> cbrt = budget.run_regression("cbrt")
    """

    depths: tuple  # hidden layers of ONE neuron, one chain per depth and activation
    disc_steps: int  # full-batch gradient steps on the disc task
    regression_steps: int  # full-batch gradient steps on the 1-D curves
    regression_activations: tuple
    regression_depth: int = 4
    resnet_blocks: int = 8
    n_train: int = 1000  # disc points (the same number again for the test set)
    seed: int = 0

    def run_disc(self):
        """``run_disc`` on this budget."""
        return run_disc(depths=self.depths, resnet_blocks=self.resnet_blocks,
                        steps=self.disc_steps, n_train=self.n_train, n_test=self.n_train,
                        seed=self.seed)

    def run_regression(self, target):
        """``run_regression(target)`` on this budget."""
        return run_regression(target, depth=self.regression_depth,
                              activations=self.regression_activations,
                              resnet_blocks=self.resnet_blocks, steps=self.regression_steps,
                              seed=self.seed)


#: Quick mode (``mlc.labs.quick_mode()``, the notebook test): one depth, a few
#: hundred steps, about 15 s on a laptop CPU.
QUICK = LabBudget(depths=(4,), disc_steps=200, regression_steps=300,
                  regression_activations=("tanh", "relu"))

#: The full lab: 18 chains, 1,000 steps on the disc, 2,000 on the curves (about a minute).
FULL = LabBudget(depths=(1, 2, 4, 8, 16, 32), disc_steps=1000, regression_steps=2000,
                 regression_activations=ACTIVATIONS)


def lab_budget(quick):
    """``QUICK`` when ``quick`` is true, else ``FULL``.

    The notebook passes ``mlc.labs.quick_mode()``.
    """
    return QUICK if quick else FULL
