"""Tying behaviours that no other test pinned down (found by mutation testing).

See docs/testing.md: each test here kills mutants of mlscompanion/tying.py that
the rest of the suite let survive. Every tie is checked from a start where the
tied weights differ.
"""

import os
import sys
import types

import keras
import numpy as np
import pytest

import mlscompanion as mlc


def forum_net(use_bias=True):
    """The forum's 2-2-1 network, random (asymmetric) start."""
    keras.utils.set_random_seed(3)
    return keras.Sequential([
        keras.Input((2,)),
        keras.layers.Dense(2, activation="sigmoid", name="hidden", use_bias=use_bias),
        keras.layers.Dense(1, activation="sigmoid", name="out", use_bias=use_bias),
    ])


def data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 2)).astype("float32")
    return x, (x[:, :1] > x[:, 1:]).astype("float32")


def value(model, name):
    return mlc.weight_names(model)[name].value


def test_the_weight_table_prints_the_forum_notation():
    model = forum_net()
    model.get_layer("hidden").set_weights([np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([0.5, -0.5])])
    model.get_layer("out").set_weights([np.array([[5.0], [6.0]]), np.array([0.25])])
    table = mlc.weight_names(model)
    assert str(table).splitlines() == [
        "name  layer         kind     unit  input        value",
        "-----------------------------------------------------",
        "w1    hidden        kernel      0      0     1.000000",
        "w2    hidden        kernel      0      1     3.000000",
        "w3    hidden        kernel      1      0     2.000000",
        "w4    hidden        kernel      1      1     4.000000",
        "w5    out           kernel      0      0     5.000000",
        "w6    out           kernel      0      1     6.000000",
        "b1    hidden        bias        0            0.500000",
        "b2    hidden        bias        1           -0.500000",
        "b3    out           bias        0            0.250000",
        "(unit and input are 0-based indices, as in TieUnits([[0, 1]]))",
    ]
    assert [row.name for row in table] == table.names  # iterating gives the rows
    assert [row.kind for row in table if row.name.startswith("b")] == ["bias"] * 3


def test_layers_without_bias_have_only_kernel_names():
    table = mlc.weight_names(forum_net(use_bias=False))
    assert table.names == ["w1", "w2", "w3", "w4", "w5", "w6"]


def test_tie_weights_twice_on_one_layer_keeps_both_ties_and_works_between_fits():
    model = forum_net()
    model.compile(optimizer=keras.optimizers.SGD(0.5), loss="binary_crossentropy")
    x, y = data()
    model.fit(x, y, epochs=1, verbose=0)  # the train step is traced before any tie
    mlc.tie_weights(model, ["w1", "w3"])
    mlc.tie_weights(model, ["w2", "w4"])  # merged with the first tie on the same kernel
    assert value(model, "w1") == value(model, "w3") and value(model, "w2") == value(model, "w4")
    model.set_weights([w + np.arange(w.size).reshape(w.shape) * 0.1 for w in model.get_weights()])
    model.fit(x, y, epochs=2, verbose=0)
    assert value(model, "w1") == value(model, "w3") and value(model, "w2") == value(model, "w4")
    assert value(model, "w5") != value(model, "w6")  # untied weights still differ


def test_tie_neurons_on_a_conv1d_kernel_with_tied_inputs_keeps_both_ties():
    """A TieInputs already on the kernel (axis -2 of a rank-3 kernel) is merged, not lost."""
    keras.utils.set_random_seed(4)
    model = keras.Sequential([
        keras.Input((8, 3)),
        keras.layers.Conv1D(3, 3, name="conv", kernel_constraint=mlc.constraints.TieInputs([[0, 1]])),
    ])
    conv = model.get_layer("conv")
    mlc.tie_neurons(conv, [[1, 2]], outgoing=False)
    kernel = keras.ops.convert_to_numpy(conv.kernel)  # (width, inputs, filters)
    np.testing.assert_array_equal(kernel[:, :, 1], kernel[:, :, 2])
    # the input tie holds from now on: the constraint applies both ties
    tied = keras.ops.convert_to_numpy(conv.kernel_constraint(conv.kernel))
    np.testing.assert_array_equal(tied[:, 0, :], tied[:, 1, :])
    np.testing.assert_array_equal(tied[:, :, 1], tied[:, :, 2])
    assert not np.array_equal(tied[:, 2, :], tied[:, 0, :])
    assert not np.array_equal(tied[:, :, 0], tied[:, :, 1])


def test_unknown_names_list_the_valid_ones_and_cut_long_lists():
    with pytest.raises(ValueError) as error:
        mlc.tie_weights(forum_net(), ["w1", "w99"])
    assert "Valid names for this model: w1, w2, w3, w4, w5, w6, b1, b2, b3" in str(error.value)
    assert "..." not in str(error.value)
    wide = keras.Sequential([keras.Input((10,)), keras.layers.Dense(5)])  # 55 names
    with pytest.raises(ValueError) as error:
        mlc.tie_weights(wide, ["w1", "w99"])
    assert "w40 ..." in str(error.value) and "w41" not in str(error.value)


def test_error_messages_show_the_way_out():
    with pytest.raises(ValueError, match=r"e\.g\. tie_weights\(model, \['w1', 'w3'\]\)\.$"):
        mlc.tie_weights(forum_net())
    model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(2, 3, name="conv"),
                              keras.layers.LayerNormalization(name="norm"),
                              keras.layers.GlobalAveragePooling2D(), keras.layers.Dense(1)])
    with pytest.raises(ValueError) as error:
        mlc.tie_neurons(model.get_layer("conv"), [[0, 1]], model=model)
    assert ("it handles a Conv1D/2D/3D layer, or a Dense layer after global pooling, with only "
            "activations, dropout, pooling, padding, cropping, upsampling or BatchNormalization "
            "between. Pass outgoing=False") in str(error.value)


# --- The full texts a learner reads, and the cases around them -------------------

# mutmut's trampolines add stack frames between the package's functions, so the
# line a warning points at is checked outside mutation runs only.
UNDER_MUTMUT = "MUTANT_UNDER_TEST" in os.environ


def raised(call, *args, **kwargs):
    with pytest.raises(ValueError) as error:
        call(*args, **kwargs)
    return str(error.value)


def test_weight_names_of_a_model_without_a_built_dense_layer():
    assert raised(mlc.weight_names, keras.Sequential([keras.layers.Dense(2)])) == (
        "The model has no built Dense layer to name. Build it first: start a Sequential with "
        "keras.Input((n_features,)) or call model.build().")


@pytest.mark.parametrize("inputs, shown", [(39, 40), (40, 40)])
def test_unknown_names_show_up_to_40_valid_names(inputs, shown):
    model = keras.Sequential([keras.Input((inputs,)), keras.layers.Dense(1)])  # inputs + 1 names
    names = mlc.weight_names(model).names
    listed = ", ".join(names[:shown]) + (" ..." if len(names) > 40 else "")
    assert raised(mlc.tie_weights, model, ["w1", "w99"]) == (
        f"Unknown weight name(s) ['w99']. Valid names for this model: {listed}")


def test_two_ties_in_one_weight_stay_two_groups():
    model = forum_net()
    mlc.tie_weights(model, ["w1", "w3"], ["w2", "w4"])
    assert value(model, "w1") == value(model, "w3") and value(model, "w2") == value(model, "w4")
    assert value(model, "w1") != value(model, "w2")


def test_a_group_across_layers_is_refused_with_the_reason():
    assert raised(mlc.tie_weights, forum_net(), ["w1", "w5"]) == (
        "Group ['w1', 'w5'] mixes weights of different layers or kernel and bias "
        "([('hidden', 'kernel'), ('out', 'kernel')]); a group can only tie entries of one "
        "weight, since Keras constrains each weight separately.")


def test_another_constraint_is_not_replaced_silently():
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(
        2, name="capped", kernel_constraint=keras.constraints.MaxNorm())])
    assert raised(mlc.tie_neurons, model.get_layer("capped"), [[0, 1]], model=model) == (
        "Layer 'capped' already has a kernel constraint (MaxNorm); mlscompanion can only "
        "combine its own tie constraints. Remove it (layer.kernel_constraint = None) or tie "
        "by hand.")


def test_tie_neurons_says_which_layers_it_ties():
    grouped = keras.layers.Conv2D(4, 3, groups=2, name="grouped")
    grouped.build((None, 6, 6, 2))
    assert raised(mlc.tie_neurons, grouped, [[0, 1]], outgoing=False) == (
        "Layer 'grouped' is a grouped convolution (groups=2); tie_neurons ties the filters of "
        "ungrouped Conv1D/2D/3D layers only.")
    up = keras.layers.Conv2DTranspose(4, 3, name="up")
    up.build((None, 6, 6, 2))
    assert raised(mlc.tie_neurons, up, [[0, 1]], outgoing=False) == (
        "Layer 'up' (Conv2DTranspose) has a kernel of shape (3, 3, 4, 2); tie_neurons ties the "
        "units of a Dense layer or the filters of a Conv1D/2D/3D layer. Tie other layers with "
        "the constraints (TieUnits, TieInputs, TieEntries) on the right axis.")
    unbuilt = ("has no built 2-D kernel (Dense) or Conv1D/2D/3D kernel. Pass a built layer "
               "(give the model keras.Input(...) first).")
    assert raised(mlc.tie_neurons, keras.layers.Dense(2, name="later"), [[0, 1]]) == (
        f"Layer 'later' {unbuilt}")
    assert raised(mlc.tie_neurons, "layer1", [[0, 1]]) == f"Layer 'layer1' {unbuilt}"


def conv_then(*layers):
    return keras.Sequential([keras.Input((8, 2)), keras.layers.Conv1D(3, 3, name="conv"),
                             *layers])


@pytest.mark.parametrize("after, why", [
    ([keras.layers.Flatten(name="flat"), keras.layers.Dense(1)],
     "'flat' (Flatten); Flatten interleaves positions and channels, so filter j feeds many "
     "Dense inputs. Put a GlobalAveragePooling or GlobalMaxPooling layer before the Dense "
     "layer instead"),
    ([keras.layers.Dense(1, name="dense")],
     "'dense' (Dense); a Dense layer on a feature map is handled only after global pooling "
     "(GlobalAveragePooling or GlobalMaxPooling)"),
    ([keras.layers.GlobalAveragePooling1D(), keras.layers.Reshape((3, 1), name="reshape"),
      keras.layers.Dense(1)],
     "'reshape' (Reshape); it handles a Conv1D/2D/3D layer, or a Dense layer after global "
     "pooling, with only activations, dropout, pooling, padding, cropping, upsampling or "
     "BatchNormalization between"),
])
def test_tie_neurons_says_why_it_cannot_reach_the_next_layer(after, why):
    model = conv_then(*after)
    assert raised(mlc.tie_neurons, model.get_layer("conv"), [[0, 1]], model=model) == (
        f"tie_neurons cannot tie the next layer's inputs after 'conv': it cannot handle {why}. "
        "Pass outgoing=False and tie the next layer yourself (TieInputs, TieEntries).")


def test_tie_neurons_refuses_a_next_layer_that_takes_more_inputs():
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2, name="hidden"),
                              keras.layers.RepeatVector(2), keras.layers.Flatten(),
                              keras.layers.Dense(1, name="out")])
    assert raised(mlc.tie_neurons, model.get_layer("hidden"), [[0, 1]], model=model) == (
        "The layer after 'hidden', 'out', has a kernel of shape (4, 1) that does not take "
        "'hidden''s 2 units as inputs; use outgoing=False or tie_weights for this architecture.")
    x = keras.Input((2,))
    hidden = keras.layers.Dense(2, name="hidden")(x)
    out = keras.layers.Dense(1, name="out")(keras.layers.Concatenate(name="join")([hidden, x]))
    model = keras.Model(x, out)
    assert raised(mlc.tie_neurons, model.get_layer("hidden"), [[0, 1]], model=model) == (
        "tie_neurons cannot tie the next layer's inputs after 'hidden': 'join' (Concatenate) "
        "merges several inputs, so the units' indices change on the way. Pass outgoing=False "
        "and tie the next layer yourself (TieInputs, TieEntries).")


def test_tie_neurons_without_a_model_warns_at_the_callers_line():
    model = forum_net()
    with pytest.warns(UserWarning) as caught:
        mlc.tie_neurons(model.get_layer("hidden"), [[0, 1]])
    assert [str(w.message) for w in caught] == [
        "tie_neurons: outgoing weights not tied because no model was given; pass model=... so "
        "the next layer's weights (w5=w6) are tied too, or outgoing=False to silence this."]
    if not UNDER_MUTMUT:
        assert caught[0].filename == __file__


class KernelOnly(keras.layers.Layer):
    """A user's layer with a 2-D kernel and no ``bias`` attribute at all."""

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], 3), name="kernel")

    def call(self, x):
        return x @ self.kernel


def test_a_layer_without_a_bias_attribute_is_named_and_tied():
    keras.utils.set_random_seed(5)
    model = keras.Sequential([keras.Input((2,)), KernelOnly(name="mine")])
    assert mlc.weight_names(model).names == ["w1", "w2", "w3", "w4", "w5", "w6"]
    attached = mlc.tie_neurons(model.get_layer("mine"), [[0, 1]], model=model)
    assert [kind for _, kind, _ in attached] == ["kernel"]
    kernel = keras.ops.convert_to_numpy(model.get_layer("mine").kernel)
    np.testing.assert_array_equal(kernel[:, 0], kernel[:, 1])


def test_the_weight_table_cuts_long_layer_names():
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(
        1, name="a_rather_long_layer_name", use_bias=False)])
    model.layers[0].set_weights([np.array([[0.5]])])
    assert str(mlc.weight_names(model)).splitlines()[2] == (
        "w1    a_rather_long kernel      0      0     0.500000")


def test_the_weight_table_as_a_data_frame(monkeypatch):
    """``to_frame`` gives pandas one record per weight (pandas replaced by a recorder)."""
    monkeypatch.setitem(sys.modules, "pandas", types.SimpleNamespace(DataFrame=list))
    records = mlc.weight_names(forum_net()).to_frame()
    assert [r["name"] for r in records] == ["w1", "w2", "w3", "w4", "w5", "w6", "b1", "b2", "b3"]
    assert records[0] == {"name": "w1", "layer": "hidden", "kind": "kernel", "unit": 0,
                          "input": 0, "value": records[0]["value"]}
