"""tie_neurons ties the weights of the layer that really takes the units as inputs.

In a functional model the next layer in ``model.layers`` can be a sibling
branch; the graph says which layer takes the output.
"""

import keras
import numpy as np
import pytest

import mlscompanion as mlc
from mlscompanion.next_layer import next_layer


def branching_model():
    """Two branches of equal shapes: 'sibling' is the first layer with a kernel
    after 'tied' in ``model.layers`` and fits its shapes, but it does not take
    'tied''s output."""
    mlc.set_seed(5, deterministic=False)
    inp = keras.Input((3,))
    tied = keras.layers.Dense(3, name="tied")(inp)
    sibling = keras.layers.Dense(3, name="sibling")(inp)
    acted = keras.layers.Activation("relu", name="act")(tied)
    taker = keras.layers.Dense(2, name="taker")(acted)
    other = keras.layers.Dense(2, name="other")(sibling)
    out = keras.layers.Concatenate(name="join")([taker, other])
    return keras.Model(inp, keras.layers.Dense(1, name="head")(out))


def test_the_next_layer_follows_the_graph_not_the_list():
    model = branching_model()
    layers = model.layers
    after = layers[layers.index(model.get_layer("tied")) + 1:]
    first_with_kernel = next(layer for layer in after if getattr(layer, "kernel", None) is not None)
    assert first_with_kernel.name == "sibling"  # the list's order would pick it
    assert next_layer(model, model.get_layer("tied")).name == "taker"
    assert next_layer(model, model.get_layer("sibling")).name == "other"


def test_tie_neurons_ties_the_layer_that_takes_the_units():
    model = branching_model()
    attached = mlc.tie_neurons(model.get_layer("tied"), [[0, 1]], model=model)
    assert [(name, kind) for name, kind, _ in attached] == \
        [("tied", "kernel"), ("tied", "bias"), ("taker", "kernel")]
    taker = keras.ops.convert_to_numpy(model.get_layer("taker").kernel)
    np.testing.assert_array_equal(taker[0], taker[1])  # w5 = w6, projected at once
    sibling = keras.ops.convert_to_numpy(model.get_layer("sibling").kernel)
    assert model.get_layer("sibling").kernel.constraint is None
    assert not np.array_equal(sibling[:, 0], sibling[:, 1])


def test_a_merge_on_the_way_raises_before_anything_is_tied():
    model = branching_model()
    with pytest.raises(ValueError, match=r"'join' \(Concatenate\) merges several inputs"):
        mlc.tie_neurons(model.get_layer("taker"), [[0, 1]], model=model)
    assert model.get_layer("taker").kernel.constraint is None


def test_an_output_that_feeds_two_layers_raises():
    mlc.set_seed(5, deterministic=False)
    inp = keras.Input((3,))
    hidden = keras.layers.Dense(3, name="hidden")(inp)
    left = keras.layers.Dense(2, name="left")(hidden)
    right = keras.layers.Dense(2, name="right")(hidden)
    model = keras.Model(inp, [left, right])
    with pytest.raises(ValueError, match=r"feeds several layers \('left', 'right'\)") as raised:
        mlc.tie_neurons(model.get_layer("hidden"), [[0, 1]], model=model)
    assert str(raised.value).endswith(
        "Pass outgoing=False and tie each next layer yourself (TieInputs, TieEntries).")
    mlc.tie_neurons(model.get_layer("hidden"), [[0, 1]], model=model, outgoing=False)
    kernel = keras.ops.convert_to_numpy(model.get_layer("hidden").kernel)
    np.testing.assert_array_equal(kernel[:, 0], kernel[:, 1])


def test_a_sequential_model_follows_its_list():
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3, name="a"),
                              keras.layers.Dropout(0.1), keras.layers.Dense(2, name="b")])
    assert next_layer(model, model.get_layer("a")).name == "b"
    assert next_layer(model, model.get_layer("b")) is None


def shared_model(first_call_from_hidden):
    """'shared' is called on two inputs: 'hidden''s units, and the raw input
    'right' (first or second, so Keras' ``layer.input``, the first call's,
    sees the units or not)."""
    mlc.set_seed(5, deterministic=False)
    left, right = keras.Input((3,)), keras.Input((3,))
    hidden = keras.layers.Dense(3, name="hidden")
    shared = keras.layers.Dense(2, name="shared")
    if first_call_from_hidden:
        outputs = [shared(hidden(left)), shared(right)]
    else:
        outputs = list(reversed([shared(right), shared(hidden(left))]))
    return keras.Model([left, right], outputs)


@pytest.mark.parametrize("first_call_from_hidden", [True, False])
def test_a_shared_next_layer_raises_instead_of_tying_other_inputs(first_call_from_hidden):
    """Tying 'shared''s inputs 0 and 1 would tie them for 'right' too; and if
    the graph were read through the first call only, 'shared' would be missed
    and nothing after 'hidden' tied, silently."""
    model = shared_model(first_call_from_hidden)
    with pytest.raises(ValueError) as raised:
        mlc.tie_neurons(model.get_layer("hidden"), [[0, 1]], model=model)
    assert str(raised.value) == (
        "tie_neurons cannot follow the model's graph at 'shared': it is called 2 times "
        "(a shared layer), so tying its inputs would tie them for every call. Pass "
        "outgoing=False and tie the next layer yourself (TieInputs, TieEntries).")
    assert model.get_layer("hidden").kernel.constraint is None


def test_a_shared_tied_layer_has_no_single_output_to_follow():
    model = shared_model(True)
    with pytest.raises(ValueError, match=r"^tie_neurons cannot follow the model's graph at "
                       r"'shared': it is called 2 times \(a shared layer\), so it has no "
                       r"single output\. Pass outgoing=False and tie the next layer "
                       r"yourself \(TieInputs, TieEntries\)\.$"):
        mlc.tie_neurons(model.get_layer("shared"), [[0, 1]], model=model)
    mlc.tie_neurons(model.get_layer("shared"), [[0, 1]], model=model, outgoing=False)


def test_a_subclassed_model_has_no_graph_to_follow():
    """A subclassed model calls its layers eagerly: Keras records no graph,
    so only outgoing=False can say what to tie."""
    class TwoLayers(keras.Model):
        def __init__(self):
            super().__init__()
            self.hidden = keras.layers.Dense(3, name="hidden")
            self.out = keras.layers.Dense(1, name="out")

        def call(self, x):
            return self.out(self.hidden(x))

    model = TwoLayers()
    model(np.zeros((1, 2), "float32"))
    with pytest.raises(ValueError, match=r"^tie_neurons cannot follow the model's graph at "
                       r"'hidden': the model does not record how its layers connect \(the "
                       r"layers of a subclassed model, or a layer never called on a "
                       r"keras.Input\)\. Pass outgoing=False"):
        mlc.tie_neurons(model.hidden, [[0, 1]], model=model)
    mlc.tie_neurons(model.hidden, [[0, 1]], model=model, outgoing=False)
