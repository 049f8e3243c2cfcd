"""Tying behaviours that no other test pinned down (found by mutation testing).

See docs/testing.md: each test here kills mutants of mlscompanion/tying.py that
the rest of the suite let survive. Every tie is checked from a start where the
tied weights differ.
"""

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
