"""Lab 1: the C2W1 "Coffee Roasting" network rebuilt on Keras 3.

The course model (``Dense(3, sigmoid, name="layer1")``, ``Dense(1, sigmoid,
name="layer2")``, binary cross-entropy, ``Adam(0.01)``) is trained on the
lab's data, normalized and tiled, with ``mlscompanion.set_seed`` and the
``NeuronDifferentiation`` tracker on ``layer1``. The result says whether the
three units ended up different (effective width, distances, activation
correlation) and, in plain words, which region of the (temperature,
duration) plane each unit detects.

Example:

>>> data = prepare_coffee(reps=20)
>>> result = train_coffee(data, epochs=3)
>>> result.effective_width, result.accuracy > result.baseline_accuracy
(3, True)
>>> print(result.units[0].text)
"""

from dataclasses import dataclass, field

import keras
import numpy as np

from mlscompanion._validation import check_int, check_number
from mlscompanion.tracker import NeuronDifferentiation
from mlscompanion import datasets, models, seeding, similarity

__all__ = [
    "CoffeeData",
    "CoffeeResult",
    "UnitDescription",
    "TEMPERATURE_RANGE",
    "DURATION_RANGE",
    "GOOD_ROAST_CORNERS",
    "prepare_coffee",
    "train_coffee",
    "describe_unit",
    "unit_outputs",
    "network_output",
    "good_roast",
    "save_units_picture",
    "save_maps_picture",
]

#: The ranges the lab draws its roasts from (°C and minutes).
TEMPERATURE_RANGE = (150.0, 285.0)
DURATION_RANGE = (11.5, 15.5)

#: Corners of the good-roast region (175 < t < 260, 12 < d < 15,
#: d <= -3/85 t + 21). Inside the data range it is a triangle: the line
#: meets d = 12 at t = 255 and t = 175 at d = 14.82 (below 15), so the
#: bounds t < 260 and d < 15 never bind.
GOOD_ROAST_CORNERS = np.array(
    [[175.0, 12.0], [255.0, 12.0], [175.0, -3.0 / 85.0 * 175.0 + 21.0]]
)


def good_roast(temperature, duration):
    """The course's rule for a good roast, vectorized (returns booleans)."""
    t = np.asarray(temperature, dtype="float64")
    d = np.asarray(duration, dtype="float64")
    return (t > 175) & (t < 260) & (d > 12) & (d < 15) & (d <= -3.0 / 85.0 * t + 21.0)


@dataclass
class CoffeeData:
    """The lab's data: raw, normalized, and tiled for training."""

    X: np.ndarray  # (200, 2) temperature °C, duration min
    y: np.ndarray  # (200, 1) 1 = good roast
    X_norm: np.ndarray  # (200, 2)
    mean: np.ndarray  # (2,) what the Normalization layer learned
    variance: np.ndarray  # (2,)
    X_train: np.ndarray  # (200 * reps, 2), normalized and tiled
    y_train: np.ndarray  # (200 * reps, 1)
    reps: int

    def normalize(self, X):
        """Normalize raw (temperature, duration) rows like the lab's layer does."""
        X = np.asarray(X, dtype="float32")
        return ((X - self.mean) / np.sqrt(self.variance)).astype("float32")


@dataclass
class UnitDescription:
    """What one ``layer1`` unit computes, in the original units (°C, minutes).

    The unit outputs ``sigmoid(w_temperature * t + w_duration * d + bias)``;
    it is *active* (output > 0.5) where that sum is positive.
    """

    unit: int  # 1-based, as the course numbers units
    w_temperature: float  # per °C
    w_duration: float  # per minute
    bias: float
    output_weight: float  # its weight into layer2
    active_fraction: float  # share of the 200 roasts where it is active
    detects: str  # short: the region where this unit votes "bad roast"
    text: str  # one plain sentence


@dataclass
class CoffeeResult:
    """A trained coffee network and what it learned."""

    model: keras.Model = field(repr=False)
    data: CoffeeData = field(repr=False)
    seed: int
    epochs: int
    initial_weights: list = field(repr=False)  # [W1, b1, W2, b2] before training
    W1: np.ndarray  # (2, 3) after training, normalized inputs
    b1: np.ndarray  # (3,)
    W2: np.ndarray  # (3, 1)
    b2: np.ndarray  # (1,)
    loss: list  # per epoch
    accuracy: float  # on the 200 roasts, threshold 0.5
    baseline_accuracy: float  # predicting "bad roast" for every roast
    effective_width: int
    pair_distances: np.ndarray  # units (1,2), (1,3), (2,3)
    activation_correlation: np.ndarray  # 3 x 3, on the 200 roasts
    units: list  # UnitDescription per unit
    tracker_history: list = field(repr=False, default_factory=list)
    tracker: object = field(repr=False, default=None)  # its plot_maps() draws each unit


def prepare_coffee(reps=1000):
    """Load the 200 roasts, normalize them as the lab does and tile them ``reps`` times.

    The course tiles 1000 times (200,000 rows); fewer repetitions mean fewer
    steps per epoch and a faster, slightly less finished training.

    Example:

    >>> data = prepare_coffee(reps=20)
    >>> data.X.shape, data.X_train.shape
    ((200, 2), (4000, 2))
    """
    reps = check_int(reps, "reps")
    X, y = datasets.load_coffee_data()
    X_norm, layer = datasets.normalize_coffee(X)
    mean = keras.ops.convert_to_numpy(layer.mean).reshape(-1).astype("float32")
    variance = keras.ops.convert_to_numpy(layer.variance).reshape(-1).astype("float32")
    X_train, y_train = datasets.tile_like_lab(X_norm, y, reps)
    return CoffeeData(X, y, X_norm, mean, variance, X_train, y_train, reps)


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def unit_outputs(result, X):
    """Each ``layer1`` unit's output for raw (temperature, duration) rows: (rows, 3).

    Computed from the trained weights in NumPy, in one vectorized pass.
    """
    X = np.asarray(X, dtype="float32")
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(
            f"`X` must have shape (rows, 2) (temperature, duration). Received "
            f"shape {X.shape}."
        )
    return _sigmoid(result.data.normalize(X) @ result.W1 + result.b1)


def network_output(result, X):
    """The network's probability of a good roast for raw rows: one ``predict`` call."""
    X = np.asarray(X, dtype="float32")
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(
            f"`X` must have shape (rows, 2) (temperature, duration). Received "
            f"shape {X.shape}."
        )
    return result.model.predict(result.data.normalize(X), verbose=0, batch_size=4096)


def _raw_weights(w_norm, b_norm, mean, variance):
    """Turn ``w · (x - mean) / std + b`` into ``a · x + c`` (original units)."""
    std = np.sqrt(np.asarray(variance, dtype="float64"))
    a = np.asarray(w_norm, dtype="float64") / std
    c = float(b_norm) - float(np.sum(a * np.asarray(mean, dtype="float64")))
    return a, c


def _unit_reading(a_t, a_d, c, output_weight):
    """Where the unit ``a_t·t + a_d·d + c`` is active, and what it detects, in words."""
    t_span = TEMPERATURE_RANGE[1] - TEMPERATURE_RANGE[0]
    d_span = DURATION_RANGE[1] - DURATION_RANGE[0]
    d_mid = float(np.mean(DURATION_RANGE))
    t_mid = float(np.mean(TEMPERATURE_RANGE))
    pull_t, pull_d = abs(a_t) * t_span, abs(a_d) * d_span

    if pull_t > 3 * pull_d and a_t != 0:
        edge = -(a_d * d_mid + c) / a_t
        active = f"when t {'>' if a_t > 0 else '<'} {edge:.0f} °C"
        votes_bad_high = (a_t > 0) == (output_weight < 0)
        bad = f"too {'high' if votes_bad_high else 'low'} temperature " \
              f"(t {'>' if votes_bad_high else '<'} {edge:.0f} °C)"
    elif pull_d > 3 * pull_t and a_d != 0:
        edge = -(a_t * t_mid + c) / a_d
        active = f"when d {'>' if a_d > 0 else '<'} {edge:.1f} min"
        votes_bad_long = (a_d > 0) == (output_weight < 0)
        bad = f"too {'long' if votes_bad_long else 'short'} a duration " \
              f"(d {'>' if votes_bad_long else '<'} {edge:.1f} min)"
    elif a_d != 0:
        slope, intercept = -a_t / a_d, -c / a_d
        line = f"d = {slope:.3f}·t {'+' if intercept >= 0 else '-'} {abs(intercept):.1f}"
        active = f"{'above' if a_d > 0 else 'below'} the line {line}"
        bad_sign = 1 if output_weight < 0 else -1  # +1: the active side is bad
        t_word = "high" if a_t * bad_sign > 0 else "low"
        d_word = "long" if a_d * bad_sign > 0 else "short"
        side = "above" if a_d * bad_sign > 0 else "below"
        bad = (f"too {t_word} a temperature for too {d_word} a time "
               f"({side} the line {line})")
    else:
        active = "nowhere in particular (both weights are 0)"
        bad = "nothing (the unit ignores its inputs)"
    return active, bad


def describe_unit(kernel_column, bias, output_weight, mean, variance, X=None, unit=1):
    """Describe one first-layer unit in plain words, from its weights alone.

    The unit is active (output > 0.5) on one side of the line
    ``a_t·t + a_d·d + c = 0``. If one feature moves that sum more than three
    times as much as the other across the data range, the unit is read as a
    threshold on that feature (e.g. "low temperature"); otherwise as a line
    through the plane. The sign of ``output_weight`` says which side votes
    for a bad roast: that side is what the unit *detects*.

    Example:

    >>> d = describe_unit([3.0, 0.1], 2.0, -5.0, mean=[218.7, 13.4],
    ...                   variance=[1597.0, 1.27])
    >>> d.detects
    'too high temperature (t > 171 °C)'
    """
    w = np.asarray(kernel_column, dtype="float64").reshape(-1)
    if w.shape != (2,):
        raise ValueError(
            f"`kernel_column` must hold 2 weights (temperature, duration). "
            f"Received: {kernel_column!r}"
        )
    a, c = _raw_weights(w, bias, mean, variance)
    a_t, a_d = float(a[0]), float(a[1])
    active, bad = _unit_reading(a_t, a_d, c, output_weight)

    fraction = float("nan")
    if X is not None:
        X = np.asarray(X, dtype="float64")
        fraction = float(np.mean(X @ a + c > 0))
    role = "bad" if output_weight < 0 else "good"
    text = (
        f"Unit {unit} is active (output > 0.5) {active}; its weight into "
        f"layer2 is {output_weight:+.2f}, so being active pushes towards a "
        f"{role} roast. It detects {bad}."
    )
    return UnitDescription(unit, a_t, a_d, c, float(output_weight), fraction, bad, text)


def _accuracy(model, data):
    predicted = model.predict(data.X_norm, verbose=0) >= 0.5
    return float(np.mean(predicted == (data.y >= 0.5)))


def _check_training_arguments(data, learning_rate):
    """``data`` (default: the course's data), checked with ``learning_rate``."""
    if data is None:
        data = prepare_coffee()
    if not isinstance(data, CoffeeData):
        raise TypeError(
            "`data` must be the CoffeeData returned by prepare_coffee(reps). "
            f"Received: {type(data).__name__}"
        )
    check_number(learning_rate, "learning_rate", above=0)
    return data


def _coffee_tracker(data, live):
    """The lab's tracker on ``layer1``, with its unit maps over the raw plane."""
    # The unit maps over (temperature, duration) in raw units: the model
    # takes normalized rows, so the plane goes through the lab's normalization.
    std = np.sqrt(np.asarray(data.variance, dtype="float32"))
    return NeuronDifferentiation(
        layers=["layer1"], probe=data.X_norm, live=live, maps_data=(data.X, data.y),
        maps={"transform": lambda rows: (rows - data.mean) / std,
              "feature_names": ("temperature (°C)", "duration (min)")})


def train_coffee(data=None, epochs=10, seed=1234, learning_rate=0.01, verbose=0, live=False):
    """Train the course's coffee network with the tracker on ``layer1``.

    ``data`` comes from ``prepare_coffee`` (default: the course's 1000
    repetitions). Seeded with ``mlscompanion.set_seed(seed)`` just before the
    model is built, where the course calls ``tf.random.set_seed(1234)``.
    ``live=True`` shows the tracker's figure while ``fit`` runs (one
    picture updated in place in a notebook, one line per epoch elsewhere).

    Example:

    >>> result = train_coffee(prepare_coffee(reps=20), epochs=3)
    >>> result.effective_width
    3
    """
    epochs = check_int(epochs, "epochs")
    data = _check_training_arguments(data, learning_rate)
    seeding.set_seed(seed)
    model = models.coffee_model(units=3)
    initial = [np.array(w) for w in model.get_weights()]
    tracker = _coffee_tracker(data, live)
    model.compile(
        loss=keras.losses.BinaryCrossentropy(),
        optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
    )
    history = model.fit(
        data.X_train, data.y_train, epochs=epochs, verbose=verbose, callbacks=[tracker]
    )
    W1, b1 = model.get_layer("layer1").get_weights()
    W2, b2 = model.get_layer("layer2").get_weights()
    hidden = _sigmoid(data.X_norm @ W1 + b1)
    units = [
        describe_unit(W1[:, j], b1[j], W2[j, 0], data.mean, data.variance,
                      X=data.X, unit=j + 1)
        for j in range(W1.shape[1])
    ]
    last = tracker.history[-1]
    return CoffeeResult(
        model=model,
        data=data,
        seed=seed,
        epochs=epochs,
        initial_weights=initial,
        W1=W1,
        b1=b1,
        W2=W2,
        b2=b2,
        loss=[float(v) for v in history.history["loss"]],
        accuracy=_accuracy(model, data),
        baseline_accuracy=float(np.mean(data.y < 0.5)),
        effective_width=int(last["effective_width"]),
        pair_distances=np.asarray(last["pair_distances"], dtype="float64"),
        activation_correlation=similarity.activation_correlation(hidden),
        units=units,
        tracker_history=list(tracker.history),
        tracker=tracker,
    )


def save_units_picture(path, reps=300, epochs=10, dpi=80):
    """Train the lab's coffee network and save ``plot_units`` of ``layer1`` as a PNG.

    It makes the picture in the README; regenerate it with

        python -c "from mlscompanion.labs.coffee import experiment as coffee; coffee.save_units_picture('docs/images/plot_units_coffee.png')"

    Returns the ``CoffeeResult``.
    """
    from mlscompanion.tracker.units_plot import plot_units

    result = train_coffee(prepare_coffee(reps=reps), epochs=epochs)
    fig = plot_units(result.tracker_history, layer="layer1")
    fig.savefig(path, dpi=check_int(dpi, "dpi"))
    return result


def save_maps_picture(path, reps=300, epochs=10, dpi=80):
    """Train the lab's coffee network and save its unit maps (``plot_maps``) as a PNG.

    It makes the unit maps picture in the README; regenerate it with

        python -c "from mlscompanion.labs.coffee import experiment as coffee; coffee.save_maps_picture('docs/images/unit_maps_coffee.png')"

    Returns the ``CoffeeResult``.
    """
    result = train_coffee(prepare_coffee(reps=reps), epochs=epochs)
    fig = result.tracker.plot_maps()
    fig.savefig(path, dpi=check_int(dpi, "dpi"))
    return result
