"""Lab 3 ("Single neuron per layer" and "Identical nodes", docs/questions.md):
why does zero (or constant) initialization "collapse the network to one
neuron per layer", and why does an all-zero ReLU net not move?

The setup is the Deep Learning Specialization's initialization assignment: a
[2, 10, 5, 1] ReLU/ReLU/sigmoid network on two noisy circles (300 training
and 100 test points), trained by full-batch gradient descent. Each
initialization is trained the same way while ``NeuronDifferentiation``
records the effective width (number of distinct units) of both hidden layers.

Example:

>>> run = train_dls("constant", iterations=200)
>>> run.effective_width["layer1"][-1], run.effective_width["layer2"][-1]
(1, 1)
>>> start_gradients("zeros")["layer1/kernel"]   # exactly 0.0
0.0
"""

from dataclasses import dataclass, field

import keras
import numpy as np

from mlscompanion._validation import check_number, check_steps_per_record
from mlscompanion.tracker import NeuronDifferentiation
from mlscompanion import seeding
from mlscompanion.datasets import load_dls_circles, make_circles
from mlscompanion.gradients import variable_gradients
from mlscompanion.training import binary_accuracy, fit_full_batch

__all__ = [
    "INITIALIZATIONS",
    "LABELS",
    "DLS_REFERENCE",
    "LAYER_DIMS",
    "make_circles",
    "load_dls_circles",
    "unbalanced_circles",
    "make_initializer",
    "build_dls_model",
    "InitRun",
    "train_dls",
    "fit_full_batch",
    "run_initializations",
    "accuracy_table",
    "decision_is_half_plane",
    "start_gradients",
    "gradient_table",
    "relu_derivative_at_zero",
]

#: The initializations the lab compares, in display order.
INITIALIZATIONS = ("zeros", "constant", "large_random", "he")

LABELS = {
    "zeros": "zeros",
    "constant": "constant 0.5",
    "large_random": "large random (N(0,1) x 10)",
    "he": "He normal",
}

#: Train / test accuracy (%) reported by the DLS assignment (lr 0.01, 15,000
#: iterations); the constant initialization is not in the assignment.
DLS_REFERENCE = {
    "zeros": (50.0, 50.0),
    "constant": (None, None),
    "large_random": (83.0, 86.0),
    "he": (99.3, 96.0),
}

#: The DLS network: 2 inputs, hidden layers of 10 and 5 units, 1 output.
LAYER_DIMS = (2, 10, 5, 1)

CONSTANT = 0.5


def unbalanced_circles(keep_outer=0.5):
    """The training circles with only a share ``keep_outer`` of the outer (y=0)
    points kept: with unbalanced classes the output bias gets a real gradient.

    Returns ``(X, y)``; with the default 150 inner and 75 outer points.
    """
    if not (isinstance(keep_outer, (int, float)) and 0 < keep_outer <= 1):
        raise ValueError(f"`keep_outer` must be in (0, 1]. Received: keep_outer={keep_outer!r}")
    X, y = load_dls_circles()[:2]
    outer = np.flatnonzero(y[:, 0] < 0.5)
    drop = outer[int(round(keep_outer * len(outer))):]
    keep = np.setdiff1d(np.arange(len(y)), drop)
    return X[keep], y[keep]


def make_initializer(init, seed=None):
    """The kernel initializer called ``init`` (one of ``INITIALIZATIONS``).

    ``"large_random"`` is the assignment's ``np.random.randn(...) * 10``;
    ``"he"`` is Keras' ``HeNormal``; ``"constant"`` puts 0.5 in every weight.
    """
    if init == "zeros":
        return keras.initializers.Zeros()
    if init == "constant":
        return keras.initializers.Constant(CONSTANT)
    if init == "large_random":
        return keras.initializers.RandomNormal(stddev=10.0, seed=seed)
    if init == "he":
        return keras.initializers.HeNormal(seed=seed)
    raise ValueError(
        f"`init` must be one of {INITIALIZATIONS}. Received: init={init!r}"
    )


def build_dls_model(init="he", activation="relu", seed=1, layer_dims=LAYER_DIMS):
    """The assignment's network: Dense layers ``layer1``, ``layer2`` (``activation``)
    and ``layer3`` (sigmoid); kernels from ``make_initializer(init)``, biases zero.

    Example:

    >>> model = build_dls_model("zeros")
    >>> [layer.units for layer in model.layers]
    [10, 5, 1]
    """
    if activation not in ("relu", "tanh", "sigmoid", "linear"):
        raise ValueError(
            "`activation` must be 'relu', 'tanh', 'sigmoid' or 'linear'. "
            f"Received: activation={activation!r}"
        )
    layer_dims = tuple(layer_dims)
    if len(layer_dims) < 2 or any(
        isinstance(d, bool) or not isinstance(d, (int, np.integer)) or d < 1 for d in layer_dims
    ):
        raise ValueError(
            "`layer_dims` must list at least 2 positive ints (inputs, ..., outputs). "
            f"Received: layer_dims={layer_dims!r}"
        )
    make_initializer(init)  # validate before building anything
    layers = [keras.Input((layer_dims[0],))]
    last = len(layer_dims) - 1
    for index, units in enumerate(layer_dims[1:], start=1):
        layers.append(keras.layers.Dense(
            units,
            activation="sigmoid" if index == last else activation,
            kernel_initializer=make_initializer(init, seed=seed + index),
            bias_initializer="zeros",
            name=f"layer{index}",
        ))
    return keras.Sequential(layers, name=f"dls_{init}")


@dataclass
class InitRun:
    """One initialization trained on the circles."""

    init: str
    label: str
    train_accuracy: float  # percent
    test_accuracy: float  # percent
    iterations: np.ndarray  # the record points (gradient steps taken)
    cost: np.ndarray  # training cost at each record point
    effective_width: dict  # layer name -> effective width at each record point
    max_unit_distance: dict  # layer name -> largest distance between two units
    weight_change: dict  # "layer1/kernel" etc. -> max |final - initial|
    model: object = field(repr=False, default=None)


def _weight_dict(model):
    values = {}
    for layer in model.layers:
        for weight in layer.weights:
            kind = "kernel" if "kernel" in weight.path else "bias"
            values[f"{layer.name}/{kind}"] = keras.ops.convert_to_numpy(weight)
    return values


def _cost(model, X, y):
    p = model(keras.ops.convert_to_tensor(X))
    return float(keras.ops.convert_to_numpy(
        keras.ops.mean(keras.losses.binary_crossentropy(keras.ops.convert_to_tensor(y), p))
    ))


def _check_training_arguments(init, iterations, records, learning_rate):
    """Raise early on a bad argument of ``train_dls``; return ``iterations``, ``records``."""
    make_initializer(init)
    iterations, records = check_steps_per_record(iterations, records, steps_name="iterations")
    check_number(learning_rate, "learning_rate", above=0)
    return iterations, records


def _per_layer(history, key):
    """``{layer: array of the records' key}`` from a tracker history."""
    layers = list(dict.fromkeys(rec["layer"] for rec in history))
    return {
        name: np.array([r[key] for r in history if r["layer"] == name])
        for name in layers
    }


def train_dls(
    init,
    iterations=3000,
    learning_rate=0.1,
    records=30,
    activation="relu",
    seed=1,
    data=None,
):
    """Train the DLS network from initialization ``init`` by full-batch gradient descent.

    Each of the ``iterations`` steps is one ``keras.optimizers.SGD`` step on
    the whole training set (the assignment's update ``W -= lr * dW``). The
    training set is tiled so that one Keras epoch holds
    ``iterations // records`` full-batch steps; after each epoch the tracker
    records every hidden layer and the training cost is measured.

    Example:

    >>> run = train_dls("he", iterations=300, records=3)
    >>> run.iterations
    array([  0, 100, 200, 300])

    Returns an ``InitRun``.
    """
    iterations, records = _check_training_arguments(init, iterations, records, learning_rate)
    X_train, y_train, X_test, y_test = data if data is not None else load_dls_circles()
    steps_per_record = iterations // records
    seeding.set_seed(seed, deterministic=False)
    model = build_dls_model(init, activation=activation, seed=seed)
    before = _weight_dict(model)
    costs = [_cost(model, X_train, y_train)]
    tracker = NeuronDifferentiation()
    cost_recorder = keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: costs.append(_cost(model, X_train, y_train))
    )
    fit_full_batch(
        model, X_train, y_train, keras.optimizers.SGD(learning_rate), "binary_crossentropy",
        steps=iterations, records=records, callbacks=[tracker, cost_recorder],
    )
    after = _weight_dict(model)
    return InitRun(
        init=init,
        label=LABELS[init],
        train_accuracy=binary_accuracy(model, X_train, y_train),
        test_accuracy=binary_accuracy(model, X_test, y_test),
        iterations=np.arange(records + 1) * steps_per_record,
        cost=np.array(costs),
        effective_width=_per_layer(tracker.history, "effective_width"),
        max_unit_distance=_per_layer(tracker.history, "max_distance"),
        weight_change={k: float(np.max(np.abs(after[k] - before[k]))) for k in before},
        model=model,
    )


def run_initializations(
    inits=INITIALIZATIONS, iterations=3000, learning_rate=0.1, records=30, seed=1
):
    """Train one network per initialization; returns ``{init: InitRun}``."""
    if isinstance(inits, str):
        inits = [inits]
    data = load_dls_circles()
    return {
        init: train_dls(init, iterations, learning_rate, records, seed=seed, data=data)
        for init in inits
    }


def accuracy_table(runs):
    """Rows ``(label, train %, test %, DLS train %, DLS test %)``, one per run."""
    return [
        (run.label, run.train_accuracy, run.test_accuracy, *DLS_REFERENCE[init])
        for init, run in runs.items()
    ]


def decision_is_half_plane(run, points):
    """True when the network's decision on ``points`` is a threshold on
    ``z = w.x + b`` of ``layer1``'s (single distinct) unit: a half-plane.

    Only meaningful for a run whose hidden layers collapsed to one distinct
    unit (zeros, constant): such a network IS a width-1 chain (lab 4), so
    its decision region must be a half-plane.
    """
    from mlscompanion.labs.one_neuron.half_plane import is_threshold_split

    width = run.effective_width["layer1"][-1]
    if width != 1:
        raise ValueError(
            f"decision_is_half_plane needs a run whose layer1 has ONE distinct unit; "
            f"the {run.init!r} run ends with effective width {width}."
        )
    kernel, bias = run.model.get_layer("layer1").get_weights()
    points = np.asarray(points, dtype="float32")
    z = points.astype("float64") @ kernel[:, 0].astype("float64") + float(bias[0])
    p = keras.ops.convert_to_numpy(run.model(keras.ops.convert_to_tensor(points)))
    return is_threshold_split(z, p.reshape(-1) > 0.5)


def start_gradients(init="zeros", activation="relu", data=None, seed=1):
    """Norm of dJ/dW for each weight of the untrained DLS network.

    Example:

    >>> start_gradients("zeros", "relu")
    {'layer1/kernel': 0.0, 'layer1/bias': 0.0, ..., 'layer3/bias': 3.77e-08}

    (The output bias gets only float32 round-off: on the balanced circles its
    gradient 0.5 - mean(y) is 0.)
    """
    if data is None:
        X, y = load_dls_circles()[:2]
    else:
        X, y = data
    seeding.set_seed(seed, deterministic=False)
    model = build_dls_model(init, activation=activation, seed=seed)
    grads = variable_gradients(model, X, y)
    return {f"{layer}/{kind}": float(np.linalg.norm(g)) for (layer, kind), g in grads.items()}


def gradient_table(
    inits=("zeros", "constant", "he"), activations=("relu", "tanh", "sigmoid"), data=None
):
    """``{(init, activation): start_gradients(...)}`` for every combination."""
    return {
        (init, activation): start_gradients(init, activation, data=data)
        for init in inits
        for activation in activations
    }


def relu_derivative_at_zero():
    """What Keras uses for ReLU'(0): the gradient of ``keras.activations.relu`` at 0.

    (Mathematically ReLU has no derivative at 0; every backend picks a value.)
    """
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        x = tf.zeros(1)
        with tf.GradientTape() as tape:
            tape.watch(x)
            out = keras.activations.relu(x)
        return float(tape.gradient(out, x).numpy()[0])
    if backend == "jax":
        import jax

        relu_sum = lambda v: keras.activations.relu(v).sum()  # noqa: E731
        return float(jax.grad(relu_sum)(0.0))
    raise NotImplementedError(
        f"relu_derivative_at_zero supports the tensorflow and jax backends, not {backend!r}."
    )
