"""TensorBoard: each layer's figures as scalars and the pair distances as
histograms, read back from the event files."""

import math
import os
import sys

import keras
import numpy as np
import pytest

import mlscompanion as mlc
from mlscompanion.tracker.callback import NeuronDifferentiation
from tests.helpers import coffee

pytest.importorskip("tensorboard")

from tensorboard.backend.event_processing import event_accumulator  # noqa: E402
from tensorboard.util import tensor_util  # noqa: E402

from mlscompanion.tracker.sinks.tensorboard import SCALAR_FIELDS, TensorBoardSink  # noqa: E402


def read_back(folder):
    """{tag: [(step, value or array)]} from the event files in ``folder``."""
    acc = event_accumulator.EventAccumulator(
        os.fspath(folder), size_guidance={event_accumulator.TENSORS: 0})
    acc.Reload()
    return {tag: [(event.step, tensor_util.make_ndarray(event.tensor_proto))
                  for event in acc.Tensors(tag)]
            for tag in acc.Tags()["tensors"]}


def test_fit_writes_figures_beside_keras_tensorboard_runs(tmp_path):
    x, y = coffee(reps=1)
    model = mlc.models.coffee_model()
    model.compile(loss="binary_crossentropy", optimizer=keras.optimizers.Adam(0.05))
    tracker = NeuronDifferentiation(layers=["layer1"], every=3, probe=x[:50], log_dir=tmp_path)
    model.fit(x, y, epochs=2, verbose=0,
              callbacks=[tracker, keras.callbacks.TensorBoard(log_dir=tmp_path)])
    assert {"train", "units"} <= set(os.listdir(tmp_path))
    tags = read_back(tmp_path / "units")
    history = tracker.history
    # dead_fraction is NaN for sigmoid units: NaN figures are not written
    written_fields = [field for field in SCALAR_FIELDS if np.isfinite(history[0][field])]
    assert "dead_fraction" not in written_fields and "saturated_fraction" in written_fields
    assert set(tags) == {f"layer1/{field}" for field in written_fields} | {"layer1/pair_distances"}
    for field in written_fields:
        written = tags[f"layer1/{field}"]
        assert [step for step, _ in written] == [r["step"] for r in history]
        np.testing.assert_allclose([float(v) for _, v in written],
                                   [r[field] for r in history], rtol=1e-6)
    histograms = tags["layer1/pair_distances"]
    assert [step for step, _ in histograms] == [r["step"] for r in history]
    for (_, buckets), r in zip(histograms, history):
        assert buckets.shape[1] == 3  # left edge, right edge, count
        assert buckets[:, 2].sum() == 3  # three pairs of units
        assert buckets[0, 0] == pytest.approx(min(r["pair_distances"]))
        assert buckets[-1, 1] == pytest.approx(max(r["pair_distances"]))


def test_nan_figures_are_skipped(tmp_path):
    sink = TensorBoardSink(tmp_path)
    record = {"epoch": 0, "step": 5, "layer": "wide", "units": 64, "sampled_units": 64,
              "effective_width": 64, "rms_distance": 1.5, "min_distance": math.nan,
              "mean_distance": math.nan, "max_distance": math.nan, "mean_cosine": 0.1,
              "max_cosine": math.nan, "mean_abs_correlation": math.nan,
              "pair_distances": None}
    sink.send([record])
    sink.close()
    tags = read_back(tmp_path)
    assert set(tags) == {"wide/effective_width", "wide/rms_distance", "wide/mean_cosine"}
    assert tags["wide/rms_distance"] == [(5, pytest.approx(1.5))]


def test_missing_tensorboard_names_the_extra(monkeypatch, tmp_path):
    for name in [name for name in sys.modules if name.startswith("tensorboard.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "tensorboard", None)  # import tensorboard fails
    with pytest.raises(ImportError, match=r"pip install mlscompanion\[tensorboard\]"):
        NeuronDifferentiation(log_dir=tmp_path)
    with pytest.raises(ImportError, match="pip install tensorboard"):
        TensorBoardSink(tmp_path)
