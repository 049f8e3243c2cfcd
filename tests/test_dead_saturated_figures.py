"""Dead and saturated units as figures: the share per layer on the probe,
in the records, the CSV and ``to_frame()``."""

import csv
import math

import keras
import numpy as np
import pytest

from mlscompanion.tracker.callback import NeuronDifferentiation
from mlscompanion.tracker.figures import UnitFigures

X = np.random.default_rng(0).uniform(0.5, 2.0, (64, 2)).astype("float32")  # positive inputs


def _model():
    """Layer ``dead``: 4 ReLU units, unit 0 dead (negative weights, negative
    bias, positive inputs); layer ``flat``: 4 sigmoid units, units 1 and 3
    saturated (one near 1, one near 0); a linear output layer of 2 units."""
    inputs = keras.Input((2,))
    hidden = keras.layers.Dense(4, activation="relu", name="dead")(inputs)
    squashed = keras.layers.Dense(4, activation="sigmoid", name="flat")(inputs)
    both = keras.layers.Concatenate()([hidden, squashed])
    model = keras.Model(inputs, keras.layers.Dense(2, name="out")(both))
    relu = model.get_layer("dead")
    kernel = np.array([[-1.0, 1.0, 0.5, 2.0], [-1.0, 0.5, 1.0, -0.2]], "float32")
    relu.kernel.assign(kernel)
    relu.bias.assign(np.array([-0.5, 0.0, 0.1, 0.0], "float32"))
    sigmoid = model.get_layer("flat")
    sigmoid.kernel.assign(np.array([[1.0, 20.0, 0.3, -20.0], [-1.0, 20.0, 0.2, -20.0]], "float32"))
    sigmoid.bias.assign(np.zeros(4, "float32"))
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="mse")  # weights stay put
    return model


def _by_layer(records):
    return {r["layer"]: r for r in records}


def test_dead_and_saturated_fractions_reach_csv_and_frame(tmp_path):
    path = tmp_path / "units.csv"
    tracker = NeuronDifferentiation(layers=["dead", "flat", "out"], probe=X, csv_path=path)
    model = _model()
    model.fit(X, X, epochs=1, batch_size=64, verbose=0, callbacks=[tracker])
    last = _by_layer(tracker.history)  # the last record of each layer
    assert last["dead"]["dead_fraction"] == pytest.approx(0.25)
    assert math.isnan(last["dead"]["saturated_fraction"])  # ReLU cannot saturate
    assert last["flat"]["saturated_fraction"] == pytest.approx(0.5)
    assert math.isnan(last["flat"]["dead_fraction"])
    assert math.isnan(last["out"]["dead_fraction"])  # linear: neither
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    dead_rows = [r for r in rows if r["layer"] == "dead"]
    assert dead_rows and all(float(r["dead_fraction"]) == pytest.approx(0.25) for r in dead_rows)
    flat_rows = [r for r in rows if r["layer"] == "flat"]
    assert flat_rows and all(float(r["saturated_fraction"]) == pytest.approx(0.5)
                             for r in flat_rows)
    frame = tracker.to_frame()
    dead = frame[frame["layer"] == "dead"]["dead_fraction"]
    assert len(dead) >= 1 and np.allclose(dead.to_numpy(), 0.25)
    reloaded = NeuronDifferentiation.from_csv(path)
    assert _by_layer(reloaded.history)["flat"]["saturated_fraction"] == pytest.approx(0.5)


def test_no_probe_leaves_the_fractions_nan():
    tracker = NeuronDifferentiation(layers=["dead"])
    _model().fit(X, X, epochs=1, batch_size=64, verbose=0, callbacks=[tracker])
    assert all(math.isnan(r["dead_fraction"]) and math.isnan(r["saturated_fraction"])
               for r in tracker.history)


def test_a_sharp_step_is_not_saturated_and_positions_count():
    # units x: 0 step (0 on half the samples, 1 on the others), 1 at 1 everywhere
    step = np.array([[0.0, 1.0]] * 4 + [[1.0, 1.0]] * 4, "float32")
    figures = UnitFigures((3, 2), activation="sigmoid")
    vector = figures(np.zeros((3, 2), "float32"), activations=keras.ops.convert_to_tensor(step))
    got = figures.decode(keras.ops.convert_to_numpy(vector))
    assert got["saturated_fraction"] == pytest.approx(0.5)
    # a conv-like output (samples x positions x units): dead only if 0 at every position
    maps = np.zeros((4, 5, 2), "float32")
    maps[2, 3, 1] = 0.7
    figures = UnitFigures((3, 2), activation="relu")
    vector = figures(np.zeros((3, 2), "float32"), activations=keras.ops.convert_to_tensor(maps))
    got = figures.decode(keras.ops.convert_to_numpy(vector))
    assert got["dead_fraction"] == pytest.approx(0.5)
