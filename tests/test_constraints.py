import keras
import numpy as np
import pytest

import mlscompanion as mlc
from tests.helpers import as_np, coffee, issue_model, max_unit_gap

C = mlc.constraints


def test_tie_units_replaces_columns_by_their_mean():
    w = np.array([[1.0, 3.0, 9.0], [2.0, 4.0, 9.0]], "float32")
    out = as_np(C.TieUnits([[0, 1]])(w))
    np.testing.assert_array_equal(out, [[2.0, 2.0, 9.0], [3.0, 3.0, 9.0]])


def test_tie_units_on_bias_and_inputs_on_rows():
    np.testing.assert_array_equal(as_np(C.TieUnits([[0, 2]])(np.array([1.0, 5.0, 3.0]))), [2.0, 5.0, 2.0])
    np.testing.assert_array_equal(as_np(C.TieInputs([[0, 1]])(np.array([[1.0], [3.0]]))), [[2.0], [2.0]])


def test_tie_entries_ties_any_entries():
    w = np.array([[1.0, 5.0], [6.0, 3.0]])
    np.testing.assert_array_equal(as_np(C.TieEntries([[(0, 0), (1, 1)]])(w)), [[2.0, 5.0], [6.0, 2.0]])


@pytest.mark.parametrize("constraint", [C.TieUnits([[0, 1, 3]]), C.TieInputs([[1, 2]]), C.TieEntries([[(0, 1), (2, 3), (3, 0)]])])
def test_projection_is_idempotent_bit_for_bit(constraint):
    w = np.random.default_rng(0).normal(size=(4, 4)).astype("float32")
    once = as_np(constraint(w))
    np.testing.assert_array_equal(as_np(constraint(once)), once)


@pytest.mark.parametrize("make, shape, pattern", [
    (lambda: C.TieUnits([[0, 4]]), (3, 4), r"\[0, 4\].*\(3, 4\)"),
    (lambda: C.TieInputs([[0, 3]]), (3, 2), r"\[0, 3\].*\(3, 2\)"),
    (lambda: C.TieInputs([[0, 1]]), (3,), r"rank.*\(3,\)"),
    (lambda: C.TieEntries([[(0, 0), (5, 0)]]), (3, 2), r"\(5, 0\).*\(3, 2\)"),
    (lambda: C.TieEntries([[(0,), (1,)]]), (3, 2), r"coordinates.*\(3, 2\)"),
])
def test_bad_groups_for_the_weight_name_group_and_shape(make, shape, pattern):
    with pytest.raises(ValueError, match=pattern):
        make()(np.zeros(shape, "float32"))


@pytest.mark.parametrize("cls", [C.TieUnits, C.TieInputs])
@pytest.mark.parametrize("groups, pattern", [
    ([[1]], "fewer than 2"), ([[0, 1], [1, 2]], "two groups"), ([[0, 0]], "fewer than 2"),
    ([[0, 1, 1]], "twice"), ("ab", "list of groups"), ([[0, -2]], "non-negative"), ([], "empty"),
])
def test_bad_groups_raise_at_construction(cls, groups, pattern):
    with pytest.raises(ValueError, match=pattern):
        cls(groups)


def test_tie_entries_bad_groups():
    with pytest.raises(ValueError, match="two groups"):
        C.TieEntries([[(0, 0), (0, 1)], [(0, 1), (1, 1)]])
    with pytest.raises(ValueError, match="fewer than 2"):
        C.TieEntries([[(0, 0)]])


def test_bad_group_raises_when_the_layer_is_first_used():
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2, kernel_constraint=C.TieUnits([[0, 5]]))])
    model.compile(loss="mse", optimizer="sgd")
    with pytest.raises(ValueError, match=r"\[0, 5\].*\(2, 2\)"):
        model.fit(np.zeros((4, 2)), np.zeros((4, 2)), epochs=1, verbose=0)


def test_tied_units_stay_exactly_equal_after_adam_training():
    x, y = coffee(reps=10)
    model = issue_model()
    model.compile(loss="binary_crossentropy", optimizer=keras.optimizers.Adam(0.01))
    model.fit(x, y, epochs=3, verbose=0)
    k = as_np(model.get_layer("layer1").kernel)
    b = as_np(model.get_layer("layer1").bias)
    w = as_np(model.get_layer("layer2").kernel)
    assert max_unit_gap(model) == 0.0 and b[0] == b[1] and w[0, 0] == w[1, 0]
    assert np.abs(k).max() > 0.5  # it did train


@pytest.mark.keras3_only
def test_untied_perturbed_start_ends_with_effective_width_2():
    from mlscompanion.labs.identical_neurons.experiment import train_forum_network

    run = train_forum_network(tied=False, perturbation=0.05, epochs=3, reps=10)
    assert run.effective_width == 2
    # the tied run starts from the same perturbed point, so without its
    # constraints it would end at width 2 as well
    tied = train_forum_network(tied=True, perturbation=0.05, epochs=3, reps=10)
    assert tied.before == run.before and tied.before["w1"] != tied.before["w3"]
    assert tied.effective_width == 1
    assert tied.after["w1"] == tied.after["w3"] and tied.after["w5"] == tied.after["w6"]


@pytest.mark.parametrize("constraint", [C.TieUnits([[0, 1]]), C.TieInputs([[0, 1]]), C.TieEntries([[(0, 0), (1, 1)]])])
def test_get_config_round_trip(constraint):
    clone = type(constraint).from_config(constraint.get_config())
    w = np.arange(4.0).reshape(2, 2)
    np.testing.assert_array_equal(as_np(constraint(w)), as_np(clone(w)))
    assert keras.constraints.deserialize(keras.constraints.serialize(constraint)).get_config() == constraint.get_config()
