"""Lab 2 ("Individual neurons", docs/questions.md): if neurons get the same
data, why do they end up different?

Two copies of the forum's 2-2-1 network start from the same point: the
symmetric start (w1=w3, w2=w4, w5=w6, equal biases) nudged by a small seeded
perturbation of layer 1's kernel. The untied copy's two hidden units separate;
the tied one is pulled together after its first optimizer step and kept
identical by the constraints for ever. (From the symmetric start itself the
units would stay identical with no tie at all: that start cannot show a tie
working.)

Before any training, ``start_gradients`` shows why: with a symmetric start
dJ/dw1 equals dJ/dw3 bit for bit, and once w5 != w6 they differ (the
chain rule of the thread: dz3/da1 = w5, dz1/dw1 = x1).

Example:

>>> result = run_tied_vs_untied(epochs=2)
>>> result.tied.effective_width, result.untied.effective_width
(1, 2)
>>> check = start_gradients(w6_offset=0.0)
>>> check.gradients["w1"] == check.gradients["w3"]
True
"""

from dataclasses import dataclass, field

import keras
import numpy as np

from mlscompanion.tracker import NeuronDifferentiation
from mlscompanion import datasets, initializers, models, seeding, tying
from mlscompanion.gradients import _check_xy, gradients_by_name, variable_gradients

__all__ = [
    "WeightTrajectory",
    "RunResult",
    "DemoResult",
    "symmetric_weights",
    "train_forum_network",
    "run_tied_vs_untied",
    "WEIGHT_NAMES",
    "TIED_PAIRS",
    "variable_gradients",
    "gradients_by_name",
    "GradientCheck",
    "start_gradients",
    "chain_rule_gradients",
    "tied_pairs_equal",
]

WEIGHT_NAMES = ("w1", "w2", "w3", "w4", "w5", "w6", "b1", "b2", "b3")
#: The pairs a tie keeps equal in the 2-2-1 network (unit 1 vs unit 2).
TIED_PAIRS = (("w1", "w3"), ("w2", "w4"), ("w5", "w6"), ("b1", "b2"))


class WeightTrajectory(keras.callbacks.Callback):
    """Records every named weight (w1.., b1..) before training and after each epoch."""

    def __init__(self):
        super().__init__()
        self.epochs = []
        self.values = []

    def _take(self, epoch):
        self.epochs.append(epoch)
        self.values.append(tying.weight_names(self.model).values())

    def on_train_begin(self, logs=None):
        if not self.epochs:
            self._take(0)

    def on_epoch_end(self, epoch, logs=None):
        self._take(epoch + 1)

    def as_array(self, names):
        return np.array([[v[n] for n in names] for v in self.values])


@dataclass
class RunResult:
    """One trained copy of the 2-2-1 network."""

    label: str
    before: dict
    after: dict
    effective_width: int
    accuracy: float
    epochs: list
    trajectory: np.ndarray  # epochs x WEIGHT_NAMES
    unit_distance: list  # distance between the two hidden units, per record
    tracker_history: list = field(repr=False, default_factory=list)
    tracker: object = field(repr=False, default=None)  # with unit maps (plot_maps)


@dataclass
class DemoResult:
    tied: RunResult
    untied: RunResult
    seed: int
    perturbation: float


def symmetric_weights(seed=1234, units=2, inputs=2):
    """A symmetric start for an inputs-units-1 net: equal kernel columns, zero
    biases, equal outgoing weights (w5=w6 for the 2-2-1 net).

    Returns ``[kernel1, bias1, kernel2, bias2]`` for ``model.set_weights``.

    Example:

    >>> kernel1, bias1, kernel2, bias2 = symmetric_weights(seed=1, units=3)
    >>> bool(np.all(kernel1 == kernel1[:, :1])), bool(np.all(kernel2 == kernel2[0]))
    (True, True)
    """
    for name, value in (("units", units), ("inputs", inputs)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"`{name}` must be a positive int. Received: {name}={value!r}")
    kernel1 = keras.ops.convert_to_numpy(
        initializers.IdenticalUnits(seed=seed)((inputs, units), dtype="float32")
    )
    w_out = keras.ops.convert_to_numpy(
        initializers.IdenticalUnits(seed=seed + 1)((1, units), dtype="float32")
    ).reshape(units, 1)
    return [kernel1, np.zeros(units, "float32"), w_out, np.zeros(1, "float32")]


def _coffee(reps):
    X, y = datasets.load_coffee_data()
    X_norm, _ = datasets.normalize_coffee(X)
    Xt, yt = datasets.tile_like_lab(X_norm, y, reps)
    return X_norm, y, Xt, yt


def _forum_start(tied, perturbation, seed):
    """The forum's 2-2-1 model at the symmetric start (perturbed, tied if asked)."""
    model = models.forum_221()
    weights = symmetric_weights(seed)
    if perturbation:
        noise = np.random.default_rng(seed).normal(size=(2, 2)).astype("float32")
        weights[0] = weights[0] + perturbation * noise
    model.set_weights(weights)
    if tied:
        tying.tie_neurons(model.get_layer("layer1"), [[0, 1]], model=model)
        # tie_neurons projects at once; put the start back so that the tied run
        # starts from the very point the untied one does. Keras applies the
        # constraints after each optimizer step, so the first step (whose
        # gradients already differ between the units) is pulled back, and every
        # later one too: the tie, not the start, keeps the units identical.
        model.set_weights(weights)
    return model


def train_forum_network(
    tied,
    perturbation=0.0,
    epochs=10,
    seed=1234,
    reps=20,
    learning_rate=0.01,
    verbose=0,
    label=None,
):
    """Train one 2-2-1 network on the coffee data from the symmetric start.

    ``perturbation`` adds seeded Gaussian noise of that size to layer 1's
    kernel before training; ``tied=True`` ties w1=w3, w2=w4, w5=w6 (and
    b1=b2) with constraints, which Keras applies after each optimizer step,
    so a tied run starts from the same (perturbed) point as an untied one.
    """
    if perturbation < 0:
        raise ValueError(f"`perturbation` must be >= 0. Received: {perturbation!r}")
    seeding.set_seed(seed)
    X_norm, y, Xt, yt = _coffee(reps)
    model = _forum_start(tied, perturbation, seed)
    before = tying.weight_names(model).values()
    tracker = NeuronDifferentiation(
        layers=["layer1"], tol=0.0, maps={"grid": 60, "tile_grid": 30}, maps_data=(X_norm, y))
    trajectory = WeightTrajectory()
    model.compile(
        loss="binary_crossentropy",
        optimizer=keras.optimizers.Adam(learning_rate),
        metrics=["accuracy"],
    )
    model.fit(Xt, yt, epochs=epochs, verbose=verbose, callbacks=[tracker, trajectory])
    after = tying.weight_names(model).values()
    pred = keras.ops.convert_to_numpy(model(X_norm, training=False)) >= 0.5
    accuracy = float(np.mean(pred == (y >= 0.5)))
    last = tracker.history[-1]
    return RunResult(
        label=label or ("tied" if tied else "untied"),
        before=before,
        after=after,
        effective_width=int(last["effective_width"]),
        accuracy=accuracy,
        epochs=list(trajectory.epochs),
        trajectory=trajectory.as_array(WEIGHT_NAMES),
        unit_distance=[r["min_distance"] for r in tracker.history],
        tracker_history=list(tracker.history),
        tracker=tracker,
    )


def run_tied_vs_untied(epochs=10, perturbation=0.05, seed=1234, reps=20, verbose=0):
    """The demo: the same perturbed start, trained tied and untied."""
    tied = train_forum_network(True, perturbation, epochs, seed, reps, verbose=verbose,
                               label="tied (w1=w3, w2=w4, w5=w6)")
    untied = train_forum_network(False, perturbation, epochs, seed, reps, verbose=verbose,
                                 label=f"untied, perturbed by {perturbation:g}")
    return DemoResult(tied=tied, untied=untied, seed=seed, perturbation=perturbation)


# ----- gradients in w-notation ------------------------------------------------

@dataclass
class GradientCheck:
    """The gradients of the 2-2-1 network at one starting point."""

    label: str
    weights: dict  # w-notation values the gradients were taken at
    gradients: dict  # dJ/dw for every name, by autodiff
    by_hand: dict  # the same from the chain rule in NumPy (float64)
    loss: float

    def gradient_ratio(self, a, b):
        """dJ/da divided by dJ/db, e.g. ``gradient_ratio("w1", "w3")``."""
        return self.gradients[a] / self.gradients[b]

    def weight_ratio(self, a, b):
        """a divided by b, e.g. ``weight_ratio("w5", "w6")``."""
        return self.weights[a] / self.weights[b]


def _forward(weights, x):
    """The 2-2-1 sigmoid network in NumPy (float64): a1, a2, a3."""
    w = {k: np.float64(v) for k, v in weights.items()}
    sigmoid = lambda z: 1.0 / (1.0 + np.exp(-z))  # noqa: E731
    a1 = sigmoid(w["w1"] * x[:, 0] + w["w2"] * x[:, 1] + w["b1"])
    a2 = sigmoid(w["w3"] * x[:, 0] + w["w4"] * x[:, 1] + w["b2"])
    a3 = sigmoid(w["w5"] * a1 + w["w6"] * a2 + w["b3"])
    return a1, a2, a3


def chain_rule_gradients(weights, x, y):
    """dJ/dw of the 2-2-1 sigmoid net by the thread's chain rule, in NumPy.

    J is the mean binary cross-entropy. For one sample,
    dJ/dw1 = dJ/da3 * da3/dz3 * dz3/da1 * da1/dz1 * dz1/dw1
           = (a3 - y)  *   w5   *  a1 (1 - a1)  *  x1,
    and dJ/dw3 is the same with w6, a2 in place of w5, a1. The batch
    gradient is the mean over samples.

    Example:

    >>> chain_rule_gradients({"w1": .2, "w2": -.5, "w3": .2, "w4": -.5,
    ...                       "w5": 1., "w6": 1., "b1": 0., "b2": 0., "b3": 0.},
    ...                      X_norm, y)["w1"]
    """
    missing = [name for name in WEIGHT_NAMES if name not in weights]
    if missing:
        raise ValueError(
            f"`weights` must give every name of the 2-2-1 net {WEIGHT_NAMES}; "
            f"missing {missing}."
        )
    x, y = _check_xy(x, y, 2)
    x = x.astype("float64")
    y = y.astype("float64").reshape(-1)
    a1, a2, a3 = _forward(weights, x)
    dz3 = (a3 - y) / len(y)  # dJ/dz3 for sigmoid + cross-entropy, per sample
    dz1 = dz3 * weights["w5"] * a1 * (1 - a1)  # dz3/da1 = w5
    dz2 = dz3 * weights["w6"] * a2 * (1 - a2)  # dz3/da2 = w6
    sums = lambda v: float(np.sum(v))  # noqa: E731
    return {
        "w1": sums(dz1 * x[:, 0]), "w2": sums(dz1 * x[:, 1]),  # dz1/dw1 = x1, dz1/dw2 = x2
        "w3": sums(dz2 * x[:, 0]), "w4": sums(dz2 * x[:, 1]),
        "w5": sums(dz3 * a1), "w6": sums(dz3 * a2),
        "b1": sums(dz1), "b2": sums(dz2), "b3": sums(dz3),
    }


def start_gradients(w6_offset=0.0, seed=1234, label=None):
    """The gradients of the 2-2-1 network at its symmetric start, on the 200
    normalized coffee roasts, optionally with w6 moved away from w5.

    ``w6_offset=0`` gives w1=w3, w2=w4, b1=b2, w5=w6: then dJ/dw1 == dJ/dw3
    exactly. Any other offset makes w5 != w6 and the two differ.

    Example:

    >>> same = start_gradients(0.0)
    >>> moved = start_gradients(0.1)
    >>> same.gradients["w1"] == same.gradients["w3"], moved.gradients["w1"] == moved.gradients["w3"]
    (True, False)
    """
    if isinstance(w6_offset, bool) or not isinstance(w6_offset, (int, float)) or not np.isfinite(w6_offset):
        raise ValueError(f"`w6_offset` must be a finite number. Received: w6_offset={w6_offset!r}")
    seeding.set_seed(seed)
    X_norm, y = _coffee(1)[:2]
    model = models.forum_221()
    weights = symmetric_weights(seed)
    weights[2] = weights[2] + np.array([[0.0], [w6_offset]], dtype="float32")
    model.set_weights(weights)
    values = tying.weight_names(model).values()
    prediction = model(X_norm, training=False)
    loss = float(keras.ops.convert_to_numpy(
        keras.ops.mean(keras.losses.binary_crossentropy(y, prediction))))
    default = "w5 = w6" if w6_offset == 0 else f"w6 = w5 + {w6_offset:g}"
    return GradientCheck(
        label=label or default,
        weights=values,
        gradients=gradients_by_name(model, X_norm, y),
        by_hand=chain_rule_gradients(values, X_norm, y),
        loss=loss,
    )


def tied_pairs_equal(values, pairs=TIED_PAIRS):
    """``{(a, b): values[a] == values[b]}`` for each pair: exact (bit-for-bit) equality.

    Example:

    >>> tied_pairs_equal(result.tied.after)
    {('w1', 'w3'): True, ('w2', 'w4'): True, ('w5', 'w6'): True, ('b1', 'b2'): True}
    """
    missing = sorted({n for pair in pairs for n in pair} - set(values))
    if missing:
        raise ValueError(f"`values` has no entry for {missing}; expected names like 'w1'.")
    return {(a, b): bool(values[a] == values[b]) for a, b in pairs}
