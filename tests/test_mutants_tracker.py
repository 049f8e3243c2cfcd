"""Tracker behaviours that no other in-process test pinned down (found by mutation testing).

See docs/testing.md: each test here kills mutants of a module of
``mlscompanion/tracker/`` that the rest of the suite let survive.
"""

import csv
import io
import os
import sys
import types
import warnings

import keras
import numpy as np
import pytest
from matplotlib.font_manager import FontProperties

import mlscompanion as mlc
from mlscompanion.tracker import compiled, layer_weights, probes, units_plot
from mlscompanion.tracker.callback import NeuronDifferentiation
from mlscompanion.tracker.layer_weights import LayerWeights
from mlscompanion.tracker.layers import describe_layer, resolve_layers, sample_units
from mlscompanion.tracker.records import OPTIONAL_FIELDS, RECORD_FIELDS
from mlscompanion.tracker.sinks.base import Sink, check_sink
from mlscompanion.tracker.sinks.csv_file import CSVSink, read_csv
from mlscompanion.tracker.sinks.live import LiveSink
from tests.test_unit_figures import RTOL, oracle


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
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        records = {r["layer"]: r for r in tracker.record()}
    assert [str(w.message) for w in caught if "NeuronDifferentiation" in str(w.message)] == [
        "NeuronDifferentiation cannot read the activations of first (no single output); "
        "their activation correlation is not recorded."]
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


# ----- probes (tracker/probes.py) -----------------------------------------------


KINDS = probes._KINDS


def test_a_probe_checks_its_own_sizes_with_the_trackers_names():
    x = np.zeros((4, 2), "float32")
    probe = probes.Probe(x)
    assert (probe.samples, probe.batch_size) == (256, 256)
    assert probes.Probe(x, samples=2).samples == 2
    with pytest.raises(ValueError) as error:
        probes.Probe(x, samples=1)
    assert str(error.value) == "`probe_samples` must be an int >= 2. Received: probe_samples=1"
    with pytest.raises(ValueError) as error:
        probes.Probe(x, batch_size=0)
    assert str(error.value) == ("`probe_batch_size` must be a positive int. "
                                "Received: probe_batch_size=0")


@pytest.mark.parametrize("data, message", [
    (np.array(["a", "b"]), f"`probe` must be {KINDS}, of numbers with at least 2 samples "
                           "(rows). Received an array of shape (2,) and dtype <U1."),
    ({"a": np.zeros(1)}, f"`probe` must be {KINDS}, of numbers with at least 2 samples "
                         "(rows). Received an array of shape (1,) and dtype float64 as "
                         "probe['a']."),
    ({1: np.zeros(3)}, "A dict `probe` must be keyed by input name (str). Received the key 1."),
    ({"a": np.zeros((3, 1)), "b": np.zeros((4, 1))},
     "The arrays of `probe` must hold the same number of samples. Received shapes "
     "{'a': (3, 1), 'b': (4, 1)}."),
])
def test_what_a_bad_probe_is_told(data, message):
    with pytest.raises(ValueError) as error:
        probes.Probe(data)
    assert str(error.value) == message


def test_two_samples_of_numbers_or_booleans_make_a_probe():
    assert probes.Probe(np.zeros(2)).arrays.shape == (2,)
    assert probes.Probe(np.array([True, False])).arrays.dtype == bool


def test_a_torch_tensor_that_needs_gradients_is_a_probe():
    torch = pytest.importorskip("torch")
    tensor = torch.ones((3, 2), requires_grad=True)
    np.testing.assert_array_equal(probes.Probe(tensor).arrays, np.ones((3, 2)))


def test_a_dict_probe_follows_a_model_built_on_a_dict_of_inputs():
    """Keys are the dict's, not the input tensors' names."""
    a, b = keras.Input((2,), name="a_in"), keras.Input((3,), name="b_in")
    hidden = keras.layers.Dense(3, activation="tanh")(keras.layers.Concatenate()([a, b]))
    model = keras.Model({"first": a, "second": b}, keras.layers.Dense(1)(hidden))
    rng = np.random.default_rng(0)
    probe = probes.Probe({"second": rng.normal(size=(4, 3)), "first": rng.normal(size=(4, 2))})
    key = {"a_in": "first", "b_in": "second"}
    assert [id(array) for array in probe.inputs_for(model)] == [
        id(probe.arrays[key[tensor.name]]) for tensor in model.inputs]
    wrong = probes.Probe({"x": np.zeros((4, 2)), "y": np.zeros((4, 3))})
    with pytest.raises(ValueError) as error:
        wrong.inputs_for(model)
    assert str(error.value).endswith(
        "received {'x': (4, 2), 'y': (4, 3)} (its keys are not the input names).")


class _Batches(keras.utils.PyDataset):
    """``x`` in batches of ``size``, each ``[x, y]`` (a list) or ``(x, y)``."""

    def __init__(self, x, size, as_list=False, endless=False, x_only=False):
        super().__init__()
        self.x, self.size, self.as_list, self.endless = x, size, as_list, endless
        self.x_only = x_only

    @property
    def num_batches(self):
        return None if self.endless else -(-len(self.x) // self.size)

    def __getitem__(self, index):
        part = self.x[index * self.size:(index + 1) * self.size]
        if self.x_only:
            return part
        return [part, part[:, :1]] if self.as_list else (part, part[:, :1])


X20 = np.arange(20, dtype="float32").reshape(10, 2)


@pytest.mark.parametrize("batches", [
    _Batches(X20, 3, as_list=True),   # each batch a list [x, y]
    _Batches(X20, 3, endless=True),   # no length: read until enough samples
    _Batches(X20, 3, x_only=True),    # inputs only, no targets
])
def test_a_py_dataset_gives_its_first_samples_in_any_form(batches):
    np.testing.assert_array_equal(probes.Probe(batches, samples=5).arrays, X20[:5])


def test_a_dataset_of_two_samples_is_enough_one_is_not():
    assert probes.Probe(_Batches(X20[:2], 1)).arrays.shape == (2, 2)
    with pytest.raises(ValueError) as error:
        probes.Probe(_Batches(X20[:1], 1)).arrays
    assert str(error.value) == "`probe` must give at least 2 samples; the dataset gave 1."


def test_a_tf_data_dataset_is_a_probe_under_any_backend():
    tf = pytest.importorskip("tensorflow")
    dataset = tf.data.Dataset.from_tensor_slices((X20, X20[:, :1])).batch(4)
    np.testing.assert_array_equal(probes.Probe(dataset, samples=6).arrays, X20[:6])


def _mean_abs_correlation(model, name, x):
    layer = model.get_layer(name)
    activations = keras.ops.convert_to_numpy(keras.Model(model.inputs[0], layer.output)(x))
    kernel, bias = (keras.ops.convert_to_numpy(w) for w in layer.weights)
    return oracle(kernel, bias, activations)["mean_abs_correlation"]


def test_each_layer_gets_its_own_activations_in_inference_mode_in_two_batches():
    mlc.set_seed(4, deterministic=False)
    inputs = keras.Input((2,))
    first = keras.layers.Dense(4, activation="tanh", name="first")(inputs)
    second = keras.layers.Dense(3, activation="tanh", name="second")(
        keras.layers.Dropout(0.5)(first))
    third = keras.layers.Dense(2, activation="tanh", name="third")(second)
    model = keras.Model(inputs, keras.layers.Dense(1)(third))
    x = np.random.default_rng(1).normal(size=(32, 2)).astype("float32")
    tracker = NeuronDifferentiation(layers=["first", "second", "third"], probe=x,
                                    probe_batch_size=16)
    tracker.set_model(model)
    got = {r["layer"]: r["mean_abs_correlation"] for r in tracker.record()}
    for name in ("first", "second", "third"):
        assert got[name] == pytest.approx(_mean_abs_correlation(model, name, x), rel=RTOL)


def test_when_the_model_raises_on_the_probe_the_message_says_so(monkeypatch):
    def raises(self, batch):
        raise RuntimeError("boom")

    monkeypatch.setattr(probes.BatchedForward, "_run", raises)
    model = keras.Sequential([keras.Input((2,), name="x"), keras.layers.Dense(3, name="hidden")])
    tracker = NeuronDifferentiation(probe=np.zeros((4, 2), "float32"))
    tracker.set_model(model)
    with pytest.raises(ValueError) as error:
        tracker.record()
    assert str(error.value) == (
        "`probe` does not fit the model's inputs: the model expects 1 input(s), 'x' of "
        "shape (None, 2) (None: any size); received (4, 2) (the model raised: boom).")


class _Subclassed(keras.Model):
    def __init__(self):
        super().__init__()
        self.hidden = keras.layers.Dense(3, name="hidden")

    def call(self, x):
        return self.hidden(x)


def test_a_model_without_an_inputs_graph_is_tracked_without_correlation():
    x = np.ones((4, 2), "float32")
    model = _Subclassed()
    model(x)
    tracker = NeuronDifferentiation(probe=x)
    tracker.set_model(model)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        (record,) = tracker.record()
    assert [str(w.message) for w in caught if "NeuronDifferentiation" in str(w.message)] == [
        "NeuronDifferentiation cannot read the layers' activations of this model (it has no "
        "inputs graph); activation correlation is not recorded. Build the model with "
        "keras.Input(...) to enable it."]
    assert record["layer"] == "hidden" and np.isnan(record["mean_abs_correlation"])


# ----- what a unit is per layer (tracker/layers.py), the history views ------------


def test_a_sample_of_units_is_sorted_distinct_and_fixed_by_its_seed():
    assert sample_units(5, 5) is None and sample_units(5, None) is None
    for seed in (0, 1):
        want = np.sort(np.random.default_rng(seed).choice(12, size=6, replace=False))
        np.testing.assert_array_equal(sample_units(12, 6, seed), want)
    np.testing.assert_array_equal(sample_units(12, 6), sample_units(12, 6, 0))
    assert len(set(sample_units(12, 11, 3))) == 11
    assert not np.array_equal(sample_units(12, 6, 0), sample_units(12, 6, 1))


def test_the_layers_the_tracker_skips_or_misses_are_said_in_full():
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3, name="hidden"),
                              keras.layers.Dropout(0.1, name="drop"),
                              keras.layers.Dense(1, name="out")])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        tracked = resolve_layers(model, ["hidden", "drop", "out"])
    assert [t.name for t in tracked] == ["hidden"]
    assert [str(w.message) for w in caught] == [
        "NeuronDifferentiation skips layers without 2 or more units it can describe: "
        "drop (Dropout: no units the tracker describes), out (1 unit)"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert resolve_layers(model, ["out"]) == []
    assert str(caught[-1].message) == (
        "NeuronDifferentiation found no layer to track (a Dense, Conv, EinsumDense or RNN "
        "layer with 2 or more units); it will record nothing.")


def test_a_quantized_layer_is_not_described():
    layer = keras.layers.Dense(3)
    layer.build((None, 2))
    assert describe_layer(layer) is not None
    layer.quantize("int8")
    assert describe_layer(layer) is None


def test_the_history_as_a_frame_keeps_every_column_in_order():
    pd = pytest.importorskip("pandas")
    tracker = NeuronDifferentiation()
    tracker.history = []
    frame = tracker.to_frame()
    assert isinstance(frame, pd.DataFrame) and list(frame.columns) == list(mlc.tracker.RECORD_FIELDS)


def test_animate_passes_its_options_on(monkeypatch, tmp_path):
    from mlscompanion.tracker import units_plot

    seen = {}
    monkeypatch.setattr(units_plot, "animate_units",
                        lambda history, path, **options: seen.update(options) or path)
    tracker = NeuronDifferentiation()
    tracker.history = []
    assert tracker.animate(tmp_path / "a.gif", layer="hidden", fps=2, max_frames=9) == \
        tmp_path / "a.gif"
    assert seen == {"layer": "hidden", "fps": 2, "max_frames": 9}
    tracker.animate(tmp_path / "a.gif")
    assert seen == {"layer": None, "fps": 4, "max_frames": 60}


# ----- the unit pictures (tracker/units_plot.py) --------------------------------


def _history(units=3, steps=range(3), layer="hidden", scale=1.0):
    pairs = units * (units - 1) // 2
    return [{"layer": layer, "step": step, "epoch": step, "units": units, "sampled_units": units,
             "effective_width": units, "pair_distances": [scale * (step + 1)] * pairs}
            for step in steps]


def test_the_unit_heatmaps_figure_in_detail():
    fig = units_plot.plot_units(_history(scale=0.5))
    panels = [ax for ax in fig.axes if ax.images]
    assert len(panels) == 3 and tuple(fig.get_size_inches()) == pytest.approx((9.6, 3.1))
    assert fig._suptitle.get_text() == "hidden: which units are different, and when"
    assert fig.axes[-1].get_ylabel() == "distance between units"  # the colour bar
    medium = FontProperties(size="medium").get_size_in_points()
    for ax, step in zip(panels, range(3)):
        assert ax.get_title() == f"step {step} (epoch {step})\neffective width 3 of 3"
        assert ax.title.get_fontsize() == medium
        assert ax.images[0].get_clim() == (0.0, 1.5)  # one scale: the largest distance
        assert len(ax.texts) == 9  # 3 units: every distance written in its cell


@pytest.mark.parametrize("units, written", [(6, 36), (7, 0)])
def test_distances_are_written_in_the_cells_up_to_six_units(units, written):
    fig = units_plot.plot_units(_history(units=units))
    assert [len(ax.texts) for ax in fig.axes if ax.images] == [written] * 3


def test_identical_units_everywhere_get_the_scale_zero_to_one():
    fig = units_plot.plot_units(_history(scale=0.0))
    assert {ax.images[0].get_clim() for ax in fig.axes if ax.images} == {(0.0, 1.0)}


@pytest.mark.parametrize("name", ["fps", "max_frames", "dpi"])
@pytest.mark.parametrize("value", [0, 1.5, True])
def test_animate_refuses_what_is_not_a_positive_int(tmp_path, name, value):
    with pytest.raises(ValueError) as error:
        units_plot.animate_units(_history(), tmp_path / "a.gif", **{name: value})
    assert str(error.value) == f"`{name}` must be a positive int. Received: {name}={value!r}"


def test_the_animation_spreads_its_frames_and_draws_the_layer_asked(monkeypatch, tmp_path):
    drawn, figures = [], []
    matrix, new_figure = units_plot.distance_matrix, units_plot.new_figure
    monkeypatch.setattr(units_plot, "distance_matrix",
                        lambda record: drawn.append((record["layer"], record["step"]))
                        or matrix(record))

    def kept_figure(*args, **kwargs):
        figures.append((args, kwargs, new_figure(*args, **kwargs)))
        return figures[-1][2]

    monkeypatch.setattr(units_plot, "new_figure", kept_figure)
    history = _history(steps=range(10), layer="first") + _history(steps=range(10), layer="second")
    units_plot.animate_units(history, tmp_path / "a.gif", layer="second", fps=1, max_frames=4)
    assert drawn == [("second", step) for step in (0, 3, 6, 9)]  # the first and last kept
    ((args, kwargs, (fig, axes)),) = figures
    assert args == (1, 1) and kwargs == {"width": 3.6, "height": 3.3}
    assert fig.axes[-1].get_ylabel() == "distance" and len(axes[0, 0].texts) == 9


# ----- sinks (tracker/sinks/) -----------------------------------------------------


class _SendOnly:
    def send(self, records):
        pass


def test_what_a_sink_without_every_method_is_told():
    sink = _SendOnly()
    with pytest.raises(TypeError) as error:
        check_sink(sink)
    assert str(error.value) == (
        "`sinks` must hold sinks with the methods open, send, flush, close (subclass "
        f"mlscompanion.sinks.Sink). Received: {sink!r}, which has no open, flush, close.")


def test_a_sink_that_does_not_define_send_is_named():
    class Quiet(Sink):
        pass

    with pytest.raises(NotImplementedError) as error:
        Quiet().send([])
    assert str(error.value) == "Quiet must define send(records)"


def test_one_heatmap_panel_in_detail():
    from mlscompanion.style import dldarkred, new_figure

    fig, axes = new_figure()
    ax = axes[0, 0]
    matrix = units_plot.distance_matrix({"pair_distances": [0.6, 1.0, 0.2]})
    image, texts = units_plot._draw_matrix(ax, matrix, 1.0, annotate=True)
    assert image.get_cmap().name == "mlscompanion_units" and image.get_clim() == (0.0, 1.0)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["1", "2", "3"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["1", "2", "3"]
    assert list(ax.get_xticks()) == [0, 1, 2] and (ax.get_xlabel(), ax.get_ylabel()) == ("unit", "unit")
    assert [t.get_text() for t in texts] == ["0", "0.6", "1", "0.6", "0", "0.2", "1", "0.2", "0"]
    # written white on dark cells (above 0.6 of the scale), dark red elsewhere
    assert [t.get_color() for t in texts].count("white") == 2
    assert {t.get_color() for t in texts} == {"white", dldarkred}
    small = FontProperties(size="small").get_size_in_points()
    assert all(t.get_fontsize() == small and t.get_ha() == t.get_va() == "center" for t in texts)
    wide = np.zeros((16, 16))
    units_plot._draw_matrix(ax, wide, 1.0, annotate=False)
    assert list(ax.get_xticks()) == list(range(0, 16, 2))
    assert [t.get_text() for t in ax.get_yticklabels()] == [str(i) for i in range(1, 17, 2)]


def test_a_panel_title_says_when_the_units_are_a_sample():
    record = {"step": 5, "epoch": 1, "units": 10, "sampled_units": 4, "effective_width": 2}
    assert units_plot._label("hidden", record) == (
        "step 5 (epoch 1)\neffective width 2 of 4, 4 of 10 units")
    del record["sampled_units"]
    assert units_plot._label("hidden", record) == "step 5 (epoch 1)\neffective width 2 of 10"


def test_the_layer_pictured_by_default_is_the_first_with_pair_distances():
    history = [dict(r, pair_distances=None) for r in _history(layer="first")] + _history(
        layer="second")
    layer, records = units_plot._layer_records(history, None)
    assert layer == "second" and len(records) == 3
    with pytest.raises(ValueError) as error:
        units_plot._layer_records(history, "first")
    assert str(error.value) == (
        "Layer 'first' has 3 units and no record of each pair's distance: they are kept only "
        "for layers of at most `pair_limit` units (32 by default). Track it with "
        "NeuronDifferentiation(pair_limit=3), or with max_units=32 to picture a sample of "
        "its units.")
    with pytest.raises(ValueError) as error:
        units_plot._layer_records([], None)
    assert str(error.value) == "The history is empty: train with the tracker first."


def test_a_hundred_units_matrix_is_read_back():
    pairs = np.arange(4950, dtype="float64")
    matrix = units_plot.distance_matrix({"pair_distances": pairs})
    assert matrix.shape == (100, 100) and matrix[0, 1] == 0.0 and matrix[98, 99] == 4949.0


@pytest.mark.parametrize("options, message", [
    ({"csv_path": 3}, "`csv_path` must be a file path (str or pathlib.Path) or None. "
                      "Received: csv_path=3"),
    ({"log_dir": 3}, "`log_dir` must be a folder path (str or pathlib.Path) or None. "
                     "Received: log_dir=3"),
    ({"append": True}, "`append=True` needs `csv_path`: it continues an existing CSV file. "
                       "Give csv_path='units.csv'."),
    ({"live": "yes"}, "`live` must be True, False or a mlscompanion.tracker.sinks.LiveSink. "
                      "Received: live='yes'"),
])
def test_what_bad_sink_options_are_told(options, message):
    with pytest.raises(ValueError) as error:
        NeuronDifferentiation(**options)
    assert str(error.value) == message


def test_a_csv_cut_short_by_a_crash_is_said_in_full(tmp_path):
    path = tmp_path / "units.csv"
    _fit(_model(), NeuronDifferentiation(csv_path=path), epochs=1)
    with open(path, "a") as handle:
        handle.write("1,2,hid")  # a line the killed run did not finish
    tracker = NeuronDifferentiation(csv_path=path, append=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _fit(_model(), tracker, epochs=1)
    assert f"NeuronDifferentiation: {path} ended in a line cut short (the run was killed " \
           "while writing it); that line was dropped." in [str(w.message) for w in caught]


def _record(step, pairs):
    return dict(dict.fromkeys(RECORD_FIELDS, 0.5), step=step, epoch=0, layer="hidden",
                units=3, sampled_units=3, effective_width=2, pair_distances=pairs)


def test_the_csv_writes_pair_distances_as_json_or_nothing_and_reads_them_back(tmp_path):
    path = tmp_path / "units.csv"
    sink = CSVSink(path)
    assert sink.get_config() == {"path": str(path)}
    sink.send([_record(0, [1.0, float("nan"), 2.5]), _record(1, None)])
    lines = path.read_text().splitlines()
    assert lines[1].count('"[1.0, NaN, 2.5]"') == 1 and lines[2].endswith(",")
    back = read_csv(path)
    assert back[0]["pair_distances"][::2] == [1.0, 2.5] and np.isnan(back[0]["pair_distances"][1])
    assert back[1]["pair_distances"] is None


def test_a_clean_csv_is_continued_untouched_and_a_new_run_starts_a_new_file(tmp_path):
    path = tmp_path / "units.csv"
    CSVSink(path).send([_record(0, None), _record(1, None)])
    text = path.read_text()
    again = CSVSink(path, append=True)
    assert again.dropped_partial_line is False and path.read_text() == text
    assert [r["step"] for r in again.previous] == [0, 1]
    fresh = CSVSink(path)  # no append: a new file
    assert fresh.previous == [] and read_csv(path) == []


def test_a_cut_line_is_dropped_and_the_lines_before_it_kept(tmp_path):
    path = tmp_path / "units.csv"
    CSVSink(path).send([_record(0, None)])
    whole = path.read_text()
    with open(path, "a") as handle:
        handle.write("1,0,hid")
    assert CSVSink(path, append=True).dropped_partial_line is True
    assert path.read_text() == whole


def test_a_csv_without_the_trackers_columns_is_named(tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("a,b\n1,2\n")
    required = [field for field in RECORD_FIELDS if field not in OPTIONAL_FIELDS]
    with pytest.raises(ValueError) as error:
        read_csv(path)
    assert str(error.value) == (
        f"{str(path)!r} is not a NeuronDifferentiation CSV: it lacks the columns {required}. "
        f"Expected the header {','.join(RECORD_FIELDS)}.")
    optional_left_out = ",".join(f for f in RECORD_FIELDS if f not in OPTIONAL_FIELDS)
    path.write_text(optional_left_out + "\n")
    assert read_csv(path) == []


def test_the_tensorboard_file_in_detail(tmp_path):
    pytest.importorskip("tensorboard")
    from tensorboard.backend.event_processing.event_file_loader import RawEventFileLoader
    from tensorboard.compat.proto.event_pb2 import Event

    x, y = _data()
    _fit(_model(), NeuronDifferentiation(maps=True, maps_data=(x, y), log_dir=tmp_path), epochs=1)
    (name,) = os.listdir(tmp_path / "units")
    events = [Event.FromString(raw)  # as written: no conversion of the image summaries
              for raw in RawEventFileLoader(str(tmp_path / "units" / name)).Load()]
    assert events[0].file_version == "brain.Event:2"
    assert all(event.wall_time > 1e9 for event in events)  # seconds since 1970
    images = [(event.step, value.image) for event in events for value in event.summary.value
              if value.tag == "unit_maps"]
    assert [step for step, _ in images] == [0, 4]
    assert all(image.colorspace == 4 and image.width > 100 for _, image in images)  # RGBA


def test_the_tensorboard_sink_names_its_folder_and_the_missing_package(monkeypatch, tmp_path):
    pytest.importorskip("tensorboard")
    from mlscompanion.tracker.sinks.tensorboard import TensorBoardSink, require_tensorboard

    sink = TensorBoardSink(tmp_path / "logs")
    sink.close()
    assert sink.get_config() == {"log_dir": str(tmp_path / "logs")}
    monkeypatch.setitem(sys.modules, "tensorboard.compat.proto", None)
    with pytest.raises(ImportError) as error:
        require_tensorboard()
    assert str(error.value) == (
        "NeuronDifferentiation(log_dir=...) writes TensorBoard files with the `tensorboard` "
        "package, which is not installed: pip install mlscompanion[tensorboard]  (or: pip "
        "install tensorboard)")


def test_the_live_views_config_and_its_messages():
    assert LiveSink(notebook=False).get_config() == {
        "interval": 1.0, "budget": 0.03, "notebook": False, "dpi": 72}
    assert LiveSink(interval=0, budget=1, notebook=True).get_config()["interval"] == 0.0
    with pytest.raises(ValueError) as error:
        LiveSink(interval=-1)
    assert str(error.value) == "`interval` must be a number of seconds >= 0. Received: interval=-1"
    with pytest.raises(ValueError) as error:
        LiveSink(budget=0)
    assert str(error.value) == "`budget` must be a share of the time in (0, 1]. Received: budget=0"


class _Shown:
    """Stands in for IPython's display: keeps what it is given."""

    def __init__(self):
        self.calls = []

    def __call__(self, picture, display_id=None, metadata=None):
        self.calls.append((picture, display_id, metadata))
        return self


def _live_picture(dpi):
    shown = _Shown()
    sink = LiveSink(notebook=True, display=shown, dpi=dpi)
    sink.open([])
    sink.send(_history(steps=range(2)))
    sink.close()  # what came since the last draw is drawn
    ((picture, display_id, metadata),) = shown.calls
    assert picture.format == "png" and display_id is True
    assert metadata == {"mlscompanion": {"live_draws": 1}}
    return picture


def test_a_live_picture_is_a_png_at_the_sinks_dpi_with_its_draw_count():
    from PIL import Image

    sizes = []
    for dpi in (50, 100):
        with Image.open(io.BytesIO(_live_picture(dpi).data)) as png:
            assert png.format == "PNG"
            sizes.append(png.size[0])
    assert abs(sizes[1] - 2 * sizes[0]) <= 2


# ----- compiled bodies (tracker/compiled.py) ----------------------------------------


def _body(x, layout=None, pairs=False):
    return x


def test_each_backend_is_asked_for_its_own_compiler(monkeypatch):
    """TensorFlow and JAX stand-ins record how they are asked: XLA for
    TensorFlow, static arguments for JAX; a backend without one runs the body."""
    calls = []
    monkeypatch.setitem(sys.modules, "tensorflow", types.SimpleNamespace(
        function=lambda fn, **options: calls.append(("tf", fn, options)) or "tf.function"))
    monkeypatch.setitem(sys.modules, "jax", types.SimpleNamespace(
        jit=lambda fn, **options: calls.append(("jax", fn, options)) or "jax.jit"))
    monkeypatch.setattr(compiled, "_COMPILED", {})
    for backend, want in (("tensorflow", "tf.function"), ("jax", "jax.jit")):
        monkeypatch.setattr(keras.backend, "backend", lambda name=backend: name)
        assert compiled.compile_for_backend(_body, static=("pairs",)) == want
        assert compiled.compiled_once(_body, ("shape",), static=("layout", "pairs")) == want
        assert compiled.compiled_once(_body, ("shape",), static=("layout", "pairs")) == want
    assert calls == [("tf", _body, {"jit_compile": True}), ("tf", _body, {"jit_compile": True}),
                     ("jax", _body, {"static_argnames": ("pairs",)}),
                     ("jax", _body, {"static_argnames": ("layout", "pairs")})]
    monkeypatch.setattr(keras.backend, "backend", lambda: "numpy")
    assert compiled.compile_for_backend(_body) is _body


@pytest.mark.parametrize("options, message", [
    ({"pair_figures_limit": -1}, "`pair_figures_limit` must be an int >= 0. "
                                 "Received: pair_figures_limit=-1"),
    ({"pair_limit": -1}, "`pair_limit` must be an int >= 0. Received: pair_limit=-1"),
    ({"fetch_every": 0}, "`fetch_every` must be a positive int. Received: fetch_every=0"),
    ({"probe_samples": 1}, "`probe_samples` must be an int >= 2. Received: probe_samples=1"),
])
def test_the_trackers_size_options_are_checked_with_their_names(options, message):
    with pytest.raises(ValueError) as error:
        NeuronDifferentiation(**options)
    assert str(error.value) == message


def test_the_smallest_sizes_and_the_probe_are_kept_as_given():
    x = np.zeros((4, 2), "float32")
    tracker = NeuronDifferentiation(pair_figures_limit=0, pair_limit=0, probe=x,
                                    probe_samples=2, probe_batch_size=3)
    assert (tracker.pair_figures_limit, tracker.pair_limit, tracker.probe_samples) == (0, 0, 2)
    assert tracker.probe is x and (tracker._probe.samples, tracker._probe.batch_size) == (2, 3)


def test_layers_given_as_objects_are_named_in_the_config():
    layer = keras.layers.Dense(3, name="hidden")
    assert NeuronDifferentiation(layers=[layer, "out"]).get_config()["layers"] == ["hidden", "out"]


@pytest.mark.parametrize("options, asked", [
    ({}, []), ({"log_dir": "logs"}, ["NeuronDifferentiation's live view and TensorBoard sink"]),
    ({"live": True}, ["NeuronDifferentiation's live view and TensorBoard sink"]),
])
def test_the_live_view_and_tensorboard_ask_for_keras_3(monkeypatch, options, asked):
    from mlscompanion.tracker import callback

    seen = []
    monkeypatch.setattr(callback, "require_keras_3", seen.append)
    NeuronDifferentiation(**options)
    assert seen == asked


def test_a_probe_reaches_a_layer_inside_a_nested_model():
    mlc.set_seed(2, deterministic=False)
    inner = keras.Sequential([keras.Input((2,)),
                              keras.layers.Dense(3, activation="tanh", name="inner_dense")],
                             name="inner")
    inputs = keras.Input((2,))
    model = keras.Model(inputs, keras.layers.Dense(1)(inner(inputs)))
    x = np.random.default_rng(5).normal(size=(16, 2)).astype("float32")
    tracker = NeuronDifferentiation(layers=["inner_dense"], probe=x)
    tracker.set_model(model)
    (record,) = tracker.record()
    assert record["mean_abs_correlation"] == pytest.approx(
        _mean_abs_correlation(inner, "inner_dense", x), rel=RTOL)


def test_no_readable_layer_means_no_correlation_and_one_warning_naming_each(monkeypatch):
    inputs = keras.Input((2,))
    first = keras.layers.Dense(2, name="first")(inputs)
    model = keras.Model(inputs, keras.layers.Dense(2, name="second")(first))

    def output_in(chain, outputs):
        raise ValueError("no single output")

    monkeypatch.setattr(probes, "_output_in", output_in)
    tracker = NeuronDifferentiation(layers=["first", "second"], probe=_data()[0])
    tracker.set_model(model)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        records = tracker.record()
    assert [str(w.message) for w in caught if "NeuronDifferentiation" in str(w.message)] == [
        "NeuronDifferentiation cannot read the activations of first (no single output); "
        "second (no single output); their activation correlation is not recorded."]
    assert all(np.isnan(r["mean_abs_correlation"]) for r in records)


def test_einsum_dense_with_the_ellipsis_after_the_units():
    """``ab...,bc->ac...``: the units are the output's axis 1 (not its last),
    and the bias, shaped (units, 1), holds them on its first axis."""
    layer = keras.layers.EinsumDense("ab...,bc->ac...", output_shape=(4, None), bias_axes="c")
    assert tuple(layer(np.ones((5, 3, 2), "float32")).shape) == (5, 4, 2)
    tracked = describe_layer(layer)
    assert (tracked.units, tracked.unit_axis, tracked.layout) == (4, 1, ((-1, 1), (0, 1)))


def test_the_frame_without_pandas_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError) as error:
        NeuronDifferentiation().to_frame()
    assert str(error.value) == ("to_frame() needs pandas: pip install pandas. tracker.history "
                                "holds the same records as plain dicts.")


def test_one_step_given_as_an_int_is_one_panel():
    fig = units_plot.plot_units(_history(steps=range(5)), steps=3)
    (panel,) = [ax for ax in fig.axes if ax.images]
    assert panel.get_title().startswith("step 3 (epoch 3)")


def test_written_distances_turn_white_above_six_tenths_of_the_scale():
    from mlscompanion.style import new_figure

    fig, axes = new_figure()
    matrix = units_plot.distance_matrix({"pair_distances": [1.1, 1.3, 2.0]})
    _, texts = units_plot._draw_matrix(axes[0, 0], matrix, 2.0, annotate=True)
    assert [t.get_color() == "white" for t in texts] == [
        False, False, True, False, False, True, True, True, False]


def test_maps_pass_by_the_sinks_that_do_not_show_them(tmp_path):
    """The CSV and a user's sink without ``send_maps`` take records only."""
    sink, x, y = _Sent(), *_data()
    tracker = NeuronDifferentiation(maps=True, maps_data=(x, y), csv_path=tmp_path / "u.csv",
                                    sinks=[sink])
    _fit(_model(), tracker, epochs=1)
    assert sink.sent == [[0, 4]] and len(_csv_steps(tmp_path / "u.csv")) == 2


def test_einsum_dense_units_and_bias_on_other_axes():
    """``...b,bc->...c`` reads its units on the output's last axis whatever the
    input's rank; a bias on an axis that is not the units' is not theirs."""
    ellipsis = keras.layers.EinsumDense("...b,bc->...c", output_shape=4, bias_axes="c")
    ellipsis(np.ones((5, 3, 2), "float32"))
    assert describe_layer(ellipsis).unit_axis == -1
    other = keras.layers.EinsumDense("abc,cd->abd", output_shape=(3, 4), bias_axes="b")
    other(np.ones((5, 3, 2), "float32"))
    tracked = describe_layer(other)
    assert (tracked.units, tracked.unit_axis, tracked.layout) == (4, -1, ((-1, 1),))


def test_animate_makes_the_gifs_folder_and_refuses_what_is_not_a_path(tmp_path):
    path = tmp_path / "new" / "folder" / "a.gif"
    assert units_plot.animate_units(_history(), path) == path and path.stat().st_size > 0
    with pytest.raises(ValueError) as error:
        units_plot.animate_units(_history(), 3)
    assert str(error.value) == "`path` must be a file path. Received: path=3"
