import keras
import numpy as np
import pytest

import mlscompanion as mlc
from tests.helpers import as_np, coffee


def forum():
    return mlc.models.forum_221()


def test_weight_names_follow_the_forum_numbering():
    model = forum()
    table = mlc.weight_names(model)
    assert table.names == ["w1", "w2", "w3", "w4", "w5", "w6", "b1", "b2", "b3"]
    k1 = as_np(model.get_layer("layer1").kernel)
    k2 = as_np(model.get_layer("layer2").kernel)
    # w1, w2 into unit 1 (from x1, x2); w3, w4 into unit 2; w5, w6 into the output unit
    assert table["w1"].value == pytest.approx(k1[0, 0]) and table["w2"].value == pytest.approx(k1[1, 0])
    assert table["w3"].value == pytest.approx(k1[0, 1]) and table["w4"].value == pytest.approx(k1[1, 1])
    assert table["w5"].value == pytest.approx(k2[0, 0]) and table["w6"].value == pytest.approx(k2[1, 0])
    assert (table["b3"].layer, table["b3"].unit) == ("layer2", 0)
    assert "w6" in str(table) and "layer2" in str(table)


def _tied(model):
    v = mlc.weight_names(model).values()
    return v["w1"] == v["w3"] and v["w2"] == v["w4"] and v["w5"] == v["w6"]


def _fit(model, epochs=1):
    x, y = coffee(reps=2)
    model.fit(x, y, epochs=epochs, verbose=0)


def _compile(model):
    model.compile(loss="binary_crossentropy", optimizer=keras.optimizers.Adam(0.05))


# Each "stays tied" check below starts from a state the tie does not make
# symmetric, so the units would part without the constraints (a symmetric net
# stays symmetric on its own, and a tie that attaches nothing would pass):
# tie_weights ties w1=w3, w2=w4, w5=w6 but not the biases, which differ;
# tie_neurons ties everything of the two units, so a Dropout layer after them
# gives them different gradients at every step. The controls show both
# states part without constraints.

def _unequal_biases(model):
    k1, b1, k2, b2 = model.get_weights()
    model.set_weights([k1, np.array([0.0, 0.5], "float32"), k2, b2])
    return model


def with_dropout():
    """The forum net with Dropout between the layers (tie_neurons skips it to the next Dense)."""
    return keras.Sequential([
        keras.Input((2,)),
        keras.layers.Dense(2, activation="sigmoid", name="layer1"),
        keras.layers.Dropout(0.5, seed=3),
        keras.layers.Dense(1, activation="sigmoid", name="layer2"),
    ])


def _project_by_hand(model, biases):
    """What the ties project, without attaching any constraint."""
    k1, b1, k2, b2 = model.get_weights()
    k1[:, :] = k1.mean(axis=1, keepdims=True)
    if biases:
        b1[:] = b1.mean()
    k2[:, :] = k2.mean(axis=0, keepdims=True)
    model.set_weights([k1, b1, k2, b2])


@pytest.mark.parametrize("make, biases", [(lambda: _unequal_biases(forum()), False),
                                          (with_dropout, True)],
                         ids=["tie_weights_unequal_biases", "tie_neurons_dropout"])
def test_control_the_tie_tests_start_from_states_that_part_untied(make, biases):
    model = make()
    _project_by_hand(model, biases)
    assert _tied(model)
    _compile(model)
    _fit(model, epochs=2)
    v = mlc.weight_names(model).values()
    assert abs(v["w1"] - v["w3"]) > 1e-4 and abs(v["w5"] - v["w6"]) > 1e-4


@pytest.mark.parametrize("when", ["before_compile", "after_compile", "between_fits"])
def test_tie_weights_works_at_any_time(when):
    model = _unequal_biases(forum())
    groups = (["w1", "w3"], ["w2", "w4"], ["w5", "w6"])
    if when == "before_compile":
        mlc.tie_weights(model, *groups)
    _compile(model)
    if when == "after_compile":
        mlc.tie_weights(model, *groups)
    if when == "between_fits":
        _fit(model)
        assert not _tied(model)
        mlc.tie_weights(model, *groups)
    assert _tied(model)  # projected at once, not only after the first step
    _fit(model, epochs=2)
    v = mlc.weight_names(model).values()
    assert _tied(model)
    assert abs(v["b1"] - v["b2"]) > 0.1  # untied, the units stayed different


@pytest.mark.parametrize("when", ["before_compile", "after_compile", "between_fits"])
def test_tie_neurons_works_at_any_time(when):
    model = with_dropout()
    tie = lambda: mlc.tie_neurons(model.get_layer("layer1"), [[0, 1]], model=model)  # noqa: E731
    if when == "before_compile":
        tie()
    _compile(model)
    if when == "after_compile":
        tie()
    if when == "between_fits":
        _fit(model)
        assert not _tied(model)
        tie()
    assert _tied(model)
    before = mlc.weight_names(model).values()
    _fit(model, epochs=2)
    v = mlc.weight_names(model).values()
    assert _tied(model) and v["b1"] == v["b2"]
    assert v["w1"] != before["w1"]  # it trained


def test_tie_neurons_without_model_warns_and_ties_incoming_only():
    model = forum()
    with pytest.warns(UserWarning, match="model="):
        mlc.tie_neurons(model.get_layer("layer1"), [[0, 1]])
    v = mlc.weight_names(model).values()
    assert v["w1"] == v["w3"] and v["w5"] != v["w6"]


def test_tying_twice_merges_groups():
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3, name="h"), keras.layers.Dense(1)])
    mlc.tie_neurons(model.get_layer("h"), [[0, 1]], model=model)
    mlc.tie_neurons(model.get_layer("h"), [[1, 2]], model=model)
    k = as_np(model.get_layer("h").kernel)
    assert np.all(k == k[:, :1])


def test_unknown_names_list_the_valid_ones():
    with pytest.raises(ValueError, match=r"\['w9'\].*w1, w2, w3, w4, w5, w6, b1, b2, b3"):
        mlc.tie_weights(forum(), ["w1", "w9"])


@pytest.mark.parametrize("groups, pattern", [
    ((["w1", "w5"],), "different layers"),
    ((["w1", "b1"],), "kernel and\\s+bias"),
    ((["w1"],), "fewer than 2"),
    (("w1",), "list of weight names"),
    ((), "at least one group"),
])
def test_tie_weights_bad_groups(groups, pattern):
    with pytest.raises(ValueError, match=pattern):
        mlc.tie_weights(forum(), *groups)


def test_tie_neurons_bad_input():
    model = forum()
    with pytest.raises(ValueError, match=r"\[0, 2\].*\(2, 2\)"):
        mlc.tie_neurons(model.get_layer("layer1"), [[0, 2]], model=model)
    with pytest.raises(ValueError, match="no built 2-D kernel"):
        mlc.tie_neurons(keras.layers.Dense(2), [[0, 1]])
    other = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2, kernel_constraint=keras.constraints.MaxNorm())])
    with pytest.raises(ValueError, match="MaxNorm"):
        mlc.tie_neurons(other.layers[0], [[0, 1]], model=other)


def test_weight_names_needs_a_built_model():
    with pytest.raises(ValueError, match="keras.Input"):
        mlc.weight_names(keras.Sequential([keras.layers.Dense(2)]))
