"""Ties on conv nets: the filters are the units (kernel[..., j], bias[j]).

Every model starts asymmetric (tied filters start different), so a tie that
did nothing would fail; after training the tied filters, biases and the next
layer's input channels must be bit-identical.
"""

import keras
import numpy as np
import pytest

import mlscompanion as mlc
from tests.helpers import as_np

C, I = mlc.constraints, mlc.initializers


def images(n=32, size=6, channels=1, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, size, size, channels)).astype("float32")
    y = (x.mean(axis=(1, 2, 3)) > 0).astype("float32")[:, None]
    return x, y


def same(a, b):
    return np.asarray(a).tobytes() == np.asarray(b).tobytes()


def fit(model, x, y, epochs=2):
    model.compile(loss="binary_crossentropy", optimizer=keras.optimizers.Adam(0.05))
    model.fit(x, y, epochs=epochs, batch_size=8, verbose=0)


def test_tie_units_keeps_conv_filters_bit_identical_from_an_asymmetric_start():
    x, y = images()
    tie = C.TieUnits([[0, 2], [1, 3]])
    model = keras.Sequential([
        keras.Input(x.shape[1:]),
        keras.layers.Conv2D(4, 3, activation="relu", name="conv",
                            kernel_constraint=tie, bias_constraint=C.TieUnits([[0, 2], [1, 3]])),
        keras.layers.GlobalAveragePooling2D(),
        keras.layers.Dense(1, activation="sigmoid"),
    ])
    k0 = as_np(model.get_layer("conv").kernel)
    assert not same(k0[..., 0], k0[..., 2])
    fit(model, x, y)
    k, b = as_np(model.get_layer("conv").kernel), as_np(model.get_layer("conv").bias)
    assert same(k[..., 0], k[..., 2]) and same(k[..., 1], k[..., 3])
    assert same(b[0], b[2]) and same(b[1], b[3])
    assert not same(k[..., 0], k[..., 1])


def test_tie_inputs_ties_the_input_channels_of_the_next_conv():
    x, y = images(channels=3)
    model = keras.Sequential([
        keras.Input(x.shape[1:]),
        keras.layers.Conv2D(2, 3, padding="same", name="conv",
                            kernel_constraint=C.TieInputs([[0, 2]])),
        keras.layers.GlobalMaxPooling2D(),
        keras.layers.Dense(1, activation="sigmoid"),
    ])
    fit(model, x, y, epochs=1)
    k = as_np(model.get_layer("conv").kernel)  # (3, 3, in=3, out=2)
    assert same(k[..., 0, :], k[..., 2, :]) and not same(k[..., 0, :], k[..., 1, :])


@pytest.mark.parametrize("layer", [
    lambda init: keras.layers.Conv1D(4, 3, kernel_initializer=init),
    lambda init: keras.layers.Conv2D(4, 3, kernel_initializer=init),
    lambda init: keras.layers.Conv3D(4, 2, kernel_initializer=init),
])
def test_identical_and_tied_units_on_conv_filters(layer):
    rank = {keras.layers.Conv1D: 1, keras.layers.Conv2D: 2, keras.layers.Conv3D: 3}
    conv = layer(I.IdenticalUnits(seed=1))
    conv.build((None,) + (5,) * rank[type(conv)] + (2,))
    k = as_np(conv.kernel)
    assert all(same(k[..., 0], k[..., j]) for j in range(1, 4))
    conv = layer(I.TiedUnits([[1, 3]], seed=1))
    conv.build((None,) + (5,) * rank[type(conv)] + (2,))
    k = as_np(conv.kernel)
    assert same(k[..., 1], k[..., 3]) and not same(k[..., 0], k[..., 1])


def test_tied_units_initializer_with_tie_units_constraint_survive_training():
    x, y = images()
    model = keras.Sequential([
        keras.Input(x.shape[1:]),
        keras.layers.Conv2D(3, 3, name="conv", kernel_initializer=I.TiedUnits([[0, 1]], seed=3),
                            kernel_constraint=C.TieUnits([[0, 1]]), bias_constraint=C.TieUnits([[0, 1]])),
        keras.layers.GlobalAveragePooling2D(),
        keras.layers.Dense(1, activation="sigmoid"),
    ])
    fit(model, x, y)
    k = as_np(model.get_layer("conv").kernel)
    assert same(k[..., 0], k[..., 1]) and not same(k[..., 0], k[..., 2])


def conv_model(between, head, channels=1):
    return keras.Sequential([
        keras.Input((8, 8, channels)),
        keras.layers.Conv2D(4, 3, padding="same", name="conv"),
        *between,
        *head,
    ])


@pytest.mark.parametrize("between, head, nxt", [
    ([keras.layers.Activation("relu"), keras.layers.MaxPooling2D()],
     [keras.layers.Conv2D(3, 3, name="next"), keras.layers.GlobalAveragePooling2D(),
      keras.layers.Dense(1, activation="sigmoid")], "next"),
    ([keras.layers.BatchNormalization(), keras.layers.Dropout(0.1), keras.layers.GlobalAveragePooling2D()],
     [keras.layers.Dense(1, activation="sigmoid", name="next")], "next"),
    ([keras.layers.GlobalMaxPooling2D(keepdims=True), keras.layers.Flatten()],
     [keras.layers.Dense(1, activation="sigmoid", name="next")], "next"),
])
def test_tie_neurons_on_a_conv_layer_ties_the_next_layers_input_channels(between, head, nxt):
    x, y = images(size=8)
    model = conv_model(between, head)
    k0 = as_np(model.get_layer("conv").kernel)
    assert not same(k0[..., 0], k0[..., 1])
    attached = mlc.tie_neurons(model.get_layer("conv"), [[0, 1]], model=model)
    assert [(name, kind) for name, kind, _ in attached] == [("conv", "kernel"), ("conv", "bias"), (nxt, "kernel")]
    fit(model, x, y)
    k, b = as_np(model.get_layer("conv").kernel), as_np(model.get_layer("conv").bias)
    after = as_np(model.get_layer(nxt).kernel)
    assert same(k[..., 0], k[..., 1]) and same(b[0], b[1]) and not same(k[..., 0], k[..., 2])
    assert same(after[..., 0, :], after[..., 1, :]) and not same(after[..., 0, :], after[..., 2, :])
    # the two filters compute the same feature map
    features = as_np(model.get_layer("conv")(x[:4]))
    assert same(features[..., 0], features[..., 1])


def test_tie_neurons_on_the_last_conv_layer_ties_only_that_layer():
    model = keras.Sequential([keras.Input((6, 6, 1)), keras.layers.Conv2D(3, 3, name="conv")])
    attached = mlc.tie_neurons(model.get_layer("conv"), [[0, 1]], model=model)
    assert [kind for _, kind, _ in attached] == ["kernel", "bias"]


@pytest.mark.parametrize("between, head, fragment", [
    ([keras.layers.Flatten(name="flat")], [keras.layers.Dense(1)], "'flat' (Flatten); Flatten interleaves positions"),
    ([], [keras.layers.Dense(1)], "only after global pooling"),
    ([keras.layers.Reshape((64, 4))], [keras.layers.Dense(1)], "(Reshape); it handles a Conv1D/2D/3D layer"),
    ([], [keras.layers.Conv2D(4, 3, groups=2)], "grouped convolution (groups=2)"),
])
def test_tie_neurons_raises_on_a_next_layer_it_cannot_handle_before_tying_anything(between, head, fragment):
    model = conv_model(between, head)
    conv = model.get_layer("conv")
    with pytest.raises(ValueError) as caught:
        mlc.tie_neurons(conv, [[0, 1]], model=model)
    assert fragment in str(caught.value) and "'conv'" in str(caught.value)
    assert conv.kernel.constraint is None and conv.bias.constraint is None


def test_tie_neurons_outgoing_false_ties_a_conv_layer_before_flatten():
    model = conv_model([keras.layers.Flatten()], [keras.layers.Dense(1)])
    attached = mlc.tie_neurons(model.get_layer("conv"), [[0, 1]], model=model, outgoing=False)
    assert [kind for _, kind, _ in attached] == ["kernel", "bias"]
    k = as_np(model.get_layer("conv").kernel)
    assert same(k[..., 0], k[..., 1])


@pytest.mark.parametrize("layer, fragment", [
    (keras.layers.Conv2DTranspose(4, 3), "ties the units of a Dense layer or the filters of a Conv1D/2D/3D"),
    (keras.layers.Conv2D(4, 3, groups=2), "grouped convolution (groups=2)"),
])
def test_tie_neurons_refuses_conv_layers_whose_filters_are_not_the_last_axis(layer, fragment):
    layer.build((None, 6, 6, 2))
    with pytest.raises(ValueError) as caught:
        mlc.tie_neurons(layer, [[0, 1]], outgoing=False)
    assert fragment in str(caught.value)


def test_a_second_tie_on_a_conv_kernel_merges_with_the_first():
    x, y = images(size=8)
    model = conv_model([keras.layers.MaxPooling2D()],
                       [keras.layers.Conv2D(4, 3, name="next"), keras.layers.GlobalAveragePooling2D(),
                        keras.layers.Dense(1, activation="sigmoid")])
    mlc.tie_neurons(model.get_layer("conv"), [[0, 1]], model=model)
    mlc.tie_neurons(model.get_layer("next"), [[2, 3]], model=model)  # next now has TieInputs and TieUnits
    assert isinstance(model.get_layer("next").kernel.constraint, C.TieEntries)
    fit(model, x, y, epochs=1)
    k = as_np(model.get_layer("next").kernel)
    assert same(k[..., 0, :], k[..., 1, :]) and same(k[..., 2], k[..., 3])
    assert not same(k[..., 0, :], k[..., 2, :])
