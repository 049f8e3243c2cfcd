import csv
import math

import keras
import numpy as np
import pytest

import mlscompanion as mlc
from mlscompanion.tracker.callback import RECORD_FIELDS, NeuronDifferentiation
from tests.helpers import coffee, issue_model


def compiled(model):
    model.compile(loss="binary_crossentropy", optimizer=keras.optimizers.Adam(0.01))
    return model


def test_symmetric_start_records_effective_width_1():
    x, y = coffee(reps=2)
    tracker = NeuronDifferentiation()
    compiled(issue_model()).fit(x, y, epochs=2, verbose=0, callbacks=[tracker])
    assert [r["epoch"] for r in tracker.history] == [0, 1, 2]
    assert all(r["effective_width"] == 1 and r["max_distance"] == 0.0 for r in tracker.history)
    assert all(r["layer"] == "layer1" for r in tracker.history)  # the 1-unit layer is not tracked


def test_distinct_units_and_probe_correlation():
    x, y = coffee(reps=1)
    model = compiled(mlc.models.coffee_model())
    tracker = NeuronDifferentiation(layers=["layer1"], probe=x[:50], every=3)
    model.fit(x, y, epochs=1, batch_size=32, verbose=0, callbacks=[tracker])
    steps = [r["step"] for r in tracker.history]
    assert steps == [0, 3, 6]  # 7 batches: one record at start, then every 3 batches
    last = tracker.history[-1]
    assert last["effective_width"] == 3 and last["min_distance"] > 0
    assert 0 <= last["mean_abs_correlation"] <= 1
    assert len(last["pair_distances"]) == 3


def test_figures_match_the_numpy_definition():
    kernel = np.array([[1.0, 1.0, 0.0], [0.0, 0.0, 2.0]], "float32")
    bias = np.array([0.5, 0.50001, 0.0], "float32")  # float32, like the weights
    figures = mlc.callbacks.describe_units(kernel, bias, tol=1e-4)
    assert figures["effective_width"] == 2
    assert figures["min_distance"] == pytest.approx(1e-5, rel=1e-2)
    assert figures["max_distance"] == pytest.approx(math.sqrt(1 + 4 + 0.25))
    assert mlc.callbacks.describe_units(kernel, bias, tol=0.0)["effective_width"] == 3


def test_csv_keeps_every_record_of_an_interrupted_run(tmp_path):
    path = tmp_path / "units.csv"

    class Crash(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                raise RuntimeError("power cut")

    x, y = coffee(reps=1)
    tracker = NeuronDifferentiation(csv_path=path)
    with pytest.raises(RuntimeError, match="power cut"):
        compiled(mlc.models.coffee_model()).fit(x, y, epochs=5, verbose=0, callbacks=[tracker, Crash()])
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == len(tracker.history) == 3
    assert tuple(rows[0]) == RECORD_FIELDS
    assert [int(r["epoch"]) for r in rows] == [0, 1, 2]
    reloaded = NeuronDifferentiation.from_csv(path)
    assert reloaded.history[-1]["effective_width"] == tracker.history[-1]["effective_width"]
    assert reloaded.history[-1]["pair_distances"] == pytest.approx(tracker.history[-1]["pair_distances"])


def test_plot_returns_a_figure_and_to_frame():
    x, y = coffee(reps=1)
    tracker = NeuronDifferentiation()
    compiled(mlc.models.coffee_model()).fit(x, y, epochs=1, verbose=0, callbacks=[tracker])
    fig = tracker.plot()
    assert fig.axes and "layer1" in fig.axes[0].get_title()
    frame = tracker.to_frame()
    assert list(frame.columns) == list(RECORD_FIELDS) and len(frame) == 2


def test_untrackable_layers_are_skipped_with_one_warning():
    x, y = coffee(reps=1)
    model = compiled(mlc.models.coffee_model())
    tracker = NeuronDifferentiation(layers=["layer1", "layer2"])
    with pytest.warns(UserWarning, match="layer2") as caught:
        model.fit(x, y, epochs=1, verbose=0, callbacks=[tracker])
    assert sum("skips" in str(w.message) for w in caught) == 1
    assert {r["layer"] for r in tracker.history} == {"layer1"}


def test_nan_weights_are_recorded_as_nan_with_a_warning():
    model = compiled(mlc.models.coffee_model())
    layer = model.get_layer("layer1")
    layer.kernel.assign(np.full((2, 3), np.nan, "float32"))
    tracker = NeuronDifferentiation()
    tracker.set_model(model)
    tracker.on_train_begin()
    tracker.on_epoch_begin(0)  # computed on the device, not fetched yet
    with pytest.warns(UserWarning, match="NaN"):
        history = tracker.history
    assert math.isnan(history[0]["effective_width"])


def test_a_fit_that_restarts_the_step_count_warns_that_it_skips_recorded_steps():
    """compile() again starts a new optimizer at step 0: the tracker keeps one
    record per step, so the steps it holds are not recorded again, and it
    says so. A fit that continues the count is silent."""
    import warnings

    x, y = coffee(reps=1)
    model = compiled(mlc.models.coffee_model())
    tracker = NeuronDifferentiation(layers=["layer1"])
    model.fit(x, y, epochs=2, verbose=0, callbacks=[tracker])
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        model.fit(x, y, epochs=1, verbose=0, callbacks=[tracker])  # steps 14 to 21
    assert [r["step"] for r in tracker.history] == [0, 7, 14, 21]
    compiled(model)
    with pytest.warns(UserWarning, match="starts at step 0 but the tracker already holds "
                                         "records up to step 21") as caught:
        model.fit(x, y, epochs=1, verbose=0, callbacks=[tracker])
    (message,) = [str(w.message) for w in caught if "starts at step" in str(w.message)]
    assert "new NeuronDifferentiation" in message
    assert [r["step"] for r in tracker.history] == [0, 7, 14, 21]  # steps 0 and 7 were recorded


@pytest.mark.parametrize("kwargs, pattern", [
    (dict(every=0), "every"), (dict(every="batch"), "every"), (dict(tol=-1), "tol"),
])
def test_bad_arguments(kwargs, pattern):
    with pytest.raises(ValueError, match=pattern):
        NeuronDifferentiation(**kwargs)


def test_unknown_layer_name_lists_layers():
    model = compiled(mlc.models.coffee_model())
    x, y = coffee(reps=1)
    with pytest.raises(ValueError, match=r"nope.*layer1"):
        model.fit(x, y, epochs=1, verbose=0, callbacks=[NeuronDifferentiation(layers=["nope"])])
