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

Example:

>>> collapse = linear_collapse()
>>> collapse.max_abs_diff < 1e-5
True
>>> count_params([16, 16, 16]), count_params([197])
(593, 592)
"""

import numbers
from dataclasses import dataclass, field

import keras
import numpy as np

from mlscompanion._validation import check_int
from mlscompanion import seeding
from mlscompanion.labs.width.experiment import fit_full_batch, predict_once, sample_1d

__all__ = [
    "LinearCollapse",
    "linear_collapse",
    "relu_sum_identity",
    "TwoWeightsVsOne",
    "two_weights_vs_one",
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


# ----- 1. linear collapse ----------------------------------------------------
@dataclass
class LinearCollapse:
    """Two stacked linear layers vs the single matrix they multiply to."""

    W1: np.ndarray  # (inputs, hidden)
    W2: np.ndarray  # (hidden, outputs)
    product: np.ndarray  # W1 @ W2, (inputs, outputs)
    x: np.ndarray
    two_layer: np.ndarray  # predictions of the stacked model
    one_layer: np.ndarray  # predictions of Dense(kernel=W1 @ W2)
    max_abs_diff: float
    params_two_layer: int
    params_one_layer: int
    rank: int  # rank of W1 @ W2 (at most min(inputs, hidden, outputs))


def linear_collapse(inputs=3, hidden=4, outputs=2, n=6, seed=2):
    """Build ``Dense(hidden) -> Dense(outputs)`` (linear, no bias), multiply
    the kernels, and compare with one ``Dense(outputs)`` holding the product.

    >>> result = linear_collapse()
    >>> result.product.shape, bool(np.allclose(result.two_layer, result.one_layer))
    ((3, 2), True)
    """
    inputs = check_int(inputs, "inputs")
    hidden = check_int(hidden, "hidden")
    outputs = check_int(outputs, "outputs")
    n = check_int(n, "n")
    seeding.set_seed(seed)
    two = keras.Sequential(
        [
            keras.Input((inputs,)),
            keras.layers.Dense(hidden, use_bias=False, name="linear1"),
            keras.layers.Dense(outputs, use_bias=False, name="linear2"),
        ],
        name="two_linear_layers",
    )
    W1 = keras.ops.convert_to_numpy(two.get_layer("linear1").kernel).astype("float32")
    W2 = keras.ops.convert_to_numpy(two.get_layer("linear2").kernel).astype("float32")
    product = W1 @ W2
    one = keras.Sequential(
        [keras.Input((inputs,)), keras.layers.Dense(outputs, use_bias=False, name="linear")],
        name="one_linear_layer",
    )
    one.set_weights([product])
    x = np.random.default_rng(seed).normal(size=(n, inputs)).astype("float32")
    two_layer = predict_once(two, x).astype("float32")
    one_layer = predict_once(one, x).astype("float32")
    return LinearCollapse(
        W1=W1,
        W2=W2,
        product=product,
        x=x,
        two_layer=two_layer,
        one_layer=one_layer,
        max_abs_diff=float(np.max(np.abs(two_layer - one_layer))),
        params_two_layer=int(two.count_params()),
        params_one_layer=int(one.count_params()),
        rank=int(np.linalg.matrix_rank(product)),  # float32 tolerance
    )


# ----- 2. relu(w1 x + w2 x) = relu((w1 + w2) x) ---------------------------------
def relu_sum_identity(w1=0.7, w2=-1.2, x=None, seed=2):
    """Both sides of ``relu(w1*x + w2*x) == relu((w1 + w2)*x)`` in float32.

    Returns a dict with ``x``, ``left``, ``right``, ``max_abs_diff`` (0 up to
    float32 rounding: the two sides round differently) and ``w3 = w1 + w2``.

    >>> relu_sum_identity(0.5, 0.25, x=[-1.0, 2.0])["right"]
    array([0. , 1.5], dtype=float32)
    """
    for name, value in (("w1", w1), ("w2", w2)):
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise TypeError(f"`{name}` must be a number. Received: {name}={value!r}")
    if x is None:
        x = np.random.default_rng(seed).normal(size=1000)
    x = np.asarray(x, dtype="float32")
    w1, w2 = np.float32(w1), np.float32(w2)
    left = keras.ops.convert_to_numpy(keras.ops.relu(w1 * x + w2 * x))
    right = keras.ops.convert_to_numpy(keras.ops.relu((w1 + w2) * x))
    return {
        "x": x,
        "left": left,
        "right": right,
        "max_abs_diff": float(np.max(np.abs(left - right))) if x.size else 0.0,
        "w3": float(w1 + w2),
    }


@dataclass
class TwoWeightsVsOne:
    """The forum's two models trained side by side; one entry per step
    (the starting weights first)."""

    w1: np.ndarray
    w2: np.ndarray
    w3: np.ndarray
    loss_two: np.ndarray  # MSE of relu(w1*x + w2*x) at each step's weights
    loss_one: np.ndarray  # MSE of relu(w3*x) at each step's weights
    learning_rate: float
    optimizer: str

    @property
    def max_sum_gap(self):
        """max over steps of |(w1 + w2) - w3|."""
        return float(np.max(np.abs(self.w1 + self.w2 - self.w3)))


class _RecordKernels(keras.callbacks.Callback):
    """Reads the 1x1 kernels of the named layers before training and after every step."""

    def __init__(self, names):
        super().__init__()
        self.names = names
        self.values = []

    def _take(self):
        self.values.append([
            float(keras.ops.convert_to_numpy(self.model.get_layer(n).kernel)[0, 0])
            for n in self.names])

    def on_train_begin(self, logs=None):
        self._take()

    def on_train_batch_end(self, batch, logs=None):
        self._take()


def _one_weight(name):
    return keras.layers.Dense(1, use_bias=False, name=name)


def two_weights_vs_one(steps=30, learning_rate=0.05, optimizer="sgd", w1=0.3, w2=0.2,
                       slope=1.5, n=64, seed=2):
    """Train ``relu(w1*x + w2*x)`` with learning rate ``lr`` and
    ``relu(w3*x)`` (w3 = w1 + w2 at the start) with ``2 * lr``, full batch,
    on y = relu(slope * x); record the weights after every step.

    The gradients with respect to w1, w2 and w3 are all the same number, so
    every step moves w1 + w2 by 2 * lr * g and w3 by (2 * lr) * g: the sum
    follows w3 exactly (for SGD, and for Adam, whose per-weight step depends
    on the gradient only). Two weights are not easier to train than one;
    the second one only doubles the step.

    >>> run = two_weights_vs_one(steps=5)
    >>> run.max_sum_gap < 1e-6
    True
    """
    steps = check_int(steps, "steps")
    if optimizer not in ("sgd", "adam"):
        raise ValueError(f"`optimizer` must be 'sgd' or 'adam'. Received: optimizer={optimizer!r}")
    if not learning_rate > 0:
        raise ValueError(f"`learning_rate` must be > 0. Received: learning_rate={learning_rate!r}")
    seeding.set_seed(seed)
    x = np.random.default_rng(seed).normal(size=(n, 1)).astype("float32")
    y = np.maximum(slope * x, 0.0).astype("float32")

    inp = keras.Input((1,))
    summed = keras.layers.Add()([_one_weight("w1")(inp), _one_weight("w2")(inp)])
    two = keras.Model(inp, keras.layers.Activation("relu")(summed), name="relu_w1x_plus_w2x")
    two.set_weights([np.array([[w1]], "float32"), np.array([[w2]], "float32")])
    one = keras.Sequential([keras.Input((1,)), _one_weight("w3"),
                            keras.layers.Activation("relu")], name="relu_w3x")
    one.set_weights([np.array([[w1 + w2]], "float32")])

    optimizer_class = {"sgd": keras.optimizers.SGD, "adam": keras.optimizers.Adam}[optimizer]
    # The data repeated `steps` times in batches of n: one full-batch step per copy.
    xs, ys = np.tile(x, (steps, 1)), np.tile(y, (steps, 1))
    recorded = []
    for model, lr, names in ((two, learning_rate, ["w1", "w2"]),
                             (one, 2 * learning_rate, ["w3"])):
        model.compile(optimizer=optimizer_class(lr), loss="mse")
        record = _RecordKernels(names)
        model.fit(xs, ys, batch_size=n, epochs=1, shuffle=False, verbose=0, callbacks=[record])
        recorded.append(np.array(record.values, dtype="float64"))
    w12, w3 = recorded[0], recorded[1][:, 0]

    def mse(w):  # the loss at weight(s) w: relu(w * x) against y
        return np.mean((np.maximum(np.outer(w, x[:, 0]), 0.0) - y[:, 0]) ** 2, axis=1)

    return TwoWeightsVsOne(w1=w12[:, 0], w2=w12[:, 1], w3=w3,
                           loss_two=mse(w12[:, 0] + w12[:, 1]), loss_one=mse(w3),
                           learning_rate=float(learning_rate), optimizer=optimizer)


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
    fit_full_batch(model, x_train, y_train, epochs, steps_per_epoch, learning_rate)
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
