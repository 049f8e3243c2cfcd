"""Sinks of one's own: ``NeuronDifferentiation(sinks=[...])`` and the ``Sink`` protocol."""

import keras
import pytest

from mlscompanion.sinks import Sink, SinkGroup, read_csv
from mlscompanion.tracker import NeuronDifferentiation
from tests.helpers import coffee


class Recorder(Sink):
    """Remembers every call, in order."""

    def __init__(self):
        self.calls = []
        self.records = []

    def open(self, history):
        self.calls.append(("open", len(history)))

    def send(self, records):
        self.calls.append(("send", len(records)))
        self.records.extend(records)

    def flush(self):
        self.calls.append(("flush",))

    def close(self):
        self.calls.append(("close",))


def comparable(records):
    return [(r["epoch"], r["step"], r["layer"], r["effective_width"], r["mean_distance"])
            for r in records]


def test_a_user_sink_gets_exactly_the_csv_records_in_order_across_two_fits(tmp_path):
    keras.utils.set_random_seed(5)
    x, y = coffee(reps=2)
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3, activation="sigmoid", name="layer1"),
                              keras.layers.Dense(1, activation="sigmoid", name="layer2")])
    model.compile(loss="binary_crossentropy", optimizer="adam")
    mine = Recorder()
    path = tmp_path / "units.csv"
    tracker = NeuronDifferentiation(every=3, csv_path=path, sinks=[mine])
    for _ in range(2):
        model.fit(x, y, epochs=2, batch_size=16, verbose=0, callbacks=[tracker])
    written = read_csv(path)
    assert len(mine.records) == len(written) == len(tracker.history) > 4
    assert comparable(mine.records) == comparable(written) == comparable(tracker.history)
    steps = [r["step"] for r in mine.records]
    assert steps == sorted(steps) and len(set(steps)) > 2  # in step order, from both fits
    opens = [call for call in mine.calls if call[0] == "open"]
    assert len(opens) == 2 and opens[0] == ("open", 0) and opens[1][1] > 0
    assert mine.calls[-1] == ("close",) and [c[0] for c in mine.calls].count("close") == 2


def test_the_protocol_is_checked_early_with_the_argument_named():
    class NoSend:
        def open(self, history): ...
        def flush(self): ...
        def close(self): ...

    with pytest.raises(TypeError, match=r"`sinks`.*NoSend.*has no send"):
        NeuronDifferentiation(sinks=[NoSend()])
    with pytest.raises(TypeError, match="`sinks` must be a list"):
        NeuronDifferentiation(sinks=Recorder())
    with pytest.raises(NotImplementedError, match="send"):
        Sink().send([])


def test_a_group_closes_its_sinks_once_per_fit():
    mine = Recorder()
    group = SinkGroup([mine])
    assert group.watched
    group.open([])
    group.send([{"step": 0}])
    group.close()
    group.open([{"step": 0}])  # the next fit closes nothing twice
    group.close()
    assert mine.calls == [("open", 0), ("send", 1), ("close",), ("open", 1), ("close",)]
