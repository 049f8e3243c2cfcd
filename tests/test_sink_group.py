"""SinkGroup: a tracker's CSV file, TensorBoard and live view as one object
(no model, no fit: records are plain dicts)."""

import io
import os

import pytest

from mlscompanion.tracker.records import FIGURE_FIELDS
from mlscompanion.tracker.sinks import CSVSink, LiveSink, SinkGroup, read_csv


def record(step, layer="layer1"):
    figures = dict.fromkeys(FIGURE_FIELDS, 1.0)
    figures["effective_width"] = 3
    return dict(figures, epoch=0, step=step, layer=layer, units=3, sampled_units=3,
                pair_distances=[0.5, 1.0, 1.5])


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def script_live():
    """A live view in script mode, printing to a buffer instead of stdout."""
    return LiveSink(notebook=False, stream=io.StringIO())


def test_nothing_open_means_nothing_watches():
    sinks = SinkGroup()
    assert not sinks.watched and not sinks.live_ready()
    sinks.open([], log_dir=None, live=False)
    assert not sinks.watched
    assert sinks.open_csv(None) is None and sinks.csv is None
    sinks.send([record(0)])  # no sink: nothing to do, no error
    sinks.flush()
    sinks.close()


def test_send_writes_each_record_to_the_csv_at_once(tmp_path):
    path = tmp_path / "run" / "units.csv"
    sinks = SinkGroup()
    csv_sink = sinks.open_csv(path)
    assert isinstance(csv_sink, CSVSink) and sinks.csv is csv_sink
    assert csv_sink.previous == [] and not csv_sink.dropped_partial_line
    assert sinks.watched
    sinks.send([record(0), record(0, "layer2")])
    # On disk before any flush or close: a killed run keeps them.
    assert [(r["step"], r["layer"]) for r in read_csv(path)] == [(0, "layer1"), (0, "layer2")]
    assert read_csv(path)[0]["pair_distances"] == [0.5, 1.0, 1.5]


def test_the_csv_opens_once_and_stays_open_across_fits(tmp_path):
    path = tmp_path / "units.csv"
    sinks = SinkGroup()
    first = sinks.open_csv(path)
    sinks.open([], live=script_live())
    sinks.send([record(0)])
    sinks.close()
    assert sinks.csv is first and sinks.live is None and sinks.watched
    assert sinks.open_csv(path) is None  # a second fit: the same file
    sinks.open([record(0)])
    sinks.send([record(5)])
    assert [r["step"] for r in read_csv(path)] == [0, 5]


def test_append_returns_the_records_of_an_earlier_run(tmp_path):
    path = tmp_path / "units.csv"
    SinkGroup().open_csv(path).send([record(0), record(4)])
    with open(path, "a") as f:
        f.write("0,7,layer1,3")  # cut short by a crash
    csv_sink = SinkGroup().open_csv(path, append=True)
    assert [r["step"] for r in csv_sink.previous] == [0, 4]
    assert csv_sink.dropped_partial_line


def test_rewrite_replaces_the_csv(tmp_path):
    path = tmp_path / "units.csv"
    sinks = SinkGroup()
    sinks.open_csv(path)
    sinks.send([record(0), record(4), record(8)])
    sinks.rewrite([record(0)])
    assert [r["step"] for r in read_csv(path)] == [0]
    assert not os.path.exists(f"{path}.tmp")
    sinks.send([record(4)])
    assert [r["step"] for r in read_csv(path)] == [0, 4]


def test_live_view_is_watched_opened_with_the_history_and_closed_per_fit():
    sinks = SinkGroup()
    live = script_live()
    sinks.open([record(0)], live=live)
    assert sinks.live is live and live.records == [record(0)] and sinks.watched
    assert not sinks.live_ready()  # script mode never redraws
    sinks.send([record(3)])
    sinks.flush()  # an epoch is over: one line
    assert "units at step 3" in live.stream.getvalue()
    sinks.close()
    assert sinks.live is None and not sinks.watched


def test_live_true_builds_a_new_live_sink_each_fit():
    sinks = SinkGroup()
    sinks.open([], live=True)
    first = sinks.live
    assert isinstance(first, LiveSink)
    sinks.open([], live=True)  # opening again closes the last fit's view
    assert isinstance(sinks.live, LiveSink) and sinks.live is not first


def test_live_ready_follows_the_live_sink():
    pytest.importorskip("IPython")
    clock = FakeClock()
    live = LiveSink(notebook=True, clock=clock, display=lambda *args, **kwargs: None)
    sinks = SinkGroup()
    sinks.open([], live=live)
    assert sinks.live_ready()  # nothing drawn yet
    sinks.send([record(0)])  # drawn now: the next draw waits a second
    assert live.draws == 1 and not sinks.live_ready()
    clock.now = 1.0
    assert sinks.live_ready()


def test_tensorboard_is_watched_and_closed_per_fit(tmp_path):
    pytest.importorskip("tensorboard")
    sinks = SinkGroup()
    sinks.open([], log_dir=tmp_path)
    tensorboard = sinks.tensorboard
    assert sinks.watched and tensorboard.log_dir == os.path.join(tmp_path, "units")
    sinks.send([record(0)])
    sinks.flush()
    assert os.path.getsize(tensorboard.path) > 0
    sinks.close()
    assert sinks.tensorboard is None and tensorboard._writer.closed and not sinks.watched


def test_check_rejects_options_no_sink_can_take():
    SinkGroup.check("units.csv", append=True, live=script_live())
    with pytest.raises(ValueError, match="it continues an existing CSV file"):
        SinkGroup.check(None, append=True)
    with pytest.raises(ValueError, match="Received: live='yes'"):
        SinkGroup.check(live="yes")
    with pytest.raises(ValueError, match="Received: log_dir=3"):
        SinkGroup.check(log_dir=3)


def test_the_tracker_reads_back_what_the_group_wrote(tmp_path):
    from mlscompanion.tracker.callback import NeuronDifferentiation

    path = tmp_path / "units.csv"
    SinkGroup().open_csv(path).send([record(0), record(4)])
    tracker = NeuronDifferentiation.from_csv(path)  # HistoryViews.from_csv builds cls()
    assert type(tracker) is NeuronDifferentiation
    assert [r["step"] for r in tracker.history] == [0, 4]
    assert NeuronDifferentiation.read_csv(path) == tracker.history
