"""Record points wait on the device as copies and are computed a window at a time.

The figures must not depend on how the records were batched: a window of
``fetch_every`` copies computed in one call gives the records a record
computed at once would. Runs on every backend (.ci/jax-tests,
.ci/torch-tests): each keeps its weights differently (TensorFlow variables,
PyTorch tensors updated in place, JAX buffers handed to the next step).
"""

import keras
import numpy as np
import pytest

import mlscompanion as mlc
from mlscompanion.tracker import record_window
from mlscompanion.tracker.callback import NeuronDifferentiation
from mlscompanion.tracker.record_window import RecordWindow, snapshot
from mlscompanion.tracker.figures import UnitFigures
from tests.helpers import coffee

#: The backends that keep copies unless a test says otherwise.
DEFAULT_KEEPS_COPIES = record_window.KEEPS_COPIES


@pytest.fixture(autouse=True)
def keep_copies_on_every_backend(monkeypatch):
    """TensorFlow and PyTorch keep copies by default (their calls cost most):
    here every backend does, so each backend's way of keeping weights is checked."""
    monkeypatch.setattr(record_window, "KEEPS_COPIES", (keras.backend.backend(),))


FIGURES = ("effective_width", "rms_distance", "mean_cosine", "min_distance",
           "mean_distance", "max_distance", "max_cosine", "mean_abs_correlation")


def fit_records(fetch_every, probe=None, units=4, csv_path=None):
    """Records of every batch of a short fit (7 batches x 2 epochs).

    Without ``csv_path`` nothing reads the records before the epoch ends,
    so they wait in a window of 256 (padded); with it, ``fetch_every``."""
    x, y = coffee(reps=1)
    mlc.set_seed(3, deterministic=False)
    model = keras.Sequential([keras.Input((2,)),
                              keras.layers.Dense(units, activation="sigmoid", name="hidden"),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.compile(loss="binary_crossentropy", optimizer=keras.optimizers.Adam(0.05))
    tracker = NeuronDifferentiation(layers=["hidden"], every=1, fetch_every=fetch_every,
                                    probe=probe, csv_path=csv_path)
    model.fit(x, y, epochs=2, batch_size=32, verbose=0, shuffle=False, callbacks=[tracker])
    return tracker.history


def assert_same_records(got, want):
    assert [(r["step"], r["layer"], r["epoch"]) for r in got] == \
        [(r["step"], r["layer"], r["epoch"]) for r in want]
    for a, b in zip(got, want):
        assert a["effective_width"] == b["effective_width"]
        for name in FIGURES[1:]:
            assert a[name] == pytest.approx(b[name], rel=1e-5, abs=1e-6, nan_ok=True), name
        if b["pair_distances"] is not None:
            np.testing.assert_allclose(a["pair_distances"], b["pair_distances"], rtol=1e-5)


def test_windows_of_copies_give_the_records_taken_one_at_a_time(tmp_path):
    """With a CSV, fetch_every=4 computes 4 copies per call; without one, an
    epoch's records wait in one padded window. The weights kept must be each
    step's, not the latest (a kept reference would make every record alike)."""
    one_at_a_time = fit_records(fetch_every=1, csv_path=tmp_path / "one.csv")
    windowed = fit_records(fetch_every=4, csv_path=tmp_path / "four.csv")
    unwatched = fit_records(fetch_every=4)
    assert len(windowed) == 15
    assert len({r["rms_distance"] for r in windowed}) == 15  # the weights moved every step
    assert_same_records(windowed, one_at_a_time)
    assert_same_records(unwatched, one_at_a_time)


def test_windows_with_a_probe_keep_each_steps_activations(tmp_path):
    probe = coffee(reps=1)[0][:40]
    one_at_a_time = fit_records(fetch_every=1, probe=probe, csv_path=tmp_path / "one.csv")
    windowed = fit_records(fetch_every=4, probe=probe, csv_path=tmp_path / "four.csv")
    unwatched = fit_records(fetch_every=4, probe=probe)
    assert len({r["mean_abs_correlation"] for r in windowed}) > 10
    assert_same_records(windowed, one_at_a_time)
    assert_same_records(unwatched, one_at_a_time)


def test_the_window_is_fetch_every_when_a_sink_reads_the_records(tmp_path):
    """A CSV (or TensorBoard, or the live view) gets records fetch_every
    record points at a time; with none, 256 may wait (fewer calls)."""
    x, y = coffee(reps=1)
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3, name="hidden")])
    model.compile(loss="mse", optimizer="sgd")
    watched = NeuronDifferentiation(every=1, fetch_every=4, csv_path=tmp_path / "u.csv")
    unwatched = NeuronDifferentiation(every=1, fetch_every=4)
    large = NeuronDifferentiation(every=1, fetch_every=1000)
    for tracker in (watched, unwatched, large):
        model.fit(x[:64], y[:64], epochs=1, verbose=0, callbacks=[tracker])
    assert (watched._window.size, unwatched._window.size, large._window.size) == (4, 256, 1000)


def test_wide_layers_and_other_backends_compute_at_once_with_the_same_figures(monkeypatch):
    windowed = fit_records(fetch_every=4)
    monkeypatch.setattr(record_window, "WINDOW_MAX_ENTRIES", 0)  # every layer is wide
    window = RecordWindow(4)
    window.add({"step": 0}, UnitFigures((2, 4)),
               (np.ones((2, 4), "float32"), np.zeros(4, "float32")))
    assert window._entries[0].copies is None  # no copy kept: computed already
    assert_same_records(fit_records(fetch_every=4), windowed)
    monkeypatch.setattr(record_window, "WINDOW_MAX_ENTRIES", 1 << 22)
    monkeypatch.setattr(record_window, "KEEPS_COPIES", ())  # a backend that computes at once
    assert RecordWindow(16).chunk(UnitFigures((2, 4))) == 1
    assert_same_records(fit_records(fetch_every=4), windowed)


def test_by_default_tensorflow_and_torch_keep_copies_and_jax_computes_at_once(monkeypatch):
    # Under PyTorch a record computed alone runs each of the figures' ops
    # with Keras' overhead (about 2 ms for the coffee model's layer).
    monkeypatch.setattr(record_window, "KEEPS_COPIES", DEFAULT_KEEPS_COPIES)
    want = 1 if keras.backend.backend() == "jax" else 16
    assert RecordWindow(16).chunk(UnitFigures((2, 3))) == want


def test_a_snapshot_keeps_the_value_it_was_taken_at():
    variable = keras.Variable(np.arange(6, dtype="float32").reshape(2, 3))
    kept = snapshot(variable.value)
    variable.assign(np.zeros((2, 3), "float32"))
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(kept),
                                  np.arange(6, dtype="float32").reshape(2, 3))


def test_snapshots_of_a_variable_and_of_a_tensor_each_keep_their_value():
    """A snapshot of a variable keeps the value it was taken at; one of a
    plain tensor (a weight computed by its layer) keeps that tensor's value,
    in either order."""
    variable = keras.Variable(np.ones((2, 3), "float32"))
    tensor = keras.ops.convert_to_tensor(np.full((2, 3), 2.0, "float32"))
    kept = [snapshot(variable.value), snapshot(tensor), snapshot(variable.value)]
    variable.assign(np.zeros((2, 3), "float32"))
    assert [float(keras.ops.convert_to_numpy(value).sum()) for value in kept] == [6.0, 12.0, 6.0]


def test_copies_stack_on_a_new_first_axis_like_ops_stack():
    copies = [snapshot(keras.Variable(np.full((2, 3), step, "float32")).value)
              for step in range(4)]
    stacked = record_window.stack_copies(copies)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(stacked),
                                  keras.ops.convert_to_numpy(keras.ops.stack(copies)))
    assert tuple(stacked.shape) == (4, 2, 3)


def test_fetch_returns_records_in_the_order_added_and_empties_the_window():
    """Two layers and a record taken with pair figures in between: computed in
    groups, returned as added."""
    small, other = UnitFigures((2, 3)), UnitFigures((3, 2))
    rng = np.random.default_rng(0)
    window = RecordWindow(2)
    added = []
    for step, (figures, shape, pairs) in enumerate(
            [(small, (2, 3), False), (other, (3, 2), False), (small, (2, 3), True),
             (small, (2, 3), False), (other, (3, 2), False), (small, (2, 3), False)]):
        kernel = rng.normal(size=shape).astype("float32")
        bias = rng.normal(size=shape[-1:]).astype("float32")
        window.add({"step": step}, figures, (kernel, bias), pairs=pairs)
        added.append(figures.decode(keras.ops.convert_to_numpy(
            figures.compute((kernel, bias), pairs=pairs)), pairs=pairs))
    assert len(window) == 6
    fetched = window.fetch()
    assert len(window) == 0 and window.fetch() == []
    assert [meta["step"] for meta, _ in fetched] == list(range(6))
    for (_, got), want in zip(fetched, added):
        assert got["effective_width"] == want["effective_width"]
        assert got["rms_distance"] == pytest.approx(want["rms_distance"], rel=1e-6)
        assert (got["pair_distances"] is None) == (want["pair_distances"] is None)
        assert np.isnan(got["min_distance"]) == np.isnan(want["min_distance"])


def test_the_copies_a_window_holds_are_bounded(monkeypatch):
    """A layer's copies are computed ``chunk`` at a time, as soon as that many
    wait: at most WINDOW_MAX_ENTRIES weights of a layer wait as copies,
    however large the window. A layer of which fewer than 16 copies (or
    ``size``) fit is computed at once: padding its chunks would waste its
    arithmetic."""
    figures = UnitFigures((64, 64))  # 4,160 weights
    weights = (np.ones((64, 64), "float32"), np.zeros(64, "float32"))
    assert RecordWindow(16).chunk(figures) == 16
    assert RecordWindow(2048).chunk(figures) == (1 << 22) // 4160  # 1,008 copies, 16 MiB
    monkeypatch.setattr(record_window, "WINDOW_MAX_ENTRIES", 16 * 4160)
    assert RecordWindow(256).chunk(figures) == 16
    monkeypatch.setattr(record_window, "WINDOW_MAX_ENTRIES", 16 * 4160 - 1)
    assert RecordWindow(256).chunk(figures) == 1  # 15 copies fit: at once
    monkeypatch.setattr(record_window, "WINDOW_MAX_ENTRIES", 3 * 4160)
    window = RecordWindow(3)
    for step in range(4):
        window.add({"step": step}, figures, weights)
    waiting = [entry.copies is not None for entry in window._entries]
    assert waiting == [False, False, False, True]  # 3 computed in one call, 1 waits
    assert [meta["step"] for meta, _ in window.fetch()] == [0, 1, 2, 3]
    monkeypatch.setattr(record_window, "WINDOW_MAX_ENTRIES", 2 * 4160)
    window = RecordWindow(2)
    window.add({}, figures, weights)
    assert window._entries[0].copies is not None  # two copies fit: it waits
    window.fetch()
    monkeypatch.setattr(record_window, "WINDOW_MAX_ENTRIES", 2 * 4160 - 1)
    window.add({}, figures, weights)
    assert window._entries[0].copies is None and window._entries[0].block is not None


def test_on_an_accelerator_a_layer_waits_when_two_copies_fit(monkeypatch):
    """On a CPU a layer of which fewer than 16 copies fit is computed at
    once; on an accelerator its arithmetic is small against a call, and 2
    copies are enough to wait. The records are the same either way."""
    figures = UnitFigures((64, 64))  # 4,160 weights
    monkeypatch.setattr(record_window, "WINDOW_MAX_ENTRIES", 3 * 4160)
    assert RecordWindow(256).chunk(figures) == 1
    assert RecordWindow(256).chunk(figures, accelerator=True) == 3
    assert RecordWindow(1).chunk(figures, accelerator=True) == 1  # fetch_every=1
    monkeypatch.setattr(record_window, "WINDOW_MAX_ENTRIES", 2 * 4160)
    assert RecordWindow(256).chunk(figures, accelerator=True) == 2
    monkeypatch.setattr(record_window, "WINDOW_MAX_ENTRIES", 2 * 4160 - 1)
    assert RecordWindow(256).chunk(figures, accelerator=True) == 1  # one copy fits
    at_once = fit_records(fetch_every=4)
    monkeypatch.setattr(record_window, "WINDOW_MAX_ENTRIES", 3 * 12)  # 3 copies of 2 x 4 + 4
    calls = []
    compute_many = UnitFigures.compute_many
    monkeypatch.setattr(UnitFigures, "compute_many",
                        lambda self, *a, **k: calls.append(1) or compute_many(self, *a, **k))
    assert_same_records(fit_records(fetch_every=4), at_once)
    assert not calls  # on a CPU: each record at once
    # "on an accelerator": the device of the layer's first weight, its kernel
    monkeypatch.setattr(record_window, "on_accelerator", lambda value: tuple(value.shape) == (2, 4))
    assert_same_records(fit_records(fetch_every=4), at_once)
    assert calls  # "on an accelerator": copies computed 3 at a time


def test_a_chunk_is_one_call_of_chunk_copies_and_one_block_in_the_fetch(monkeypatch):
    """Each layer traces one call of ``chunk`` copies (a short group is padded
    to it, not beyond), and the fetch joins each computed block once."""
    figures = UnitFigures((2, 3))
    rng = np.random.default_rng(1)
    calls, joined = [], []
    compute_many = figures.compute_many
    monkeypatch.setattr(figures, "compute_many", lambda weights, *args, **kwargs: (
        calls.append(tuple(weights[0].shape)), compute_many(weights, *args, **kwargs))[1])

    class Ops:  # keras.ops, counting the blocks the window joins
        def __getattr__(self, name):
            return getattr(keras.ops, name)

        def concatenate(self, blocks, axis=0):
            joined.append(len(blocks))
            return keras.ops.concatenate(blocks, axis=axis)

    monkeypatch.setattr(record_window, "ops", Ops())
    window = RecordWindow(4)
    for step in range(6):  # one full chunk, then two waiting
        window.add({"step": step}, figures,
                   (rng.normal(size=(2, 3)).astype("float32"), np.zeros(3, "float32")))
    assert calls == [(4, 2, 3)]
    records = window.fetch()
    assert calls == [(4, 2, 3), (4, 2, 3)] and joined == [2]
    assert [meta["step"] for meta, _ in records] == list(range(6))
    # One waiting copy (``history`` read mid-epoch) is computed on its own,
    # not padded to a call of 4 copies; the same figures as in a chunk.
    kernel = rng.normal(size=(2, 3)).astype("float32")
    for window_size in (4, 1):
        window = RecordWindow(window_size)
        window.add({}, figures, (kernel, np.zeros(3, "float32")))
        alone = window.fetch()[0][1]
        assert calls == [(4, 2, 3), (4, 2, 3)]
        if window_size == 4:
            first = alone
    assert alone == pytest.approx(first, nan_ok=True)
    in_chunk = RecordWindow(4)
    for _ in range(4):
        in_chunk.add({}, figures, (kernel, np.zeros(3, "float32")))
    assert in_chunk.fetch()[-1][1]["rms_distance"] == pytest.approx(first["rms_distance"], rel=1e-6)
    activations = rng.normal(size=(5, 3)).astype("float32")  # a probe's outputs
    window = RecordWindow(4)
    window.add({}, figures, (kernel, np.zeros(3, "float32")), activations)
    correlation = window.fetch()[0][1]["mean_abs_correlation"]
    want = figures.decode(keras.ops.convert_to_numpy(
        figures.compute((kernel, np.zeros(3, "float32")), activations)))
    assert correlation == pytest.approx(want["mean_abs_correlation"], rel=1e-6)
    assert not np.isnan(correlation)


def test_a_torch_snapshot_holds_no_autograd_graph():
    """Under PyTorch a snapshot is a plain copy: one that tracked gradients
    would keep the graph of every record alive."""
    if keras.backend.backend() != "torch":
        pytest.skip("PyTorch's autograd")
    variable = keras.Variable(np.ones((2, 3), "float32"))
    assert variable.value.requires_grad
    assert not snapshot(variable.value).requires_grad


def test_a_record_fetched_next_is_computed_at_once():
    """``now``: the records at fit start, epoch ends and ``record()`` are
    fetched next anyway, so they cost one call of their own, not a padded
    window of copies."""
    figures = UnitFigures((2, 4))
    window = RecordWindow(16)
    window.add({"step": 0}, figures, (np.ones((2, 4), "float32"), np.zeros(4, "float32")),
               now=True)
    assert window._entries[0].copies is None and window._entries[0].block is not None
    figures = window.fetch()[0][1]
    assert figures["effective_width"] == 1
    assert figures["pair_distances"] is None  # pairs=False unless asked


def test_a_record_fetched_next_joins_the_copies_of_its_layer_that_wait(monkeypatch):
    """An epoch-end record, when the epoch's last copies of its layer wait
    (same figures, same pairs), is computed with them: one call, not two,
    and the figures it would have alone. Copies with other pairs do not take it."""
    figures = UnitFigures((2, 3))
    calls = []
    compute, compute_many = figures.compute, figures.compute_many
    monkeypatch.setattr(figures, "compute", lambda *args, **kwargs: (
        calls.append("alone"), compute(*args, **kwargs))[1])
    monkeypatch.setattr(figures, "compute_many", lambda *args, **kwargs: (
        calls.append("many"), compute_many(*args, **kwargs))[1])
    rng = np.random.default_rng(2)
    weights = [(rng.normal(size=(2, 3)).astype("float32"), rng.normal(size=3).astype("float32"))
               for _ in range(3)]
    window = RecordWindow(16)
    window.add({"step": 1}, figures, weights[0], pairs=True)
    window.add({"step": 2}, figures, weights[1], pairs=True)
    window.add({"step": 3}, figures, weights[2], pairs=True, now=True)
    assert calls == []  # it waits with the others
    joined = window.fetch()
    assert calls == ["many"] and [meta["step"] for meta, _ in joined] == [1, 2, 3]
    alone = RecordWindow(16)
    alone.add({"step": 3}, figures, weights[2], pairs=True, now=True)
    assert calls == ["many", "alone"]  # nothing waits: computed at once
    want = alone.fetch()[0][1]
    assert joined[-1][1]["effective_width"] == want["effective_width"]
    for name in FIGURES[1:]:
        assert joined[-1][1][name] == pytest.approx(want[name], rel=1e-6, nan_ok=True), name
    np.testing.assert_allclose(joined[-1][1]["pair_distances"], want["pair_distances"], rtol=1e-6)
    other = RecordWindow(16)
    other.add({"step": 1}, figures, weights[0], pairs=False)
    other.add({"step": 2}, figures, weights[1], pairs=True, now=True)
    assert calls == ["many", "alone", "alone"]  # the waiting copy has no pair figures
