"""The live view: one display updated in place in a notebook, one line per
epoch elsewhere, throttled by an injected clock (no wall-clock in tests)."""

import io
import json
import os
import subprocess
import sys
import types
from pathlib import Path

import keras
import pytest

import mlscompanion as mlc
from mlscompanion.tracker.callback import NeuronDifferentiation
from mlscompanion.tracker.sinks.live import LiveSink, notebook_mode
from tests.helpers import coffee

ROOT = Path(__file__).resolve().parents[1]


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


class FakeDisplay:
    """Stands in for IPython.display.display: counts displays and updates."""

    def __init__(self, sink=None, draw_seconds=0.0, clock=None):
        self.shown = []  # one list of updates per display
        self.sink, self.draw_seconds, self.clock = sink, draw_seconds, clock

    def __call__(self, picture, display_id=None, metadata=None):
        assert display_id is True
        updates = [(picture, metadata, self._seen())]
        self.shown.append(updates)
        self._tick()
        display = self

        class Handle:
            def update(self, picture, metadata=None):
                updates.append((picture, metadata, display._seen()))
                display._tick()

        return Handle()

    def _seen(self):
        return None if self.sink is None else len(self.sink.records)

    def _tick(self):  # a draw that takes time on the injected clock
        if self.clock is not None:
            self.clock.now += self.draw_seconds


class AdvanceClock(keras.callbacks.Callback):
    """Each batch takes `seconds` on the fake clock."""

    def __init__(self, clock, seconds):
        super().__init__()
        self.clock, self.seconds = clock, seconds

    def on_train_batch_begin(self, batch, logs=None):
        self.clock.now += self.seconds


def compiled_coffee_model():
    model = mlc.models.coffee_model()
    model.compile(loss="binary_crossentropy", optimizer=keras.optimizers.Adam(0.05))
    return model


def record(step, layer="layer1", epoch=0, distance=0.5):
    return {"epoch": epoch, "step": step, "layer": layer, "units": 3, "sampled_units": 3,
            "effective_width": 3, "rms_distance": distance, "min_distance": distance,
            "mean_distance": distance, "max_distance": distance, "mean_cosine": 0.1,
            "max_cosine": 0.2, "mean_abs_correlation": float("nan"),
            "pair_distances": [distance] * 3}


@pytest.mark.parametrize("shell, expected", [
    ("ZMQInteractiveShell", True), ("Shell", True),
    ("TerminalInteractiveShell", False), (None, False)])
def test_notebook_mode_reads_the_ipython_shell_class(monkeypatch, shell, expected):
    instance = None if shell is None else type(shell, (), {})()
    monkeypatch.setitem(sys.modules, "IPython", types.SimpleNamespace(get_ipython=lambda: instance))
    assert notebook_mode() is expected
    assert LiveSink().notebook is expected  # detected once, when the sink is made


def test_throttle_follows_the_injected_clock():
    clock = FakeClock()
    sink = LiveSink(interval=1.0, notebook=True, clock=clock)
    display = FakeDisplay(sink)
    sink.display = display
    sink.open()
    for step in range(10):  # a record every 0.25 s
        sink.send([record(step)])
        clock.now += 0.25
    # drawn at t = 0, 1.0 and 2.0: one display, updated twice
    assert len(display.shown) == 1
    assert [seen for *_, seen in display.shown[0]] == [1, 5, 9]
    assert sink.draws == 3
    sink.close()  # the last record (t = 2.25) is drawn at the end
    assert [seen for *_, seen in display.shown[0]] == [1, 5, 9, 10]
    assert display.shown[0][-1][1] == {"mlscompanion": {"live_draws": 4}}


def test_slow_draws_are_spaced_to_keep_within_the_budget():
    clock = FakeClock()
    sink = LiveSink(interval=1.0, budget=0.05, notebook=True, clock=clock)
    # each draw takes 0.25 s: the next waits 0.25 / 0.05 = 5 s, not 1 s
    sink.display = FakeDisplay(sink, draw_seconds=0.25, clock=clock)
    sink.open()
    for step in range(60):  # a record every 0.25 s
        sink.send([record(step)])
        clock.now += 0.25
    seen = [count for *_, count in sink.display.shown[0]]
    assert seen == [1, 21, 41]  # drawn at t = 0, 5.25 and 10.5
    assert sink.draws * 0.25 <= 0.05 * clock.now + 0.25
    assert sink.draw_seconds == pytest.approx(0.75)  # measured on the injected clock


def test_fit_shows_one_display_updated_in_place():
    x, y = coffee(reps=4)  # 25 batches per epoch
    clock = FakeClock()
    sink = LiveSink(interval=1.0, notebook=True, clock=clock)
    sink.display = FakeDisplay(sink)
    # fetch_every is large: the live view must still see records as the throttle opens
    tracker = NeuronDifferentiation(layers=["layer1"], every=2, fetch_every=1000, live=sink)
    compiled_coffee_model().fit(x, y, epochs=2, verbose=0,
                                callbacks=[AdvanceClock(clock, 0.1), tracker])
    shown = sink.display.shown
    assert len(shown) == 1, "one display per fit, then updates"
    seen = [count for *_, count in shown[0]]
    assert len(seen) >= 4 and seen == sorted(seen)
    assert len(seen) <= clock.now / 1.0 + 2  # at most one per second, plus the last
    assert seen[1] < len(tracker.history) // 2, "records were fetched mid-epoch for the view"
    assert seen[-1] == len(tracker.history)  # the end of training is drawn
    picture, metadata, _ = shown[0][-1]
    assert picture.data[:8] == b"\x89PNG\r\n\x1a\n"
    assert metadata["mlscompanion"]["live_draws"] == len(seen)


def test_a_second_fit_opens_a_new_display():
    x, y = coffee(reps=1)
    sink = LiveSink(notebook=True, clock=FakeClock())
    sink.display = FakeDisplay(sink)
    tracker = NeuronDifferentiation(layers=["layer1"], live=sink)
    model = compiled_coffee_model()
    model.fit(x, y, epochs=1, verbose=0, callbacks=[tracker])
    model.fit(x, y, epochs=1, verbose=0, callbacks=[tracker])
    assert len(sink.display.shown) == 2
    # the second fit's display shows both fits' records (steps 0, 7 and 14)
    assert sink.display.shown[1][-1][2] == len(tracker.history) == 3


def test_outside_a_notebook_one_line_per_epoch_after_the_progress_bar(capsys, monkeypatch):
    import IPython.display

    def no_display(*args, **kwargs):
        raise AssertionError("nothing is drawn outside a notebook")

    monkeypatch.setattr(IPython.display, "display", no_display)
    x, y = coffee(reps=1)
    tracker = NeuronDifferentiation(layers=["layer1"], live=True)
    compiled_coffee_model().fit(x, y, epochs=3, verbose=1, callbacks=[tracker])
    out = capsys.readouterr().out
    lines = [line for line in out.split("\n") if "units at step" in line]
    assert len(lines) == 3
    for line, step in zip(lines, (7, 14, 21)):  # 7 batches an epoch, epoch-end records
        assert line.startswith(f"units at step {step}: layer1 width 3/3, min distance ")
    # each line follows the finished progress bar of its epoch, never inside it
    assert out.index("Epoch 2/3") > out.index(lines[0]) > out.index("7/7")


def test_script_mode_prints_to_the_given_stream_only_when_there_is_news():
    stream = io.StringIO()
    sink = LiveSink(notebook=False, stream=stream)
    sink.open()
    sink.send([record(0), record(0, layer="layer2", distance=float("nan"))])
    sink.flush()
    sink.flush()  # no new record: no line
    sink.close()
    assert stream.getvalue().splitlines() == [
        "units at step 0: layer1 width 3/3, min distance 0.5; layer2 width 3/3, rms distance nan"]


def test_get_config_and_bad_arguments():
    tracker = NeuronDifferentiation(live=LiveSink(notebook=False))
    assert tracker.get_config()["live"] is True
    assert NeuronDifferentiation().get_config()["live"] is False
    with pytest.raises(ValueError, match="Received: live='yes'"):
        NeuronDifferentiation(live="yes")
    with pytest.raises(ValueError, match="Received: interval=-1"):
        LiveSink(interval=-1)
    with pytest.raises(ValueError, match="Received: budget=0"):
        LiveSink(budget=0)


JAX_SCRIPT = """
import sys
import keras, numpy as np
import mlscompanion as mlc
from mlscompanion.tracker.callback import NeuronDifferentiation
from mlscompanion.tracker.sinks import LiveSink
from tests.helpers import coffee
from tests.test_live import FakeClock, FakeDisplay
x, y = coffee(reps=1)
model = mlc.models.coffee_model()
model.compile(loss="binary_crossentropy", optimizer="adam")
sink = LiveSink(notebook=True, clock=FakeClock())
sink.display = FakeDisplay(sink)
tracker = NeuronDifferentiation(every=2, live=sink, log_dir=sys.argv[1])
model.fit(x, y, epochs=2, verbose=1, callbacks=[tracker])
print("RESULT", keras.backend.backend(), len(sink.display.shown),
      sink.display.shown[0][-1][2] == len(tracker.history), "tensorflow" in sys.modules)
"""


def test_live_view_and_tensorboard_under_jax_without_tensorflow(tmp_path):
    pytest.importorskip("jax")
    pytest.importorskip("tensorboard")
    env = dict(os.environ, KERAS_BACKEND="jax", PYTHONPATH=str(ROOT), JAX_PLATFORMS="cpu")
    done = subprocess.run([sys.executable, "-c", JAX_SCRIPT, str(tmp_path)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    result = [line for line in done.stdout.splitlines() if line.startswith("RESULT")][-1]
    assert result.split()[1:] == ["jax", "1", "True", "False"]
    assert any(name.startswith("events.out.tfevents") for name in os.listdir(tmp_path / "units"))


def test_get_config_round_trips_log_dir(tmp_path):
    pytest.importorskip("tensorboard")
    config = NeuronDifferentiation(log_dir=tmp_path).get_config()
    assert config["log_dir"] == os.fspath(tmp_path)
    assert json.loads(json.dumps(config)) == config
