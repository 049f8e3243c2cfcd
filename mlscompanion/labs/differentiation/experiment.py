"""Lab 7 ("Identical nodes", docs/questions.md): how do identical-looking units diverge?

The coffee-roasting network (2 inputs, ``units`` sigmoid units, 1 sigmoid
output) starts perfectly symmetric: equal kernel columns, equal biases, equal
outgoing weights. Layer 1's kernel is then nudged by ``epsilon`` along one
seeded direction, and the ``NeuronDifferentiation`` tracker records the
distance between the closest two units every few batches.

With ``epsilon = 0`` the units get the same gradient at every step and stay
bit-identical (no constraint needed). With ``epsilon > 0`` the gap feeds
itself through the chain rule and grows roughly exponentially, so the
smaller ``epsilon``, the later the units separate.

Example:

>>> result = run_differentiation(epsilons=(0.0, 1e-4), epochs=8)
>>> float(result.run(0.0).distance.max())     # identical at every record
0.0
>>> result.run(1e-4).growth_factor > 20       # the nudge grew
True
>>> summarize_growth(result).rate             # ~0.009 per step (doubling every ~80)
"""

from dataclasses import dataclass, field

import keras
import numpy as np

from mlscompanion._validation import check_int
from mlscompanion.tracker import NeuronDifferentiation
from mlscompanion import models, seeding, similarity
from mlscompanion.labs.identical_neurons.experiment import (
    _coffee,
    symmetric_weights,
    variable_gradients,
)

__all__ = [
    "DEFAULT_EPSILONS",
    "DifferentiationRun",
    "DifferentiationResult",
    "GrowthFit",
    "perturbation_direction",
    "symmetric_start",
    "gradient_gap",
    "initial_gradient_gap",
    "train_from_symmetric",
    "run_differentiation",
    "growth_rate",
    "steps_to_reach",
    "GrowthSummary",
    "summarize_growth",
]

DEFAULT_EPSILONS = (0.0, 1e-6, 1e-4, 1e-2)


def _check_epsilon(epsilon):
    if (
        isinstance(epsilon, bool)
        or not isinstance(epsilon, (int, float, np.floating))
        or not np.isfinite(epsilon)
        or epsilon < 0
    ):
        raise ValueError(
            f"`epsilon` must be a finite number >= 0, such as 1e-4. Received: epsilon={epsilon!r}"
        )
    return float(epsilon)


def perturbation_direction(shape, seed=1234):
    """A seeded random direction of Frobenius norm 1 (float64), the same for every epsilon.

    Example:

    >>> d = perturbation_direction((2, 3), seed=1)
    >>> round(float(np.linalg.norm(d)), 12)
    1.0
    """
    shape = tuple(shape)
    if not shape or any(isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 1 for s in shape):
        raise ValueError(f"`shape` must be a tuple of positive ints. Received: shape={shape!r}")
    direction = np.random.default_rng(seed).normal(size=shape)
    return direction / np.linalg.norm(direction)


def symmetric_start(epsilon, units=3, seed=1234, dtype="float32"):
    """The symmetric weights of the 2-units-1 network, layer 1's kernel moved by
    ``epsilon * perturbation_direction``: a perturbation of norm exactly ``epsilon``
    (up to rounding to ``dtype``).

    Returns ``[kernel1, bias1, kernel2, bias2]`` (of ``dtype``) for ``model.set_weights``.
    """
    epsilon = _check_epsilon(epsilon)
    units = check_int(units, "units", 2)
    weights = [w.astype("float64") for w in symmetric_weights(seed, units=units)]
    if epsilon:
        weights[0] = weights[0] + epsilon * perturbation_direction((2, units), seed)
    return [w.astype(dtype) for w in weights]


def gradient_gap(model, x, y, layer="layer1"):
    """The smallest distance between two units' gradients (incoming weights + bias).

    By the chain rule this is exactly 0 when the units are identical, and
    proportional to the gap between them when they are close.
    """
    grads = variable_gradients(model, x, y)
    bias = grads.get((layer, "bias"))
    if (layer, "kernel") not in grads:
        raise ValueError(f"`layer` {layer!r} is not a Dense layer of the model.")
    G = similarity.unit_vectors(grads[(layer, "kernel")], bias)
    return float(np.min(similarity.upper_triangle(similarity.pairwise_distances(G))))


def initial_gradient_gap(epsilon, x, y, units=3, seed=1234):
    """``gradient_gap`` of the coffee network at ``symmetric_start(epsilon)``,
    computed in float64: the gap of a 1e-6 nudge (about 3e-9) is below
    float32's resolution of gradients near 0.1, where rounding, which
    differs from CPU to CPU, would decide it."""
    model = models.coffee_model(units, dtype="float64")
    model.set_weights(symmetric_start(epsilon, units, seed, dtype="float64"))
    return gradient_gap(model, x, y)


@dataclass
class DifferentiationRun:
    """One training run from the symmetric start nudged by ``epsilon``."""

    epsilon: float
    steps: np.ndarray  # optimizer step of each record
    distance: np.ndarray  # distance between the closest two units, per record
    effective_width: np.ndarray  # distinct units (to 1e-6), per record
    initial_gradient_gap: float  # gradient_gap before the first step (in float64)
    loss: np.ndarray  # training loss per epoch
    accuracy: float  # on the 200 roasts after training
    tracker_history: list = field(repr=False, default_factory=list)
    tracker: object = field(repr=False, default=None)  # with maps=True: plot_maps, animate

    @property
    def growth_factor(self):
        """Final distance / initial distance (NaN when both are 0)."""
        first, last = float(self.distance[0]), float(self.distance[-1])
        if first == 0:
            return float("nan") if last == 0 else float("inf")
        return last / first


@dataclass
class GrowthFit:
    """A straight line through log(distance) over ``start..stop`` steps."""

    rate: float  # per step: distance ~ exp(rate * step)
    doubling_steps: float  # ln 2 / rate
    start: int
    stop: int
    points: int


@dataclass
class DifferentiationResult:
    runs: list
    units: int
    seed: int
    epochs: int
    reps: int
    every: int
    learning_rate: float

    @property
    def epsilons(self):
        return [run.epsilon for run in self.runs]

    def run(self, epsilon):
        """The run started with this ``epsilon``."""
        for run in self.runs:
            if run.epsilon == epsilon:
                return run
        raise ValueError(f"No run with epsilon={epsilon!r}. Runs: {self.epsilons}")


def train_from_symmetric(
    epsilon,
    units=3,
    epochs=24,
    reps=20,
    every=50,
    seed=1234,
    learning_rate=0.01,
    verbose=0,
    live=False,
    maps=False,
):
    """Train the coffee network (Adam, batch 32) from the symmetric start nudged
    by ``epsilon``, recording the units every ``every`` batches.

    ``live=True`` shows the tracker's figure while ``fit`` runs (one picture
    updated in place in a notebook, one line per epoch elsewhere).
    ``maps=True`` keeps every unit's map over the (normalized) input plane at
    the start and each epoch end: ``run.tracker.animate(path, what="maps")``
    shows the identical-looking units separating.

    The data are the 200 normalized roasts tiled ``reps`` times, so an epoch
    is ``ceil(200 * reps / 32)`` steps.
    """
    epsilon = _check_epsilon(epsilon)
    units = check_int(units, "units", 2)
    epochs = check_int(epochs, "epochs")
    reps = check_int(reps, "reps")
    every = check_int(every, "every")
    if not (isinstance(learning_rate, (int, float)) and learning_rate > 0):
        raise ValueError(f"`learning_rate` must be a positive number. Received: {learning_rate!r}")
    seeding.set_seed(seed)
    X_norm, y, Xt, yt = _coffee(reps)
    model = models.coffee_model(units)
    model.set_weights(symmetric_start(epsilon, units, seed))
    gap = initial_gradient_gap(epsilon, X_norm, y, units, seed)
    tracker = NeuronDifferentiation(
        layers=["layer1"], every=every, live=live,
        maps={"grid": 60, "tile_grid": 30} if maps else False,
        maps_data=(X_norm, y) if maps else None)
    model.compile(loss="binary_crossentropy", optimizer=keras.optimizers.Adam(learning_rate))
    history = model.fit(Xt, yt, epochs=epochs, verbose=verbose, callbacks=[tracker])
    pred = keras.ops.convert_to_numpy(model(X_norm, training=False)) >= 0.5
    records = tracker.history
    return DifferentiationRun(
        epsilon=epsilon,
        steps=np.array([r["step"] for r in records]),
        distance=np.array([r["min_distance"] for r in records], dtype=float),
        effective_width=np.array([r["effective_width"] for r in records], dtype=float),
        initial_gradient_gap=gap,
        loss=np.array(history.history["loss"], dtype=float),
        accuracy=float(np.mean(pred == (y >= 0.5))),
        tracker_history=list(records),
        tracker=tracker,
    )


def run_differentiation(
    epsilons=DEFAULT_EPSILONS,
    units=3,
    epochs=24,
    reps=20,
    every=50,
    seed=1234,
    learning_rate=0.01,
    verbose=0,
):
    """One ``train_from_symmetric`` run per epsilon, same seed and data.

    Example:

    >>> result = run_differentiation((0.0, 1e-4), epochs=4)
    >>> [run.effective_width[-1] for run in result.runs]
    """
    if isinstance(epsilons, (int, float)) or not hasattr(epsilons, "__iter__"):
        raise ValueError(
            f"`epsilons` must be a list of numbers such as (0.0, 1e-4). Received: {epsilons!r}"
        )
    epsilons = [_check_epsilon(e) for e in epsilons]
    if not epsilons:
        raise ValueError("`epsilons` is empty; give at least one perturbation size.")
    runs = [
        train_from_symmetric(e, units, epochs, reps, every, seed, learning_rate, verbose)
        for e in epsilons
    ]
    return DifferentiationResult(runs, units, seed, epochs, reps, every, learning_rate)


def growth_rate(steps, distances, low=None, high=0.1, min_points=5):
    """Fit distance ~ C exp(rate * step) where the units are separating but still close.

    The fit uses the records whose distance lies in ``[low, high]``; by
    default ``low`` is 10x the first distance (the curve has clearly left its
    start) and ``high = 0.1`` (still small next to the weights, so the
    chain-rule growth is still linear in the gap). Returns a ``GrowthFit``
    with NaN rate when fewer than ``min_points`` records lie in the window.

    Example:

    >>> growth_rate([0, 100, 200, 300], [1e-4, 1e-3, 1e-2, 1e-1], low=1e-4).doubling_steps
    30.1...
    """
    steps = np.asarray(steps, dtype=float).reshape(-1)
    distances = np.asarray(distances, dtype=float).reshape(-1)
    if steps.shape != distances.shape or steps.size == 0:
        raise ValueError(
            f"`steps` and `distances` must be non-empty and the same length. "
            f"Received lengths {steps.size} and {distances.size}."
        )
    if low is None:
        low = 10.0 * distances[0]
    nan = float("nan")
    window = (distances >= low) & (distances <= high) & (distances > 0)
    if low <= 0 or not np.isfinite(low):
        window[:] = False
    if window.sum() < min_points:
        return GrowthFit(nan, nan, -1, -1, int(window.sum()))
    # records in one contiguous stretch: from the first entry into the window
    # to the first exit after it
    index = np.flatnonzero(window)
    first = index[0]
    last = first
    while last + 1 < window.size and window[last + 1]:
        last += 1
    if last - first + 1 < min_points:
        return GrowthFit(nan, nan, -1, -1, int(last - first + 1))
    t, d = steps[first:last + 1], np.log(distances[first:last + 1])
    rate = float(np.polyfit(t, d, 1)[0])
    doubling = float(np.log(2.0) / rate) if rate > 0 else float("inf")
    return GrowthFit(rate, doubling, int(t[0]), int(t[-1]), int(t.size))


def steps_to_reach(steps, distances, level):
    """The first recorded step at which the distance reaches ``level`` (None if never)."""
    if not (isinstance(level, (int, float)) and level > 0):
        raise ValueError(f"`level` must be a positive number. Received: level={level!r}")
    steps = np.asarray(steps).reshape(-1)
    hits = np.flatnonzero(np.asarray(distances, dtype=float).reshape(-1) >= level)
    return int(steps[hits[0]]) if hits.size else None


@dataclass
class GrowthSummary:
    """The growth of every run of a ``DifferentiationResult``.

    ``rate`` is the rate of the fit with the most records (the longest clean
    exponential stretch); ``delays`` compares, for each pair of successive
    epsilons (small, large), the measured extra steps the smaller one needs
    to reach ``level`` with the prediction ln(large / small) / rate.
    """

    level: float
    fits: dict  # epsilon -> GrowthFit (epsilon > 0 only)
    reach: dict  # epsilon -> first step with distance >= level, or None
    rate: float
    delays: list  # (small_eps, large_eps, predicted_steps, measured_steps or None)


def summarize_growth(result, level=0.1):
    """Fit the growth rate of each run and compare the delays the rate predicts.

    Example:

    >>> summary = summarize_growth(run_differentiation(), level=0.1)
    >>> summary.rate, summary.delays
    """
    fits = {
        run.epsilon: growth_rate(run.steps, run.distance)
        for run in result.runs
        if run.epsilon > 0
    }
    reach = {run.epsilon: steps_to_reach(run.steps, run.distance, level) for run in result.runs}
    usable = [fit for fit in fits.values() if np.isfinite(fit.rate) and fit.rate > 0]
    rate = max(usable, key=lambda fit: fit.points).rate if usable else float("nan")
    positive = sorted(fits)
    delays = []
    for small, large in zip(positive, positive[1:]):
        predicted = float(np.log(large / small) / rate) if np.isfinite(rate) else float("nan")
        measured = None
        if reach[small] is not None and reach[large] is not None:
            measured = reach[small] - reach[large]
        delays.append((small, large, predicted, measured))
    return GrowthSummary(level, fits, reach, rate, delays)
