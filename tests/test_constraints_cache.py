"""The tie constraints build their index tensors once per weight shape (issue 8, "ties for free").

The checks are plain functions, run here on the active backend and, in a
fresh process each, on the other installed backends (the subprocess imports
only Keras, NumPy and this module: never TensorFlow under another backend).
"""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest
from keras import ops

from mlscompanion import constraints as C

ROOT = Path(__file__).resolve().parents[1]


def old_tie_along(w, groups, axis):
    """The formulation before the index cache (Python lists per call), kept as the oracle."""
    size = w.shape[axis]
    index_map = np.arange(size)
    parts = [w]
    for k, group in enumerate(groups):
        first = ops.take(w, group[:1], axis=axis)
        members = ops.take(w, group, axis=axis)
        parts.append(first + ops.mean(members - first, axis=axis, keepdims=True))
        index_map[group] = size + k
    extended = ops.concatenate(parts, axis=axis)
    return ops.take(extended, index_map.tolist(), axis=axis)


def old_result(constraint, w):
    w = ops.convert_to_tensor(w)
    if isinstance(constraint, C.TieEntries):
        flat = [[int(np.ravel_multi_index(e, w.shape)) for e in g] for g in constraint.groups]
        return ops.reshape(old_tie_along(ops.reshape(w, (-1,)), flat, 0), w.shape)
    axis = -1 if isinstance(constraint, C.TieUnits) else -2
    return old_tie_along(w, constraint.groups, axis % len(w.shape))


def random_groups(rng, size, sizes=(2, 3, 4, 5, 7)):
    order = list(rng.permutation(size))
    groups = []
    while order:
        k = int(rng.choice(sizes))
        if len(order) < k:
            break
        groups.append(sorted(int(i) for i in order[:k]))
        order = order[k:]
        if rng.random() < 0.3:
            order = order[1:]  # leave some positions free
    return groups or [[0, 1]]


def random_cases(seed=0, n=12):
    rng = np.random.default_rng(seed)
    shapes = [(9,), (5, 11), (3, 3, 10, 12), (2, 6, 9)]
    for i in range(n):
        shape = shapes[i % len(shapes)]
        w = rng.normal(size=shape).astype("float32")
        yield C.TieUnits(random_groups(rng, shape[-1])), w
        if len(shape) >= 2:
            yield C.TieInputs(random_groups(rng, shape[-2])), w
        flat = random_groups(rng, int(np.prod(shape)))
        yield C.TieEntries([[np.unravel_index(j, shape) for j in g] for g in flat]), w


def tied_slices(constraint, array):
    """The slices (or entries) of ``array`` that ``constraint`` ties, group by group."""
    if isinstance(constraint, C.TieEntries):
        return [[array[tuple(int(i) for i in e)] for e in g] for g in constraint.groups]
    axis = -1 if isinstance(constraint, C.TieUnits) else -2
    return [[np.take(array, j, axis=axis) for j in g] for g in constraint.groups]


def count_conversions(monkeypatch):
    calls = []
    original = C._to_index_tensor

    def counting(array, like):
        calls.append(array.shape)
        return original(array, like)

    monkeypatch.setattr(C, "_to_index_tensor", counting)
    return calls


# ----- checks (each runs on the active backend) ------------------------------

def check_index_tensors_are_built_once_per_shape(monkeypatch):
    calls = count_conversions(monkeypatch)
    tie = C.TieUnits([[0, 1], [2, 3, 4]])
    w = np.random.default_rng(1).normal(size=(3, 6)).astype("float32")
    for _ in range(5):
        tie(w)
    # sizes 2 and 3: the members of each, plus the index map
    assert len(calls) == 3
    tie(np.zeros((4, 6), "float32"))
    assert len(calls) == 6
    for _ in range(3):
        tie(w)
        tie(np.zeros((4, 6), "float32"))
    assert len(calls) == 6


def check_no_python_list_reaches_a_gather(monkeypatch):
    seen = []
    original = C.ops.take

    def recording_take(x, indices, axis=None):
        seen.append(type(indices))
        return original(x, indices, axis=axis)

    monkeypatch.setattr(C.ops, "take", recording_take)
    w = np.random.default_rng(2).normal(size=(4, 5)).astype("float32")
    for constraint in (C.TieUnits([[0, 1]]), C.TieInputs([[1, 3]]), C.TieEntries([[(0, 0), (1, 1)]])):
        constraint(w)
        constraint(w)
    assert seen
    assert not [t for t in seen if t in (list, tuple, np.ndarray)], seen


def check_bit_identical_to_the_previous_formulation(monkeypatch):
    for constraint, w in random_cases():
        new = ops.convert_to_numpy(constraint(w))
        old = ops.convert_to_numpy(old_result(constraint, w))
        assert new.tobytes() == old.tobytes(), (type(constraint).__name__, constraint.groups, w.shape)


def check_slices_and_one_gather_give_the_same_bits(monkeypatch):
    """A tie of few runs is put together from slices, one of many is
    gathered: both give the previous formulation's bits, whichever is taken."""
    for limit in (10 ** 6, -1):  # every tie from slices; every tie gathered
        monkeypatch.setattr(C, "SLICE_RUNS", limit)
        for constraint, w in random_cases(seed=5, n=8):
            runs = constraint._runs  # taken on the first call, per shape
            new = ops.convert_to_numpy(constraint(w))
            assert (runs[tuple(np.shape(w))] is None) == (limit < 0)
            assert new.tobytes() == ops.convert_to_numpy(old_result(constraint, w)).tobytes()


def check_a_tie_of_few_runs_gathers_only_its_groups(monkeypatch):
    """The slices path: each constraint gathers its groups' members (one
    gather for one group size; the first members are sliced from it), never
    the whole weight."""
    gathered = []
    original = C.ops.take

    def recording_take(x, indices, axis=None):
        gathered.append(tuple(np.shape(indices)))
        return original(x, indices, axis=axis)

    monkeypatch.setattr(C.ops, "take", recording_take)
    w = np.random.default_rng(6).normal(size=(4, 6)).astype("float32")
    for constraint in (C.TieUnits([[0, 1]]), C.TieInputs([[1, 3]]), C.TieEntries([[(0, 0), (1, 1)]])):
        gathered.clear()
        constraint(w)
        assert gathered == [(1, 2)], (type(constraint).__name__, gathered)


def check_idempotent_and_tied_entries_bit_identical(monkeypatch):
    for constraint, w in random_cases(seed=3, n=8):
        once = ops.convert_to_numpy(constraint(w))
        assert ops.convert_to_numpy(constraint(once)).tobytes() == once.tobytes()
        for group in tied_slices(constraint, once):
            for member in group[1:]:
                assert np.asarray(member).tobytes() == np.asarray(group[0]).tobytes()


def check_ties_bit_identical_after_compiled_training(monkeypatch):
    calls = count_conversions(monkeypatch)
    rng = np.random.default_rng(4)
    x = rng.normal(size=(64, 6)).astype("float32")
    y = (x[:, :1] + x[:, 1:2] > 0).astype("float32")
    init = keras.initializers.RandomNormal(seed=5)  # tied units start different
    units = C.TieUnits([[0, 1], [2, 3, 4]])
    model = keras.Sequential([
        keras.Input((6,)),
        keras.layers.Dense(6, activation="tanh", kernel_initializer=init,
                           kernel_constraint=units, bias_constraint=C.TieUnits([[0, 1], [2, 3, 4]])),
        keras.layers.Dense(3, activation="tanh", kernel_initializer=init,
                           kernel_constraint=C.TieInputs([[0, 1], [2, 3, 4]])),
        keras.layers.Dense(1, activation="sigmoid", kernel_initializer=init,
                           kernel_constraint=C.TieEntries([[(0, 0), (2, 0)]])),
    ])
    first = ops.convert_to_numpy(model.layers[0].kernel)
    assert first[:, 0].tobytes() != first[:, 1].tobytes()
    model.compile(loss="binary_crossentropy", optimizer=keras.optimizers.Adam(0.05))
    model.fit(x, y, epochs=1, batch_size=16, verbose=0)
    after_first_fit = len(calls)
    model.fit(x, y, epochs=2, batch_size=16, verbose=0)
    assert len(calls) == after_first_fit, "a train step converted index arrays again"
    k1, b1 = (ops.convert_to_numpy(v) for v in (model.layers[0].kernel, model.layers[0].bias))
    k2 = ops.convert_to_numpy(model.layers[1].kernel)
    k3 = ops.convert_to_numpy(model.layers[2].kernel)
    for constraint, array in ((units, k1), (units, b1), (model.layers[1].kernel.constraint, k2),
                              (model.layers[2].kernel.constraint, k3)):
        for group in tied_slices(constraint, array):
            assert all(np.asarray(m).tobytes() == np.asarray(group[0]).tobytes() for m in group[1:])
    assert k1[:, 0].tobytes() != k1[:, 5].tobytes()  # an untied unit stayed free


def run_checks():
    """Run every check on this process's backend (used by the subprocesses)."""
    for name, check in sorted(globals().items()):
        if name.startswith("check_"):
            with pytest.MonkeyPatch.context() as monkeypatch:
                check(monkeypatch)
    assert "tensorflow" not in sys.modules or keras.backend.backend() == "tensorflow"
    print("checks passed on", keras.backend.backend())


# ----- the tests --------------------------------------------------------------

def test_index_tensors_are_built_once_per_shape(monkeypatch):
    check_index_tensors_are_built_once_per_shape(monkeypatch)


def test_no_python_list_reaches_a_gather(monkeypatch):
    check_no_python_list_reaches_a_gather(monkeypatch)


def test_runs_name_the_kept_ranges_and_each_run_of_one_groups_mean():
    def runs(groups, size):
        return C._tie_runs(C._tie_plan(groups, size)[-1])

    # means ordered by group size, then as given: [[2, 3, 4]] is row 1
    assert runs([[0, 1], [2, 3, 4]], 7) == [(True, 0, 2), (True, 1, 3), (False, 5, 7)]
    assert runs([[5, 1]], 6) == [(False, 0, 1), (True, 0, 1), (False, 2, 5), (True, 0, 1)]
    assert runs([[0, 2], [1, 3]], 4) == [(True, 0, 1), (True, 1, 1), (True, 0, 1), (True, 1, 1)]
    assert runs([list(range(6))], 6) == [(True, 0, 6)]
    assert len(runs([[2 * i, 2 * i + 1] for i in range(C.SLICE_RUNS)], 2 * C.SLICE_RUNS)) \
        == C.SLICE_RUNS
    assert runs([[2 * i + 1, 2 * i + 3] for i in range(0, C.SLICE_RUNS, 2)], 2 * C.SLICE_RUNS + 2) \
        is None  # kept, mean, kept, mean, ...: more than SLICE_RUNS runs


def test_slices_and_one_gather_give_the_same_bits(monkeypatch):
    check_slices_and_one_gather_give_the_same_bits(monkeypatch)


def test_a_tie_of_few_runs_gathers_only_its_groups(monkeypatch):
    check_a_tie_of_few_runs_gathers_only_its_groups(monkeypatch)


def test_bit_identical_to_the_previous_formulation(monkeypatch):
    check_bit_identical_to_the_previous_formulation(monkeypatch)


def test_idempotent_and_tied_entries_bit_identical(monkeypatch):
    check_idempotent_and_tied_entries_bit_identical(monkeypatch)


def test_ties_bit_identical_after_compiled_training(monkeypatch):
    check_ties_bit_identical_after_compiled_training(monkeypatch)


def test_tie_inputs_ties_the_input_channels_of_a_conv_kernel():
    w = np.random.default_rng(6).normal(size=(3, 3, 4, 2)).astype("float32")
    out = ops.convert_to_numpy(C.TieInputs([[0, 2]])(w))
    assert out[..., 0, :].tobytes() == out[..., 2, :].tobytes()
    np.testing.assert_array_equal(out[..., 1, :], w[..., 1, :])
    np.testing.assert_allclose(out[..., 0, :], (w[..., 0, :] + w[..., 2, :]) / 2, rtol=1e-6)


OTHER_BACKENDS = [b for b in ("tensorflow", "jax", "torch") if b != keras.backend.backend()]


@pytest.mark.slow
@pytest.mark.parametrize("backend", OTHER_BACKENDS)
def test_the_checks_pass_on_the_other_backends(backend):
    if importlib.util.find_spec(backend) is None:
        pytest.skip(f"{backend} is not installed")
    env = dict(os.environ, KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="3",
               PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    code = "from tests import test_constraints_cache as t; t.run_checks()"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    assert f"checks passed on {backend}" in out.stdout
