"""Tracker behaviours that no other in-process test pinned down (found by mutation testing).

See docs/testing.md: each test here kills mutants of a module of
``mlscompanion/tracker/`` that the rest of the suite let survive.
"""

import keras
import numpy as np
import pytest

import mlscompanion as mlc

from mlscompanion.tracker import layer_weights
from mlscompanion.tracker.layer_weights import LayerWeights


class _Tracked:
    """A tracked layer whose weights come from three places, each named."""

    def __init__(self, kept):
        self.kept = kept

    def variables(self):
        return self.kept

    def keras_variables(self):
        return ["kernel variable"]

    def weights(self):
        return ("read through the layer",)


class _Reader:
    """Reads what ``state`` holds now: a tuple of values, or None."""

    def __init__(self, state):
        self.state = state

    def read(self):
        return self.state.get("values")


def test_layer_weights_come_from_the_jax_state_while_it_holds_them(monkeypatch):
    """Where JAX keeps the weights outside the model mid-epoch, they are read
    from its state (no sync); when it does not hold them, through the layer
    after a sync; kept variables (TF, PyTorch) come first."""
    asked, syncs = [], []

    def reader(model, variables):
        asked.append((model, variables))
        return _Reader(state)

    monkeypatch.setattr(layer_weights, "state_reader", reader)
    state = {"values": ("from the state",)}
    weights = LayerWeights([_Tracked(None), _Tracked(("kept",))], sync=lambda: syncs.append(1))
    assert weights.read(0) == ("read through the layer",) and len(syncs) == 1  # before fit
    weights.hold("the model")
    assert asked == [("the model", ["kernel variable"])] * 2
    assert weights.read(0) == ("from the state",) and weights.read(1) == ("kept",)
    assert len(syncs) == 1  # no sync while the state holds the weights
    state["values"] = None  # synced, or not yet stepped: the layer holds them
    assert weights.read(0) == ("read through the layer",) and len(syncs) == 2
    weights.release()
    state["values"] = ("from the state",)
    assert weights.read(0) == ("read through the layer",) and len(syncs) == 3


# ----- the callback (tracker/callback.py) ---------------------------------------

import csv
import warnings

from mlscompanion.tracker.callback import NeuronDifferentiation
from mlscompanion.tracker import probes
from mlscompanion.tracker.layers import sample_units


def _model(units=6, seed=3):
    mlc.set_seed(seed, deterministic=False)
    model = keras.Sequential([keras.Input((2,)),
                              keras.layers.Dense(units, activation="sigmoid", name="hidden"),
                              keras.layers.Dense(1, activation="sigmoid", name="out")])
    model.compile(loss="binary_crossentropy", optimizer=keras.optimizers.SGD(0.1))
    return model


def _data():
    x = np.random.default_rng(0).normal(size=(32, 2)).astype("float32")
    return x, (x[:, :1] > 0).astype("float32")


def _fit(model, tracker, epochs=2):
    """Four batches an epoch, in order."""
    x, y = _data()
    model.fit(x, y, epochs=epochs, batch_size=8, shuffle=False, verbose=0, callbacks=[tracker])


DEFAULTS = {"layers": None, "every": "epoch", "tol": 1e-6, "csv_path": None, "append": False,
            "pair_limit": 32, "pair_figures_limit": 256, "max_units": None, "sample_seed": 0,
            "fetch_every": 16, "probe_samples": 256, "probe_batch_size": 256, "live": False,
            "log_dir": None}


def test_the_config_in_full_with_the_documented_defaults(tmp_path):
    assert NeuronDifferentiation().get_config() == DEFAULTS
    given = {"layers": ["hidden"], "every": 3, "tol": 1e-3, "csv_path": str(tmp_path / "u.csv"),
             "append": True, "pair_limit": 4, "pair_figures_limit": 8, "max_units": 5,
             "sample_seed": 7, "fetch_every": 2, "probe_samples": 64, "probe_batch_size": 32,
             "live": False, "log_dir": str(tmp_path / "logs")}
    config = NeuronDifferentiation(**given).get_config()
    assert config == given
    assert NeuronDifferentiation(**config).get_config() == config


def test_record_without_a_model_says_how_to_give_one():
    with pytest.raises(ValueError) as error:
        NeuronDifferentiation().record()
    assert str(error.value) == (
        "NeuronDifferentiation.record() needs a model: pass the tracker to "
        "model.fit(callbacks=[...]) or call tracker.set_model(model).")


def test_record_before_any_training_is_epoch_0_step_0_with_pair_figures():
    """An uncompiled model has no optimizer: its step is 0. ``record()``
    gives every layer its pair figures, however wide."""
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(6, name="hidden")])
    tracker = NeuronDifferentiation(pair_figures_limit=2)
    tracker.set_model(model)
    (record,) = tracker.record()
    assert (record["epoch"], record["step"], record["layer"]) == (0, 0, "hidden")
    assert np.isfinite(record["min_distance"])


@pytest.mark.parametrize("limit, steps_with_pairs", [
    (4, [0, 4, 8]),                      # wider than the limit: the start and epoch ends
    (6, [0, 1, 2, 3, 4, 5, 6, 7, 8]),     # as wide as the limit: every record
])
def test_pair_figures_of_a_wide_layer_at_the_few_records_only(limit, steps_with_pairs):
    tracker = NeuronDifferentiation(every=1, pair_figures_limit=limit)
    _fit(_model(units=6), tracker)
    hidden = [r for r in tracker.history if r["layer"] == "hidden"]
    assert [r["step"] for r in hidden] == list(range(9))
    assert [r["step"] for r in hidden if np.isfinite(r["min_distance"])] == steps_with_pairs


class _Sent(mlc.sinks.Sink):
    """Keeps the steps of each batch of records it is sent."""

    def __init__(self):
        self.sent = []

    def send(self, records):
        self.sent.append(sorted({record["step"] for record in records}))


def test_a_sink_is_sent_the_records_every_fetch_every_points():
    sink = _Sent()
    _fit(_model(), NeuronDifferentiation(every=1, fetch_every=2, sinks=[sink]), epochs=1)
    assert sink.sent == [[0, 1], [2, 3], [4]]  # the epoch end fetches what waits


def test_the_tolerance_given_is_the_one_used():
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3, name="hidden")])
    model.get_layer("hidden").set_weights([
        np.array([[0.5, 0.501, 0.502], [0.2, 0.2, 0.2]], "float32"), np.zeros(3, "float32")])
    widths = []
    for tol in (1e-2, 1e-6):
        tracker = NeuronDifferentiation(tol=tol)
        tracker.set_model(model)
        widths.append(tracker.record()[0]["effective_width"])
    assert widths == [1, 3]


def test_max_units_describes_the_sample_its_seed_picks():
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(12, name="hidden")])
    tracker = NeuronDifferentiation(max_units=3, sample_seed=5)
    tracker.set_model(model)
    (record,) = tracker.record()
    kernel, bias = model.get_layer("hidden").get_weights()
    sample = sample_units(12, 3, 5)
    want = mlc.tracker.describe_units(kernel[:, sample], bias[sample])
    assert (record["units"], record["sampled_units"]) == (12, 3)
    assert record["rms_distance"] == pytest.approx(want["rms_distance"], rel=1e-5)


def _csv_steps(path):
    with open(path, newline="") as handle:
        return [int(row["step"]) for row in csv.DictReader(handle)]


def test_a_run_resumed_at_an_earlier_step_drops_the_csvs_later_records(tmp_path):
    path = tmp_path / "units.csv"
    _fit(_model(), NeuronDifferentiation(every=1, csv_path=path), epochs=1)  # steps 0-4
    resumed = _model()
    resumed.optimizer.iterations.assign(2)  # as restored from a backup taken at step 2
    with pytest.warns(UserWarning) as caught:
        _fit(resumed, NeuronDifferentiation(every=1, csv_path=path, append=True), epochs=1)
    (warning,) = [w for w in caught if "resumed" in str(w.message)]
    assert f"{path} holds 2 records made after that step" in str(warning.message)
    assert _csv_steps(path) == list(range(7))  # "hidden" only: "out" has one unit


def test_a_probe_skips_a_layer_it_cannot_read_and_reads_the_others(monkeypatch):
    """A layer whose output cannot be found (faked here: the lookup raises for
    it) gets no correlation and a warning; the other layers are read."""
    inputs = keras.Input((2,))
    first = keras.layers.Dense(2, activation="tanh", name="first")(inputs)
    hidden = keras.layers.Dense(2, activation="tanh", name="hidden")(first)
    model = keras.Model(inputs, keras.layers.Dense(1, name="out")(hidden))
    lookup = probes._output_in

    def output_in(chain, outputs):
        if outputs[0] is first:
            raise ValueError("no single output")
        return lookup(chain, outputs)

    monkeypatch.setattr(probes, "_output_in", output_in)
    tracker = NeuronDifferentiation(layers=["first", "hidden"], probe=_data()[0])
    tracker.set_model(model)
    with pytest.warns(UserWarning, match=r"cannot read the activations of first \(no single"):
        records = {r["layer"]: r for r in tracker.record()}
    assert np.isnan(records["first"]["mean_abs_correlation"])
    assert np.isfinite(records["hidden"]["mean_abs_correlation"])


class _MapsSeen(mlc.sinks.Sink):
    """A sink that shows maps: keeps the step of each maps update."""

    def __init__(self):
        self.steps = []

    def send(self, records):
        pass

    def send_maps(self, maps):
        self.steps.append(maps.step)


def test_a_sink_that_shows_maps_gets_them_at_the_start_and_each_epoch_end():
    sink = _MapsSeen()
    x, y = _data()
    _fit(_model(), NeuronDifferentiation(maps=True, maps_data=(x, y), sinks=[sink]))
    assert sink.steps == [0, 4, 8]


def test_two_units_are_enough_to_sample():
    assert NeuronDifferentiation(max_units=2).max_units == 2
    with pytest.raises(ValueError, match="max_units"):
        NeuronDifferentiation(max_units=1)
