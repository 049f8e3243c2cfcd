"""Lab 4's data and models: width-1 chains, one-neuron ResNets, their training.

>>> model = width1_chain(depth=4, activation="tanh")
>>> train_classifier(model, X, y, steps=200)
>>> x, y = make_curve("cbrt", n=200)
"""

import keras
import numpy as np

from mlscompanion._validation import check_choice, check_int, check_number
from mlscompanion import seeding
from mlscompanion.training import binary_accuracy, fit_full_batch, predict_once

__all__ = [
    "ACTIVATIONS",
    "TARGETS",
    "make_curve",
    "width1_chain",
    "one_neuron_resnet",
    "train_classifier",
    "train_regressor",
]


ACTIVATIONS = ("sigmoid", "tanh", "relu")

#: 1-D regression targets on [-1, 1]: one monotone (cube root), one not (|x|).
TARGETS = {
    "cbrt": np.cbrt,
    "abs": np.abs,
}


def _check_activation(activation):
    return check_choice(activation, "activation", ACTIVATIONS, f"one of {ACTIVATIONS}")


def _check_output(output):
    return check_choice(output, "output", ("sigmoid", "linear"),
                        "'sigmoid' (classification) or 'linear' (regression)")


# ----- data ---------------------------------------------------------------


def make_curve(target="cbrt", n=200, seed=0, noise=0.0):
    """A 1-D regression set: ``x`` uniform in [-1, 1], ``y = TARGETS[target](x)`` (+ noise).

    ``"cbrt"`` (y = x^(1/3)) is monotone, ``"abs"`` (y = |x|) is not.

    Returns ``x`` (n, 1) and ``y`` (n, 1), float32.
    """
    check_choice(target, "target", TARGETS)
    n = check_int(n, "n", 2)
    check_number(noise, "noise", minimum=0)
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
