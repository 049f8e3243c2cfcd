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
    with pytest.raises(ValueError, match=r"feeds several layers \('left', 'right'\)"):
        mlc.tie_neurons(model.get_layer("hidden"), [[0, 1]], model=model)
    mlc.tie_neurons(model.get_layer("hidden"), [[0, 1]], model=model, outgoing=False)
    kernel = keras.ops.convert_to_numpy(model.get_layer("hidden").kernel)
    np.testing.assert_array_equal(kernel[:, 0], kernel[:, 1])


def test_a_sequential_model_follows_its_list():
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3, name="a"),
                              keras.layers.Dropout(0.1), keras.layers.Dense(2, name="b")])
    assert next_layer(model, model.get_layer("a")).name == "b"
    assert next_layer(model, model.get_layer("b")) is None
