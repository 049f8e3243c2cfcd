"""The tracker on the layers learners build next: conv, transposed conv,
EinsumDense, recurrent layers, and layers inside nested models.

Each notion of unit is checked against the NumPy oracle of
tests/test_unit_figures.py, fed with a units matrix built here with plain
indexing from the definition in ``mlscompanion.tracker.layers``.
"""

import warnings

import keras
import numpy as np
import pytest

from mlscompanion.tracker.callback import NeuronDifferentiation
from mlscompanion.tracker.layers import describe_layer
from tests.test_unit_figures import RTOL, oracle

FIGURES = ("rms_distance", "min_distance", "mean_distance", "max_distance",
           "mean_cosine", "max_cosine")


def weights(layer):
    return [keras.ops.convert_to_numpy(w) for w in layer.weights]


def oracle_of_units(vectors, activations=None):
    """The oracle on units given as one vector each (features x units matrix)."""
    features = np.stack(vectors, axis=1)
    return oracle(features, np.zeros(features.shape[1], "float32"), activations)


def record_of(model, name, probe=None):
    tracker = NeuronDifferentiation(layers=[name], probe=probe)
    tracker.set_model(model)
    (record,) = tracker.record()
    return record


def assert_agrees(record, want):
    assert record["effective_width"] == want["effective_width"]
    for name in FIGURES:
        assert record[name] == pytest.approx(want[name], rel=RTOL, abs=1e-6), name


def tie_first_two(layer, axis=-1, gates=1):
    """Make unit 1 a copy of unit 0 in every weight of ``layer``."""
    for variable in layer.weights:
        value = keras.ops.convert_to_numpy(variable).copy()
        moved = np.moveaxis(value, axis if variable.path.endswith("kernel") else -1, -1)
        units = moved.shape[-1] // gates
        for g in range(gates):
            moved[..., g * units + 1] = moved[..., g * units]
        variable.assign(value)


def sequential(input_shape, layer):
    return keras.Sequential([keras.Input(input_shape), layer])


# ----- conv filters -------------------------------------------------------
CONVS = [
    (keras.layers.Conv1D, (6, 2)), (keras.layers.Conv2D, (5, 5, 2)),
    (keras.layers.Conv3D, (4, 4, 4, 2)),
]
TRANSPOSES = [
    (keras.layers.Conv1DTranspose, (6, 2)), (keras.layers.Conv2DTranspose, (4, 4, 2)),
    (keras.layers.Conv3DTranspose, (3, 3, 3, 2)),
]


@pytest.mark.parametrize("kind, shape", CONVS, ids=lambda v: getattr(v, "__name__", ""))
def test_conv_filters_are_units(kind, shape):
    model = sequential(shape, kind(4, 3, name="conv", bias_initializer="random_normal"))
    tie_first_two(model.get_layer("conv"))
    kernel, bias = weights(model.get_layer("conv"))
    record = record_of(model, "conv")
    want = oracle(kernel, bias)  # filter j: kernel[..., j] and bias[j]
    assert record["units"] == 4 and want["effective_width"] == 3
    assert_agrees(record, want)


@pytest.mark.parametrize("kind, shape", TRANSPOSES, ids=lambda v: getattr(v, "__name__", ""))
def test_transposed_conv_filters_are_on_the_second_last_kernel_axis(kind, shape):
    model = sequential(shape, kind(4, 2, name="up", bias_initializer="random_normal"))
    tie_first_two(model.get_layer("up"), axis=-2)
    kernel, bias = weights(model.get_layer("up"))  # (..., filters=4, channels_in=2)
    vectors = [np.concatenate([kernel[..., j, :].ravel(), [bias[j]]]) for j in range(4)]
    want = oracle_of_units(vectors)
    record = record_of(model, "up")
    assert record["units"] == 4 and want["effective_width"] == 3
    assert_agrees(record, want)


def test_conv_correlation_is_per_position_then_averaged():
    model = sequential((6, 6, 2), keras.layers.Conv2D(3, 3, name="conv", activation="tanh"))
    probe = np.random.default_rng(1).normal(size=(24, 6, 6, 2)).astype("float32")
    maps = keras.ops.convert_to_numpy(model(probe))  # 24 x 4 x 4 x 3
    per_position = [oracle(*weights(model.get_layer("conv")), maps[:, i, j, :])
                    ["mean_abs_correlation"] for i in range(4) for j in range(4)]
    record = record_of(model, "conv", probe=probe)
    assert record["mean_abs_correlation"] == pytest.approx(np.mean(per_position), rel=RTOL)


def test_channels_first_conv_reads_its_units_on_axis_1():
    layer = keras.layers.Conv2D(3, 2, data_format="channels_first")
    layer.build((None, 2, 5, 5))
    tracked = describe_layer(layer)
    output = np.arange(2 * 3 * 4 * 4, dtype="float32").reshape(2, 3, 4, 4)
    moved = keras.ops.convert_to_numpy(tracked.activations(output))
    np.testing.assert_array_equal(moved, np.moveaxis(output, 1, -1))


# ----- EinsumDense ------------------------------------------------------------
def test_einsum_dense_units_are_the_last_kernel_axis():
    # kernel (c=3, d=2, e=4): unit j = kernel[:, :, j]; bias over "de": bias[:, j]
    layer = keras.layers.EinsumDense("abc,cde->abde", output_shape=(None, 2, 4),
                                     bias_axes="de", bias_initializer="random_normal",
                                     name="einsum")
    model = sequential((5, 3), layer)
    tie_first_two(layer)
    kernel, bias = weights(layer)
    assert kernel.shape == (3, 2, 4) and bias.shape == (2, 4)
    vectors = [np.concatenate([kernel[..., j].ravel(), bias[..., j].ravel()]) for j in range(4)]
    probe = np.random.default_rng(2).normal(size=(20, 5, 3)).astype("float32")
    outputs = keras.ops.convert_to_numpy(model(probe))  # 20 x 5 x 2 x 4: 10 positions
    per_position = [oracle_of_units(vectors, outputs[:, t, d, :])["mean_abs_correlation"]
                    for t in range(5) for d in range(2)]
    record = record_of(model, "einsum", probe=probe)
    want = oracle_of_units(vectors)
    assert want["effective_width"] == 3
    assert_agrees(record, want)
    assert record["mean_abs_correlation"] == pytest.approx(np.mean(per_position), rel=RTOL)


def test_einsum_dense_with_a_bias_on_another_axis_leaves_the_bias_out():
    layer = keras.layers.EinsumDense("ab,bc->ac", output_shape=3, name="e")
    model = sequential((2,), layer)
    assert describe_layer(layer).layout == ((-1, 1),)  # no bias_axes: no bias
    kernel, = weights(layer)
    assert_agrees(record_of(model, "e"), oracle_of_units(list(kernel.T)))


def test_einsum_dense_with_an_ellipsis_reads_its_units_on_the_last_axis():
    # "...b,bc->...c" is "ab,bc->ac" for a 2-D input: with the same weights every
    # figure, the probe's correlation included, must be the same
    ellipsis = sequential((3,), keras.layers.EinsumDense(
        "...b,bc->...c", output_shape=4, bias_axes="c", activation="tanh",
        bias_initializer="random_normal", name="e"))
    plain = sequential((3,), keras.layers.EinsumDense(
        "ab,bc->ac", output_shape=4, bias_axes="c", activation="tanh", name="e"))
    plain.set_weights(ellipsis.get_weights())
    probe = np.random.default_rng(4).normal(size=(30, 3)).astype("float32")
    got, want = record_of(ellipsis, "e", probe), record_of(plain, "e", probe)
    kernel, bias = weights(ellipsis.get_layer("e"))
    acts = np.tanh(probe @ kernel + bias)
    assert want["mean_abs_correlation"] == pytest.approx(
        oracle(kernel, bias, acts)["mean_abs_correlation"], rel=RTOL)
    assert_agrees(got, want)
    assert got["mean_abs_correlation"] == pytest.approx(want["mean_abs_correlation"], rel=RTOL)
    assert describe_layer(ellipsis.get_layer("e")).unit_axis % 2 == 1  # the output's last axis


# ----- recurrent hidden units ---------------------------------------------------
RNNS = [
    ("SimpleRNN", {}, 1), ("GRU", {"reset_after": True}, 3),
    ("GRU", {"reset_after": False}, 3), ("LSTM", {}, 4),
]


@pytest.mark.parametrize("kind, kwargs, gates", RNNS, ids=["simple", "gru", "gru_v1", "lstm"])
def test_rnn_hidden_unit_is_its_gate_columns(kind, kwargs, gates):
    units = 3
    layer = getattr(keras.layers, kind)(units, name="rnn", bias_initializer="random_normal",
                                        **kwargs)
    model = sequential((4, 2), layer)
    tie_first_two(layer, gates=gates)
    kernel, recurrent, bias = weights(layer)
    assert kernel.shape == (2, gates * units)
    # unit j: for every gate g, column g*units + j of each weight (a GRU's
    # reset_after bias has two rows: both belong to the unit)
    vectors = [np.concatenate([np.concatenate([w[..., g * units + j].ravel()
                                               for w in (kernel, recurrent, bias)])
                               for g in range(gates)]) for j in range(units)]
    want = oracle_of_units(vectors)
    record = record_of(model, "rnn")
    assert record["units"] == units and want["effective_width"] == units - 1
    assert_agrees(record, want)


def test_rnn_sequence_correlation_is_per_time_step():
    model = sequential((5, 2), keras.layers.SimpleRNN(3, return_sequences=True, name="rnn"))
    probe = np.random.default_rng(3).normal(size=(16, 5, 2)).astype("float32")
    states = keras.ops.convert_to_numpy(model(probe))  # 16 x 5 x 3
    kernel = weights(model.get_layer("rnn"))[0]
    per_step = [oracle_of_units(list(kernel.T), states[:, t, :])["mean_abs_correlation"]
                for t in range(5)]
    record = record_of(model, "rnn", probe=probe)
    assert record["mean_abs_correlation"] == pytest.approx(np.mean(per_step), rel=RTOL)


# ----- which layers -----------------------------------------------------------
def mixed_model():
    return keras.Sequential([
        keras.Input((6,), dtype="int32"),
        keras.layers.Embedding(10, 4, name="emb"),
        keras.layers.Conv1D(3, 2, name="conv"),
        keras.layers.BatchNormalization(name="bn"),
        keras.layers.MaxPooling1D(name="pool"),
        keras.layers.GlobalAveragePooling1D(name="gap"),
        keras.layers.Dense(2, name="dense"),
        keras.layers.Dense(1, name="head"),
    ])


def tracker_warnings(tracker, model):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        tracker.set_model(model)
        tracker.on_train_begin()
    return [str(w.message) for w in caught if "NeuronDifferentiation" in str(w.message)]


def test_default_tracks_every_describable_layer_silently():
    model, tracker = mixed_model(), NeuronDifferentiation()
    assert tracker_warnings(tracker, model) == []
    assert [t.name for t in tracker._tracked] == ["conv", "dense"]


def test_named_layers_it_cannot_describe_get_one_warning():
    tracker = NeuronDifferentiation(layers=["emb", "conv", "bn", "pool", "head"])
    (message,) = tracker_warnings(tracker, mixed_model())
    for part in ("emb (Embedding", "bn (BatchNormalization", "pool (MaxPooling1D", "head (1 unit)"):
        assert part in message
    assert [t.name for t in tracker._tracked] == ["conv"]


def nested_model():
    inner = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, name="inner_dense",
                                                                    activation="tanh")],
                             name="inner")
    a, b = keras.Input((3,), name="a"), keras.Input((2,), name="b")
    joined = keras.layers.Concatenate()([inner(a), b])
    top = keras.layers.Dense(3, name="top")(joined)
    return keras.Model([a, b], keras.layers.Dense(1, name="out")(top)), inner


def test_layers_inside_a_nested_model_by_name_or_object_with_activations():
    model, inner = nested_model()
    rng = np.random.default_rng(4)
    xa, xb = rng.normal(size=(20, 3)).astype("float32"), rng.normal(size=(20, 2)).astype("float32")
    layer = inner.get_layer("inner_dense")
    for chosen in (["inner_dense"], [layer]):
        tracker = NeuronDifferentiation(layers=chosen, probe=[xa, xb])
        tracker.set_model(model)
        (record,) = tracker.record()
        kernel, bias = weights(layer)
        want = oracle(kernel, bias, keras.ops.convert_to_numpy(inner(xa)))
        assert record["layer"] == "inner_dense"
        assert_agrees(record, want)
        assert record["mean_abs_correlation"] == pytest.approx(
            want["mean_abs_correlation"], rel=RTOL)


def test_default_reaches_into_nested_models():
    model, _ = nested_model()
    tracker = NeuronDifferentiation()
    tracker.set_model(model)
    assert {r["layer"] for r in tracker.record()} == {"inner_dense", "top"}


def test_unknown_name_lists_nested_layers_too():
    model, _ = nested_model()
    tracker = NeuronDifferentiation(layers=["nope"])
    tracker.set_model(model)
    with pytest.raises(ValueError, match=r"no layer named 'nope'.*'inner_dense'"):
        tracker.on_train_begin()


def test_a_layer_object_of_another_model_is_refused():
    model, _ = nested_model()
    stranger = keras.layers.Dense(2, name="stranger")
    stranger.build((None, 3))
    tracker = NeuronDifferentiation(layers=[stranger])
    tracker.set_model(model)
    with pytest.raises(ValueError, match="'stranger' given in `layers` is not a layer of"):
        tracker.on_train_begin()


def test_a_conv_net_is_tracked_during_fit():
    model = keras.Sequential([
        keras.Input((6, 6, 1)), keras.layers.Conv2D(3, 3, activation="relu", name="conv"),
        keras.layers.Flatten(), keras.layers.Dense(1),
    ])
    model.compile(loss="mse", optimizer="sgd")
    rng = np.random.default_rng(5)
    x, y = rng.normal(size=(32, 6, 6, 1)).astype("float32"), rng.normal(size=(32, 1))
    conv = model.get_layer("conv")
    tie_first_two(conv)  # filters 0 and 1 start equal: width 2, not the 3 of a random start

    def oracle_now():
        maps = keras.ops.convert_to_numpy(keras.Model(model.inputs, conv.output)(x[:16]))
        per_position = [oracle(*weights(conv), maps[:, i, j, :]) for i in range(4) for j in range(4)]
        want = oracle(*weights(conv))
        want["mean_abs_correlation"] = np.mean([o["mean_abs_correlation"] for o in per_position])
        return want

    start = oracle_now()
    assert start["effective_width"] == 2
    tracker = NeuronDifferentiation(probe=x[:16])
    model.fit(x, y, epochs=2, batch_size=16, verbose=0, callbacks=[tracker])
    end = oracle_now()
    assert [r["step"] for r in tracker.history] == [0, 2, 4]
    assert all(r["layer"] == "conv" for r in tracker.history)
    # the first record reads the weights fit starts from, the last those it ends with
    for record, want in ((tracker.history[0], start), (tracker.history[-1], end)):
        assert_agrees(record, want)
        assert record["mean_abs_correlation"] == pytest.approx(
            want["mean_abs_correlation"], rel=RTOL)
    assert tracker.history[-1]["min_distance"] > tracker.history[0]["min_distance"] == 0


# ----- reading the weights: once per fit, through the layer otherwise -------
def lora_dense():
    """A Dense(4) whose LoRA kernel (base + a @ b) differs from its base kernel."""
    model = sequential((3,), keras.layers.Dense(4, name="dense"))
    model.compile(loss="mse", optimizer=keras.optimizers.SGD(0.1))
    return model


def lora_on(layer):
    layer.enable_lora(2)
    layer.lora_kernel_b.assign(np.arange(8, dtype="float32").reshape(2, 4) / 8)  # moves units apart


def test_variables_are_the_backend_variables_unless_reading_again_differs():
    """TensorFlow and PyTorch update a variable in place, so the tracker may
    keep its object for a fit; a LoRA kernel is computed and JAX replaces
    its arrays, so there the tracker reads through the layer each time."""
    layer = lora_dense().get_layer("dense")
    tracked = describe_layer(layer)
    variables = tracked.variables()
    if keras.backend.backend() == "jax":
        assert variables is None
    else:
        assert variables[0] is layer.kernel.value and variables[1] is layer.bias.value
        assert tracked.variables()[0] is variables[0]
    lora_on(layer)
    assert describe_layer(layer).variables() is None


def test_a_lora_kernel_is_recorded_as_the_layer_computes_it():
    """The LoRA kernel, not its frozen base, both during fit (where only the
    LoRA factors train) and in a record() after a fit that had no LoRA."""
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(32, 3)).astype("float32"), rng.normal(size=(32, 4)).astype("float32")
    model = lora_dense()
    layer = model.get_layer("dense")
    tracker = NeuronDifferentiation(layers=["dense"], every=1)
    model.fit(x, y, epochs=1, batch_size=16, verbose=0, callbacks=[tracker])
    base = oracle(*weights(layer))
    lora_on(layer)
    (record,) = tracker.record(step=100)  # step 2 (this fit's end) is recorded already
    want = oracle(keras.ops.convert_to_numpy(layer.kernel), keras.ops.convert_to_numpy(layer.bias))
    assert want["rms_distance"] != pytest.approx(base["rms_distance"], rel=1e-3)
    assert_agrees(record, want)
    model.compile(loss="mse", optimizer=keras.optimizers.SGD(0.01))  # LoRA's new variables
    tracker = NeuronDifferentiation(layers=["dense"], every=1)  # the new optimizer counts from 0
    model.fit(x, y, epochs=1, batch_size=16, verbose=0, callbacks=[tracker])
    assert [r["step"] for r in tracker.history] == [0, 1, 2]
    want = oracle(keras.ops.convert_to_numpy(layer.kernel), keras.ops.convert_to_numpy(layer.bias))
    assert_agrees(tracker.history[-1], want)
