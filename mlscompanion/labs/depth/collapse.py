"""Lab 6, measurements 1 and 2: linear layers collapse, and relu(w1 x + w2 x).

1. Linear collapse: ``Dense(h, linear) -> Dense(k, linear)`` (no biases) is
   the single matrix ``W1 @ W2``; a one-layer model with that kernel makes
   the same predictions.
2. The forum's identity ``relu(w1*x + w2*x) == relu((w1+w2)*x)``, and its
   consequence for training: gradient steps on (w1, w2) move w1 + w2 exactly
   like steps on one weight w3 with twice the learning rate.

>>> linear_collapse().max_abs_diff < 1e-5
True
>>> two_weights_vs_one(steps=30).max_sum_gap       # w1 + w2 moves like w3
"""

import numbers
from dataclasses import dataclass

import keras
import numpy as np

from mlscompanion._validation import check_int
from mlscompanion import seeding
from mlscompanion.training import predict_once

__all__ = [
    "LinearCollapse",
    "linear_collapse",
    "relu_sum_identity",
    "TwoWeightsVsOne",
    "two_weights_vs_one",
]


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
