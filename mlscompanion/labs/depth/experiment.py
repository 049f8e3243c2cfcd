"""Lab 6 ("More layers or a wider layer", docs/questions.md): more layers or
a wider layer, at the same number of parameters?

Three measurements:

1. Linear collapse: ``Dense(h, linear) -> Dense(k, linear)`` (no biases) is
   the single matrix ``W1 @ W2``; a one-layer model with that kernel makes
   the same predictions.
2. The forum's identity ``relu(w1*x + w2*x) == relu((w1+w2)*x)``, and its
   consequence for training: gradient steps on (w1, w2) move w1 + w2 exactly
   like steps on one weight w3 with twice the learning rate.
3. Shallow-wide vs deep-narrow ReLU networks with the same parameter count,
   on a sawtooth (many linear pieces) and on a smooth target (x^2), over
   several seeds.

Measurements 1 and 2 live in ``mlscompanion.labs.depth.collapse``; this
module holds the third.

Example:

>>> count_params([16, 16, 16]), count_params([197])
(593, 592)
"""

import numbers
from dataclasses import dataclass, field

import keras
import numpy as np

from mlscompanion._validation import check_int
from mlscompanion import seeding
from mlscompanion.labs.width.experiment import sample_1d
from mlscompanion.training import fit_regression, predict_once

__all__ = [
    "sawtooth",
    "square",
    "count_params",
    "width_for_budget",
    "relu_mlp",
    "ArchitectureRuns",
    "DepthWidthComparison",
    "train_relu_mlp",
    "compare_depth_width",
    "TARGETS",
]


def _check_hidden(hidden):
    if isinstance(hidden, (str, bytes)) or not hasattr(hidden, "__iter__"):
        raise ValueError(
            f"`hidden` must be a list of layer widths such as [16, 16, 16]. "
            f"Received: hidden={hidden!r}"
        )
    hidden = [check_int(w, "hidden") for w in hidden]
    if not hidden:
        raise ValueError("`hidden` is empty; give at least one hidden layer width.")
    return hidden


# ----- 3. shallow-wide vs deep-narrow ------------------------------------------
def sawtooth(x, teeth=8):
    """A triangle wave on [-1, 1] with ``teeth`` teeth, values in [-0.5, 0.5].

    It has 2 * teeth linear pieces. With teeth = 2**(k-1) it is the tent map
    composed k times, which a ReLU net of depth k and width 2 computes
    exactly, while one hidden layer needs 2 * teeth - 1 units (Telgarsky 2016).

    >>> sawtooth(np.array([-1.0, -0.875, -0.75]), teeth=8)
    array([-0.5,  0.5, -0.5])
    """
    teeth = check_int(teeth, "teeth")
    u = teeth * (np.asarray(x, dtype="float64") + 1.0) / 2.0
    return 0.5 - np.abs(2.0 * (u - np.floor(u)) - 1.0)


def square(x):
    """The smooth target ``x**2`` (on [-1, 1])."""
    return np.asarray(x, dtype="float64") ** 2


#: The lab's two targets, by name.
TARGETS = {"sawtooth": sawtooth, "square": square}


def count_params(hidden, n_in=1, n_out=1):
    """Parameters of a Dense network ``n_in -> hidden[0] -> ... -> n_out``.

    >>> count_params([80]), count_params([8, 8, 8, 8])
    (241, 241)
    """
    sizes = [check_int(n_in, "n_in")] + _check_hidden(hidden) + [
        check_int(n_out, "n_out")]
    return int(sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:])))


def width_for_budget(depth, budget, n_in=1, n_out=1):
    """The width w whose ``depth`` hidden layers of w units come closest to
    ``budget`` parameters (ties go to the smaller width).

    >>> width_for_budget(1, 593), width_for_budget(3, 593)
    (197, 16)
    """
    depth = check_int(depth, "depth")
    budget = check_int(budget, "budget")
    best, best_gap, width = 1, None, 1
    while True:
        gap = abs(count_params([width] * depth, n_in, n_out) - budget)
        if best_gap is None or gap < best_gap:
            best, best_gap = width, gap
        if count_params([width] * depth, n_in, n_out) >= budget:
            return best
        width += 1


def relu_mlp(hidden, name=None):
    """``Input(1) -> Dense(w, relu) for w in hidden -> Dense(1)``.

    He-uniform kernels; the first layer's biases ~ U(-1, 1) so its kinks
    start spread over the input interval [-1, 1] (with zero biases every
    first-layer kink sits at x = 0); deeper biases start at zero.

    >>> relu_mlp([16, 16, 16]).count_params()
    593
    """
    hidden = _check_hidden(hidden)
    layers = [keras.Input((1,))]
    for i, width in enumerate(hidden):
        layers.append(keras.layers.Dense(
            width, activation="relu", kernel_initializer="he_uniform",
            bias_initializer=keras.initializers.RandomUniform(-1.0, 1.0) if i == 0 else "zeros",
            name=f"hidden{i + 1}"))
    layers.append(keras.layers.Dense(1, name="output"))
    return keras.Sequential(layers, name=name or "relu_" + "x".join(map(str, hidden)))


def train_relu_mlp(hidden, target, epochs=60, steps_per_epoch=50, seed=0,
                   learning_rate=0.01, n_train=256, n_test=1001):
    """Fit ``relu_mlp(hidden)`` to ``target`` on [-1, 1] (full-batch Adam,
    cosine decay); return ``(test_mse, prediction_on_test_grid)``.

    The test grid (``n_test`` points) is finer than the training grid.
    """
    if not callable(target):
        raise TypeError(f"`target` must be a function of x. Received: target={target!r}")
    seeding.set_seed(seed)
    x_train, y_train = sample_1d(target, n_train)
    x_test, y_test = sample_1d(target, n_test)
    model = relu_mlp(hidden)
    fit_regression(model, x_train, y_train, epochs, steps_per_epoch, learning_rate)
    prediction = predict_once(model, x_test)[:, 0]
    return float(np.mean((prediction - y_test[:, 0]) ** 2)), prediction


@dataclass
class ArchitectureRuns:
    """One architecture trained from several seeds on one target."""

    name: str  # "shallow-wide" or "deep-narrow"
    hidden: list
    params: int
    mse: np.ndarray  # one per seed
    predictions: np.ndarray = field(repr=False)  # seeds x test points

    @property
    def mean_mse(self):
        return float(np.mean(self.mse))

    @property
    def min_mse(self):
        return float(np.min(self.mse))

    @property
    def median_mse(self):
        return float(np.median(self.mse))


@dataclass
class DepthWidthComparison:
    """Shallow-wide vs deep-narrow at (nearly) the same parameter count."""

    target: str
    x: np.ndarray  # test grid
    y: np.ndarray
    shallow: ArchitectureRuns
    deep: ArchitectureRuns
    seeds: tuple

    @property
    def winner(self):
        """``"deep-narrow"`` or ``"shallow-wide"`` when every seed of one beats
        every seed of the other (their MSE ranges do not overlap), else
        ``"no clear winner"``. One lucky seed cannot decide it."""
        if np.max(self.deep.mse) < np.min(self.shallow.mse):
            return "deep-narrow"
        if np.max(self.shallow.mse) < np.min(self.deep.mse):
            return "shallow-wide"
        return "no clear winner"

    @property
    def ratio(self):
        """shallow median MSE / deep median MSE (> 1: depth wins)."""
        return self.shallow.median_mse / self.deep.median_mse

    def table(self):
        """Rows (architecture, hidden, params, mean, median, min MSE) for printing."""
        return [(r.name, r.hidden, r.params, r.mean_mse, r.median_mse, r.min_mse)
                for r in (self.shallow, self.deep)]


def compare_depth_width(target="sawtooth", deep=(16, 16, 16), seeds=(0, 1, 2), epochs=60,
                        steps_per_epoch=50, learning_rate=0.01, n_train=256, n_test=1001):
    """Train a deep-narrow ReLU net and a one-hidden-layer net with the same
    parameter count (to within 2) on ``target``, from each seed.

    ``target`` is a name in ``TARGETS`` or a function of x on [-1, 1]; the
    shallow width is ``width_for_budget(1, count_params(deep))``.
    """
    if isinstance(target, str):
        if target not in TARGETS:
            raise ValueError(f"`target` must be one of {sorted(TARGETS)} or a function. "
                             f"Received: target={target!r}")
        name, fn = target, TARGETS[target]
    elif callable(target):
        name, fn = getattr(target, "__name__", "target"), target
    else:
        raise TypeError(f"`target` must be a name or a function of x. Received: target={target!r}")
    deep = _check_hidden(deep)
    if isinstance(seeds, numbers.Integral):
        seeds = (int(seeds),)
    seeds = tuple(seeds)
    if not seeds:
        raise ValueError("`seeds` is empty; give at least one seed, e.g. (0, 1, 2).")
    budget = count_params(deep)
    shallow = [width_for_budget(1, budget)]
    runs = {}
    for label, hidden in (("shallow-wide", shallow), ("deep-narrow", deep)):
        results = [train_relu_mlp(hidden, fn, epochs, steps_per_epoch, s, learning_rate,
                                  n_train, n_test) for s in seeds]
        runs[label] = ArchitectureRuns(
            name=label,
            hidden=list(hidden),
            params=count_params(hidden),
            mse=np.array([r[0] for r in results]),
            predictions=np.array([r[1] for r in results]),
        )
    x, y = sample_1d(fn, n_test)
    return DepthWidthComparison(target=name, x=x[:, 0].astype("float64"),
                                y=y[:, 0].astype("float64"), shallow=runs["shallow-wide"],
                                deep=runs["deep-narrow"], seeds=seeds)
