"""Seed 004: if neurons get the same data, why do they end up different?

Two copies of the forum's 2-2-1 network start from the same symmetric point
(w1=w3, w2=w4, w5=w6, equal biases). One is tied with constraints and stays
symmetric for ever; the other is untied, nudged by a small seeded
perturbation, and its two hidden units separate.

Example:

>>> result = run_tied_vs_untied(epochs=2)
>>> result.tied.effective_width, result.untied.effective_width
(1, 2)
"""

from dataclasses import dataclass, field

import keras
import numpy as np

from mlscompanion import callbacks, datasets, initializers, models, seeding, tying

__all__ = [
    "WeightTrajectory",
    "RunResult",
    "DemoResult",
    "symmetric_weights",
    "train_forum_network",
    "run_tied_vs_untied",
    "WEIGHT_NAMES",
]

WEIGHT_NAMES = ("w1", "w2", "w3", "w4", "w5", "w6", "b1", "b2", "b3")


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


@dataclass
class DemoResult:
    tied: RunResult
    untied: RunResult
    seed: int
    perturbation: float


def symmetric_weights(seed=1234):
    """A symmetric start for the 2-2-1 net: equal columns, zero biases, w5=w6."""
    kernel1 = keras.ops.convert_to_numpy(
        initializers.IdenticalUnits(seed=seed)((2, 2), dtype="float32")
    )
    w_out = keras.ops.convert_to_numpy(
        initializers.IdenticalUnits(seed=seed + 1)((1, 2), dtype="float32")
    ).reshape(2, 1)
    return [kernel1, np.zeros(2, "float32"), w_out, np.zeros(1, "float32")]


def _coffee(reps):
    X, y = datasets.load_coffee_data()
    X_norm, _ = datasets.normalize_coffee(X)
    Xt, yt = datasets.tile_like_lab(X_norm, y, reps)
    return X_norm, y, Xt, yt


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

    ``tied=True`` ties w1=w3, w2=w4, w5=w6 (and b1=b2) with constraints;
    ``perturbation`` adds seeded Gaussian noise of that size to layer 1's
    kernel before training.
    """
    if perturbation < 0:
        raise ValueError(f"`perturbation` must be >= 0. Received: {perturbation!r}")
    seeding.set_seed(seed)
    X_norm, y, Xt, yt = _coffee(reps)
    model = models.forum_221()
    weights = symmetric_weights(seed)
    if perturbation:
        noise = np.random.default_rng(seed).normal(size=(2, 2)).astype("float32")
        weights[0] = weights[0] + perturbation * noise
    model.set_weights(weights)
    if tied:
        tying.tie_neurons(model.get_layer("layer1"), [[0, 1]], model=model)
    before = tying.weight_names(model).values()
    tracker = callbacks.NeuronDifferentiation(layers=["layer1"], tol=0.0)
    trajectory = WeightTrajectory()
    model.compile(
        loss="binary_crossentropy",
        optimizer=keras.optimizers.Adam(learning_rate),
        metrics=["accuracy"],
    )
    model.fit(Xt, yt, epochs=epochs, verbose=verbose, callbacks=[tracker, trajectory])
    after = tying.weight_names(model).values()
    pred = model.predict(X_norm, verbose=0) >= 0.5
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
    )


def run_tied_vs_untied(epochs=10, perturbation=0.05, seed=1234, reps=20, verbose=0):
    """The demo: the same symmetric start, trained tied and untied (perturbed)."""
    tied = train_forum_network(True, 0.0, epochs, seed, reps, verbose=verbose,
                               label="tied (w1=w3, w2=w4, w5=w6)")
    untied = train_forum_network(False, perturbation, epochs, seed, reps, verbose=verbose,
                                 label=f"untied, perturbed by {perturbation:g}")
    return DemoResult(tied=tied, untied=untied, seed=seed, perturbation=perturbation)
