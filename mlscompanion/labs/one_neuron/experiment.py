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

import keras
import numpy as np

from mlscompanion._validation import check_int
from mlscompanion import seeding
from mlscompanion.datasets import DISC_RADIUS, grid_points, make_disc
from mlscompanion.training import binary_accuracy, fit_full_batch, predict_once

__all__ = [
    "ACTIVATIONS",
    "DISC_RADIUS",
    "TARGETS",
    "make_disc",
    "make_curve",
    "width1_chain",
    "one_neuron_resnet",
    "train_classifier",
    "train_regressor",
    "HalfPlaneCheck",
    "first_preactivation",
    "is_threshold_split",
    "is_monotone",
    "half_plane_check",
    "best_half_plane_accuracy",
    "best_monotone_mse",
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

ACTIVATIONS = ("sigmoid", "tanh", "relu")

#: 1-D regression targets on [-1, 1]: one monotone (cube root), one not (|x|).
TARGETS = {
    "cbrt": np.cbrt,
    "abs": np.abs,
}


def _check_activation(activation):
    if activation not in ACTIVATIONS:
        raise ValueError(
            f"`activation` must be one of {ACTIVATIONS}. Received: activation={activation!r}"
        )
    return activation


def _check_output(output):
    if output not in ("sigmoid", "linear"):
        raise ValueError(
            "`output` must be 'sigmoid' (classification) or 'linear' (regression). "
            f"Received: output={output!r}"
        )
    return output


# ----- data ---------------------------------------------------------------


def make_curve(target="cbrt", n=200, seed=0, noise=0.0):
    """A 1-D regression set: ``x`` uniform in [-1, 1], ``y = TARGETS[target](x)`` (+ noise).

    ``"cbrt"`` (y = x^(1/3)) is monotone, ``"abs"`` (y = |x|) is not.

    Returns ``x`` (n, 1) and ``y`` (n, 1), float32.
    """
    if target not in TARGETS:
        raise ValueError(f"`target` must be one of {tuple(TARGETS)}. Received: target={target!r}")
    n = check_int(n, "n", 2)
    if not (isinstance(noise, (int, float)) and noise >= 0):
        raise ValueError(f"`noise` must be a number >= 0. Received: noise={noise!r}")
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.0, 1.0, size=(n, 1))
    y = TARGETS[target](x) + noise * rng.normal(size=x.shape)
    return x.astype("float32"), y.astype("float32")


# ----- models -------------------------------------------------------------


#: Start (w, b) of a chain's layers after the first: slope 1 through the
#: previous activation's midpoint (tanh, relu: the identity; sigmoid:
#: sigmoid(4h - 2) has slope 1 at h = 0.5), so a deep chain neither collapses
#: to a constant nor starts dead. Training only; the half-plane argument holds
#: for any weights.
_IDENTITY_LIKE = {"tanh": (1.0, 0.0), "relu": (1.0, 0.0), "sigmoid": (4.0, -2.0)}


def width1_chain(depth, activation="tanh", input_dim=2, output="sigmoid", seed=0):
    """A plain network with ONE neuron in each of ``depth`` hidden layers.

    Layers are ``dense1, act1, ..., dense{depth}, act{depth}`` (Dense(1) then
    the activation, so the pre-activation ``z = w.x + b`` of ``dense1`` can be
    read), a ``readout`` Dense(1) and its activation ``output``. The first
    layer starts Glorot-uniform, later layers near the identity (see
    ``_IDENTITY_LIKE``), the readout at zero. ``depth=0`` is logistic
    regression (``output="sigmoid"``) or linear regression (``"linear"``).

    Example:

    >>> width1_chain(3, "relu").count_params()   # 3 + 2 + 2 + 2
    9
    """
    depth = check_int(depth, "depth", 0)
    _check_activation(activation)
    _check_output(output)
    input_dim = check_int(input_dim, "input_dim", 1)
    inputs = keras.Input((input_dim,), name="x")
    h = inputs
    for k in range(1, depth + 1):
        if k == 1:
            kernel_init, bias_init = keras.initializers.GlorotUniform(seed + k), "zeros"
        else:  # start later layers close to the identity so deep chains can train
            w, b = _IDENTITY_LIKE[activation]
            kernel_init = keras.initializers.Constant(w)
            bias_init = keras.initializers.Constant(b)
        h = keras.layers.Dense(
            1, kernel_initializer=kernel_init, bias_initializer=bias_init, name=f"dense{k}"
        )(h)
        h = keras.layers.Activation(activation, name=f"act{k}")(h)
    outputs = _readout(h, output)
    name = f"chain_{activation}_{depth}" if depth else "logistic_regression"
    return keras.Model(inputs, outputs, name=name)


def one_neuron_resnet(blocks, input_dim=2, output="sigmoid", seed=0):
    """A ResNet whose residual blocks have one hidden ReLU neuron (Lin & Jegelka 2018).

    Block k maps ``h -> h + V_k relu(U_k h + b_k)`` with ``U_k`` (1 x d) and
    ``V_k`` (d x 1); a ``readout`` Dense(1, ``output``) follows. Built with the
    functional API: layers ``block{k}_u``, ``block{k}_v``, ``block{k}`` (Add),
    then ``readout`` and ``output`` as in ``width1_chain``.

    Example:

    >>> one_neuron_resnet(8).count_params()   # 8 * (3 + 2) + 3
    43
    """
    blocks = check_int(blocks, "blocks", 1)
    _check_output(output)
    input_dim = check_int(input_dim, "input_dim", 1)
    inputs = keras.Input((input_dim,), name="x")
    h = inputs
    for k in range(1, blocks + 1):
        r = keras.layers.Dense(
            1, activation="relu", name=f"block{k}_u",
            kernel_initializer=keras.initializers.GlorotUniform(seed + 2 * k),
            bias_initializer=keras.initializers.RandomUniform(-0.5, 0.5, seed=seed + 2 * k),
        )(h)
        r = keras.layers.Dense(
            input_dim, use_bias=False, name=f"block{k}_v",
            kernel_initializer=keras.initializers.GlorotUniform(seed + 2 * k + 1),
        )(r)
        h = keras.layers.Add(name=f"block{k}")([h, r])
    outputs = _readout(h, output)
    return keras.Model(inputs, outputs, name=f"resnet_{blocks}x1")


def _readout(h, output):
    # zero start: the first steps choose the readout's sign from the data, so
    # a chain never starts out fitting the mirror image of the target
    z = keras.layers.Dense(1, kernel_initializer="zeros", name="readout")(h)
    return keras.layers.Activation(output, name="output")(z)


def train_classifier(model, X, y, steps=1000, learning_rate=0.1, seed=0):
    """Full-batch gradient descent on binary cross-entropy; returns the training accuracy (%)."""
    seeding.set_seed(seed, deterministic=False)
    fit_full_batch(model, X, y, keras.optimizers.SGD(learning_rate),
                   "binary_crossentropy", steps=steps)
    return binary_accuracy(model, X, y)


def train_regressor(model, x, y, steps=1000, learning_rate=0.1, seed=0):
    """Full-batch gradient descent on mean squared error; returns the training MSE."""
    seeding.set_seed(seed, deterministic=False)
    fit_full_batch(model, x, y, keras.optimizers.SGD(learning_rate), "mse", steps=steps)
    return _mse(predict_once(model, x), y)


def _mse(prediction, y):
    return float(np.mean((np.asarray(prediction, "float64") - np.asarray(y, "float64")) ** 2))


# ----- the half-plane argument --------------------------------------------


@dataclass
class HalfPlaneCheck:
    """Is a width-1 chain's decision region ``{z > c}`` or ``{z < c}``, z = w.x + b?"""

    is_half_plane: bool  # positives and negatives are split by a threshold on z
    monotone: bool  # the output is a monotone function of z (sorted by z)
    w: np.ndarray  # first layer's weights
    b: float  # first layer's bias
    positive_fraction: float  # share of the points predicted positive
    z_range: tuple  # (min z, max z) over the points


def first_preactivation(model):
    """A model mapping x to the first Dense layer's output ``z = w.x + b``,
    and that layer's ``(w, b)``, for a width-1 chain (``dense1``) or logistic
    regression (the ``readout``: the logit). Any other model is refused:
    the half-plane argument is about plain chains of one-unit layers."""
    layers = [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
    plain = all(
        isinstance(layer, keras.layers.Activation)
        or (isinstance(layer, keras.layers.Dense) and layer.units == 1)
        for layer in layers
    )
    names = [layer.name for layer in layers]
    if not plain or not ({"dense1", "readout"} & set(names)):
        raise ValueError(
            "`model` must be a width-1 chain built by width1_chain (only Dense(1) "
            "and Activation layers, the first named 'dense1', or 'readout' for "
            f"logistic regression). Received a model with layers {names}."
        )
    layer = model.get_layer("dense1" if "dense1" in names else "readout")
    w, b = (keras.ops.convert_to_numpy(v) for v in (layer.kernel, layer.bias))
    return keras.Model(model.input, layer.output), w.reshape(-1), float(b[0])


def is_threshold_split(z, positive):
    """True when one threshold on ``z`` separates the positives from the negatives
    (``positive == (z > c)`` or ``positive == (z < c)`` for some c; an all-positive
    or all-negative set counts, it is the whole plane or the empty set)."""
    z = np.asarray(z, dtype="float64").reshape(-1)
    positive = np.asarray(positive, dtype=bool).reshape(-1)
    if z.shape != positive.shape:
        raise ValueError(
            f"`z` and `positive` must have the same length; got {z.shape[0]} and "
            f"{positive.shape[0]}."
        )
    if positive.all() or not positive.any():
        return True
    zp, zn = z[positive], z[~positive]
    return bool(zn.max() < zp.min() or zp.max() < zn.min())


def is_monotone(z, values, tol=1e-6):
    """True when ``values`` sorted by ``z`` never go up and down by more than
    ``tol``: non-decreasing or non-increasing, up to round-off.

    The default ``tol`` allows float32 round-off: the backend's kernels can
    differ in the last bit from one row to the next (measured: steps of one
    unit in the last place, 6e-8 near 0.5, against the trend).
    """
    z = np.asarray(z, dtype="float64").reshape(-1)
    values = np.asarray(values, dtype="float64").reshape(-1)
    if z.shape != values.shape:
        raise ValueError(
            f"`z` and `values` must have the same length; got {z.shape[0]} and "
            f"{values.shape[0]}."
        )
    if not (isinstance(tol, (int, float)) and tol >= 0):
        raise ValueError(f"`tol` must be a number >= 0. Received: tol={tol!r}")
    order = np.argsort(z, kind="stable")
    steps = np.diff(values[order])
    return bool(np.all(steps >= -tol) or np.all(steps <= tol))


def half_plane_check(model, points):
    """Check the half-plane claim for a width-1 chain on ``points`` (n, 2).

    Computes ``z = w.x + b`` (the first unit's pre-activation, exactly as the
    model computes it) and the prediction on every point in one vectorized
    call each, then checks (a) the output is monotone in z and (b) the
    predicted-positive points are exactly those on one side of a threshold
    on z, i.e. of the line ``w.x + b = c``.

    Example:

    >>> check = half_plane_check(model, grid_points(steps=101))
    >>> check.is_half_plane, check.monotone
    (True, True)
    """
    points = np.asarray(points, dtype="float32")
    if points.ndim != 2:
        raise ValueError(f"`points` must be 2-D (n, features); got shape {points.shape}.")
    z_model, w, b = first_preactivation(model)
    z = predict_once(z_model, points).reshape(-1)
    p = predict_once(model, points).reshape(-1)
    positive = p > 0.5
    return HalfPlaneCheck(
        is_half_plane=is_threshold_split(z, positive),
        monotone=is_monotone(z, p),
        w=w,
        b=b,
        positive_fraction=float(positive.mean()),
        z_range=(float(z.min()), float(z.max())),
    )


def best_half_plane_accuracy(X, y, angles=720):
    """The best accuracy (%) any half-plane classifier gets on ``(X, y)``.

    For each of ``angles`` directions u (every 360/angles degrees) every
    threshold on ``u.x`` is tried, on both sides, in one vectorized pass;
    the result is a close lower bound of the exact optimum (it is exact up to
    the angle resolution). Example: a disc covering half the square gives
    about 66%.
    """
    X = np.asarray(X, dtype="float64")
    y = np.asarray(y).reshape(-1) > 0.5
    if X.ndim != 2 or X.shape[1] != 2 or X.shape[0] != y.shape[0]:
        raise ValueError(
            f"`X` must have shape (n, 2) and `y` n labels; got X {X.shape}, y {y.shape}."
        )
    angles = check_int(angles, "angles", 1)
    theta = np.linspace(0.0, np.pi, angles, endpoint=False)
    directions = np.stack([np.cos(theta), np.sin(theta)])  # (2, angles)
    projection = (X @ directions).T  # (angles, n)
    order = np.argsort(projection, axis=1, kind="stable")
    labels = y[order]
    sorted_proj = np.take_along_axis(projection, order, axis=1)
    n = y.shape[0]
    # predict positive above the threshold after the first k sorted points:
    # correct = negatives among the first k + positives among the rest
    negatives_below = np.concatenate(
        [np.zeros((angles, 1)), np.cumsum(~labels, axis=1)], axis=1
    )
    positives_above = y.sum() - np.concatenate(
        [np.zeros((angles, 1)), np.cumsum(labels, axis=1)], axis=1
    )
    correct = negatives_below + positives_above  # (angles, n + 1)
    # a threshold can only fall between two different projections
    valid = np.ones_like(correct, dtype=bool)
    valid[:, 1:-1] = np.diff(sorted_proj, axis=1) > 0
    correct = np.where(valid, np.maximum(correct, n - correct), -1)
    return float(100.0 * correct.max() / n)


def _increasing_fit(values):
    """Least-squares non-decreasing fit to ``values`` (pool adjacent violators)."""
    means, weights = [], []
    for v in values:
        means.append(float(v))
        weights.append(1)
        while len(means) > 1 and means[-2] > means[-1]:
            w = weights[-2] + weights[-1]
            m = (means[-2] * weights[-2] + means[-1] * weights[-1]) / w
            means[-2:], weights[-2:] = [m], [w]
    return np.repeat(means, weights)


def best_monotone_mse(x, y):
    """The lowest MSE any monotone function of ``x`` reaches on ``(x, y)``.

    A width-1 chain with 1-D input computes ``g(w x + b)`` with ``g``
    monotone, so its training MSE can never go below this number. Computed
    exactly (isotonic regression, increasing and decreasing).

    Example:

    >>> x = np.linspace(-1, 1, 201)
    >>> round(best_monotone_mse(x, np.abs(x)), 3)   # (the V cannot be followed)
    0.057
    """
    x = np.asarray(x, dtype="float64").reshape(-1)
    y = np.asarray(y, dtype="float64").reshape(-1)
    if x.shape != y.shape or x.size == 0:
        raise ValueError(
            f"`x` and `y` must hold the same number (> 0) of values; got {x.size} and {y.size}."
        )
    ys = y[np.argsort(x, kind="stable")]
    up = np.mean((ys - _increasing_fit(ys)) ** 2)
    down = np.mean((ys + _increasing_fit(-ys)) ** 2)
    return float(min(up, down))


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
