"""Lab 5 ("Multiple neurons per layer", docs/questions.md): why several neurons per layer?

One hidden layer of sigmoid units and a linear output unit computes

    y_hat(x) = b2 + sum_i w2_i * sigmoid(w1_i * x + b1_i)

a sum of shifted, scaled sigmoids (the forum answer's formula). This module
fits that network to a smooth 1-D target for several widths, measures the
approximation error on a fixed grid, splits each prediction into the units'
contributions, and measures how different the units are once trained.

Example:

>>> sweep = sweep_widths(widths=(1, 8), epochs=4)
>>> bool(sweep.mse[0] > sweep.mse[-1])    # 8 units fit better than 1
True
>>> fit = sweep.fits[-1]
>>> parts = unit_contributions(fit.weights, sweep.x)   # (points, 8)
"""

import numbers
from dataclasses import dataclass, field

import keras
import numpy as np

from mlscompanion._validation import check_int, check_number, fail
from mlscompanion import seeding, similarity
from mlscompanion.training import fit_regression, predict_once

__all__ = [
    "wave",
    "sample_1d",
    "fit_regression",
    "predict_once",
    "sigmoid_layer_model",
    "unit_contributions",
    "hidden_activations",
    "reconstruction_error",
    "WidthFit",
    "WidthSweep",
    "train_width",
    "sweep_widths",
    "DEFAULT_WIDTHS",
]

#: The widths of the full lab.
DEFAULT_WIDTHS = (1, 2, 4, 8, 16, 32, 64)


# ----- data ---------------------------------------------------------------
def wave(x, periods=1.5):
    """The lab's smooth target ``sin(periods * pi * x)``: on [-1, 1] that is
    ``periods`` full periods, so the default 1.5 gives three bumps (up, down, up).

    >>> wave(np.array([0.0, 1 / 3]))      # sin(0), sin(pi/2)
    array([0., 1.])
    """
    check_number(periods, "periods", above=0, what="a positive number")
    return np.sin(periods * np.pi * np.asarray(x, dtype="float64"))


def sample_1d(target, n=256, low=-1.0, high=1.0):
    """``n`` evenly spaced points on [low, high] and the target's values there,
    both as float32 column vectors (n, 1), ready for ``model.fit``.

    >>> x, y = sample_1d(wave, n=5)
    >>> x.shape, y.shape
    ((5, 1), (5, 1))
    """
    if not callable(target):
        fail("target", target, "a function of x", TypeError)
    n = check_int(n, "n", 2)
    if not low < high:
        raise ValueError(f"`low` must be below `high`. Received: low={low!r}, high={high!r}")
    x = np.linspace(low, high, int(n)).reshape(-1, 1)
    y = np.asarray(target(x), dtype="float64").reshape(-1, 1)
    return x.astype("float32"), y.astype("float32")


# ----- training -----------------------------------------------------------
def sigmoid_layer_model(width, init_scale=None):
    """``Input(1) -> Dense(width, sigmoid, name="hidden") -> Dense(1, name="output")``.

    With ``init_scale=s`` the hidden kernel starts ~ N(0, s^2) and the biases
    ~ U(-s, s): each unit starts as a sigmoid of random steepness switching
    somewhere random, instead of Keras' default (Glorot kernel, zero bias:
    every unit nearly linear and centred at x = 0 on [-1, 1]).

    >>> sigmoid_layer_model(8).count_params()     # 8 + 8 + 8 + 1
    25
    """
    width = check_int(width, "width")
    if init_scale is None:
        kernel_init, bias_init = "glorot_uniform", "zeros"
    elif isinstance(init_scale, numbers.Real) and init_scale > 0:
        kernel_init = keras.initializers.RandomNormal(stddev=float(init_scale))
        bias_init = keras.initializers.RandomUniform(-float(init_scale), float(init_scale))
    else:
        fail("init_scale", init_scale, "None (Keras defaults) or a positive number")
    return keras.Sequential(
        [
            keras.Input((1,)),
            keras.layers.Dense(width, activation="sigmoid", name="hidden",
                               kernel_initializer=kernel_init, bias_initializer=bias_init),
            keras.layers.Dense(1, name="output"),
        ],
        name=f"sigmoid_{width}",
    )


# ----- the units' view ------------------------------------------------------
def _sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # stable for large |z|


def _unpack(weights):
    if isinstance(weights, dict):
        weights = [weights[k] for k in ("kernel1", "bias1", "kernel2", "bias2")]
    if len(weights) != 4:
        raise ValueError(
            "`weights` must be [kernel1 (1, n), bias1 (n,), kernel2 (n, 1), bias2 (1,)] "
            f"(what model.get_weights() returns); got {len(weights)} arrays."
        )
    k1, b1, k2, b2 = (np.asarray(w, dtype="float64") for w in weights)
    n = k1.shape[-1]
    if k1.shape != (1, n) or b1.shape != (n,) or k2.shape != (n, 1) or b2.shape != (1,):
        raise ValueError(
            f"`weights` must have shapes (1, n), (n,), (n, 1), (1,); got "
            f"{k1.shape}, {b1.shape}, {k2.shape}, {b2.shape}."
        )
    return k1, b1, k2, b2


def hidden_activations(weights, x):
    """sigmoid(w1_i * x + b1_i) for every point (rows) and unit (columns)."""
    k1, b1, _, _ = _unpack(weights)
    x = np.asarray(x, dtype="float64").reshape(-1, 1)
    return _sigmoid(x @ k1 + b1)


def unit_contributions(weights, x):
    """Each unit's contribution ``w2_i * sigmoid(w1_i * x + b1_i)`` to the output.

    ``weights`` is ``model.get_weights()`` of a 1-n-1 network (or a
    ``WidthFit.weights``). Returns an array (points, units) computed in
    float64; its row sums plus the output bias are the network's prediction.

    >>> w = [np.ones((1, 2)), np.array([0.0, -1.0]), np.ones((2, 1)), np.zeros(1)]
    >>> unit_contributions(w, [0.0]).round(3)
    array([[0.5  , 0.269]])
    """
    _, _, k2, _ = _unpack(weights)
    return hidden_activations(weights, x) * k2[:, 0]


def reconstruction_error(fit, x):
    """max |sum of the units' contributions + b2 - the model's prediction| on ``x``.

    ``fit`` is a ``WidthFit`` whose ``prediction`` was made on ``x``; the
    answer is float32 round-off (about 1e-6), not a modelling error.
    """
    total = unit_contributions(fit.weights, x).sum(axis=1) + fit.bias2
    prediction = np.asarray(fit.prediction, dtype="float64").reshape(-1)
    if prediction.shape != total.shape:
        raise ValueError(
            f"`x` has {total.shape[0]} points but the fit's prediction has "
            f"{prediction.shape[0]}; pass the grid the prediction was made on."
        )
    return float(np.max(np.abs(total - prediction)))


# ----- the experiment -------------------------------------------------------
@dataclass
class WidthFit:
    """One trained 1-width-1 sigmoid network."""

    width: int
    mse: float  # approximation error on the evaluation grid
    train_mse: float
    weights: list = field(repr=False)  # [kernel1, bias1, kernel2, bias2]
    prediction: np.ndarray = field(repr=False)  # on the evaluation grid
    loss_history: np.ndarray = field(repr=False)
    effective_width: int = 0  # distinct units after training
    mean_abs_correlation: float = float("nan")  # between units' activations
    centres: np.ndarray = field(repr=False, default=None)  # x where w1*x + b1 = 0

    @property
    def bias2(self):
        return float(self.weights[3][0])


@dataclass
class WidthSweep:
    """Error vs width on one target, plus every fit."""

    x: np.ndarray  # evaluation grid (points, 1)
    y: np.ndarray  # target on the grid
    x_train: np.ndarray
    y_train: np.ndarray
    widths: tuple
    mse: np.ndarray  # one per width
    fits: list
    seed: int

    def fit(self, width):
        """The ``WidthFit`` of one width."""
        for fit in self.fits:
            if fit.width == width:
                return fit
        raise ValueError(f"No fit of width {width!r}; the sweep has widths {self.widths}.")


def _centres(k1, b1):
    with np.errstate(divide="ignore"):
        return np.where(k1[0] != 0, -b1 / k1[0], np.inf)


def train_width(width, epochs=20, steps_per_epoch=50, seed=1, learning_rate=0.05,
                target=wave, n_train=128, n_grid=1001, init_scale=3.0):
    """Fit a 1-width-1 sigmoid network to ``target`` on [-1, 1]; measure it.

    The error is the MSE on a fixed grid of ``n_grid`` points (finer than the
    ``n_train`` training points). After training, the units are compared by
    their weights (effective width: how many distinct units) and by their
    activations on the grid (mean |Pearson correlation| over pairs).

    >>> fit = train_width(4, epochs=2)
    >>> fit.effective_width
    4
    """
    width = check_int(width, "width")
    seeding.set_seed(seed)
    x_train, y_train = sample_1d(target, n_train)
    x, y = sample_1d(target, n_grid)
    model = sigmoid_layer_model(width, init_scale)
    losses = fit_regression(model, x_train, y_train, epochs, steps_per_epoch, learning_rate)
    weights = [np.asarray(w) for w in model.get_weights()]
    prediction = predict_once(model, x)
    k1, b1 = np.asarray(weights[0], "float64"), np.asarray(weights[1], "float64")
    corr = similarity.upper_triangle(
        similarity.activation_correlation(hidden_activations(weights, x)))
    corr = np.abs(corr[np.isfinite(corr)])
    return WidthFit(
        width=width,
        mse=float(np.mean((prediction - y) ** 2)),
        train_mse=float(losses[-1]),
        weights=weights,
        prediction=prediction[:, 0],
        loss_history=losses,
        effective_width=int(similarity.effective_width(similarity.unit_vectors(k1, b1))),
        mean_abs_correlation=float(corr.mean()) if corr.size else float("nan"),
        centres=_centres(k1, b1),
    )


def sweep_widths(widths=DEFAULT_WIDTHS, epochs=20, steps_per_epoch=50, seed=1,
                 learning_rate=0.05, target=wave, n_train=128, n_grid=1001, init_scale=3.0):
    """``train_width`` for every width (same seed, data and budget); error vs width."""
    if isinstance(widths, (str, bytes)) or not hasattr(widths, "__iter__"):
        raise ValueError(f"`widths` must be a list of positive integers. Received: widths={widths!r}")
    widths = tuple(check_int(w, "widths") for w in widths)
    if not widths:
        raise ValueError("`widths` is empty; give at least one width, e.g. (1, 8).")
    fits = [train_width(w, epochs, steps_per_epoch, seed, learning_rate, target,
                        n_train, n_grid, init_scale) for w in widths]
    x_train, y_train = sample_1d(target, n_train)
    x, y = sample_1d(target, n_grid)
    return WidthSweep(x=x, y=y[:, 0].astype("float64"), x_train=x_train, y_train=y_train,
                      widths=widths, mse=np.array([f.mse for f in fits]), fits=fits, seed=seed)
