"""Any probe the model takes: arrays, several inputs, datasets, in batches.

The correlation each probe gives is compared with the NumPy oracle of
tests/test_unit_figures.py on the activations computed here by the model.
"""

import keras
import numpy as np
import pytest

from mlscompanion.tracker.callback import NeuronDifferentiation
from tests.test_unit_figures import RTOL, oracle

RNG = np.random.default_rng(11)
XA = RNG.normal(size=(40, 3)).astype("float32")
XB = RNG.normal(size=(40, 2)).astype("float32")
Y = RNG.normal(size=(40, 1)).astype("float32")


def two_input_model():
    a, b = keras.Input((3,), name="a"), keras.Input((2,), name="b")
    hidden = keras.layers.Dense(4, activation="tanh", name="hidden")(
        keras.layers.Concatenate()([a, b]))
    return keras.Model([a, b], keras.layers.Dense(1, name="out")(hidden))


def correlation(model, probe, **kwargs):
    tracker = NeuronDifferentiation(layers=["hidden"], probe=probe, **kwargs)
    tracker.set_model(model)
    (record,) = tracker.record()
    return record["mean_abs_correlation"]


def expected(model, xa, xb):
    hidden = model.get_layer("hidden")
    acts = keras.ops.convert_to_numpy(keras.Model(model.inputs, hidden.output)([xa, xb]))
    kernel, bias = (keras.ops.convert_to_numpy(w) for w in hidden.weights)
    return oracle(kernel, bias, acts)["mean_abs_correlation"]


def test_a_list_of_arrays_of_different_widths_is_one_array_per_input():
    # np.asarray([XA, XB]) cannot join a (40, 3) and a (40, 2) array: the list is
    # read as one array per input, each kept as given
    tracker = NeuronDifferentiation(probe=[XA, XB])
    arrays = tracker._probe.arrays
    assert isinstance(arrays, list) and len(arrays) == 2
    np.testing.assert_array_equal(arrays[0], XA)
    np.testing.assert_array_equal(arrays[1], XB)


@pytest.mark.parametrize("form", ["list", "tuple", "dict"])
def test_a_multi_input_probe_in_every_form(form):
    model = two_input_model()
    probe = {"list": [XA, XB], "tuple": (XA, XB), "dict": {"b": XB, "a": XA}}[form]
    assert correlation(model, probe) == pytest.approx(expected(model, XA, XB), rel=RTOL)


def test_a_dict_probe_is_matched_by_input_name_not_by_sorted_key():
    # inputs declared (b, a), both of shape (3,): a dict read in sorted key order
    # would feed a's samples to b and still run, with another figure
    b, a = keras.Input((3,), name="b"), keras.Input((3,), name="a")
    hidden = keras.layers.Dense(4, activation="tanh", name="hidden")(
        keras.layers.Concatenate()([b, a]))
    model = keras.Model([b, a], keras.layers.Dense(1, name="out")(hidden))
    weights = np.random.default_rng(3)
    kernel = np.zeros((6, 4), "float32")  # the units read b only, whatever the backend's start
    kernel[:3] = weights.normal(size=(3, 4))
    model.get_layer("hidden").set_weights([kernel, weights.normal(size=4).astype("float32")])
    xb = weights.normal(size=(40, 3)).astype("float32") * 3.0
    right, swapped = expected(model, xb, XA), expected(model, XA, xb)
    assert abs(right - swapped) > 0.05  # the two orders give different figures
    assert correlation(model, {"a": XA, "b": xb}) == pytest.approx(right, rel=RTOL)
    assert correlation(model, {"b": xb, "a": XA}) == pytest.approx(right, rel=RTOL)


def test_a_large_probe_goes_through_in_batches():
    model = two_input_model()
    whole = correlation(model, [XA, XB])
    assert correlation(model, [XA, XB], probe_batch_size=7) == pytest.approx(whole, rel=1e-5)


class Batches(keras.utils.PyDataset):
    """(x, y) batches of 8, as fit reads them."""

    def __len__(self):
        return 5

    def __getitem__(self, index):
        rows = slice(8 * index, 8 * index + 8)
        return (XA[rows], XB[rows]), Y[rows]


def test_a_py_dataset_gives_its_first_samples():
    model = two_input_model()
    got = correlation(model, Batches(), probe_samples=20)  # 2 batches and a half
    assert got == pytest.approx(expected(model, XA[:20], XB[:20]), rel=RTOL)


@pytest.mark.tf_only
def test_a_tf_data_dataset_gives_its_first_samples():
    import tensorflow as tf

    model = two_input_model()
    dataset = tf.data.Dataset.from_tensor_slices(({"a": XA, "b": XB}, Y)).batch(6)
    got = correlation(model, dataset, probe_samples=15)
    assert got == pytest.approx(expected(model, XA[:15], XB[:15]), rel=RTOL)


def test_the_probe_is_cast_to_the_input_dtype():
    model = keras.Sequential([keras.Input((4,), dtype="int32"), keras.layers.Embedding(5, 3),
                              keras.layers.Flatten(), keras.layers.Dense(2, name="hidden")])
    tokens = (np.arange(24).reshape(6, 4) % 5).astype("float64")  # whole numbers, as floats
    tracker = NeuronDifferentiation(layers=["hidden"], probe=tokens)
    tracker.set_model(model)
    (record,) = tracker.record()
    (batch,) = tracker._probe_forward.batches
    assert keras.backend.standardize_dtype(batch.dtype) == "int32"
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(batch), tokens.astype("int32"))
    hidden = model.get_layer("hidden")
    acts = keras.ops.convert_to_numpy(keras.Model(model.inputs, hidden.output)(tokens.astype("int32")))
    kernel, bias = (keras.ops.convert_to_numpy(w) for w in hidden.weights)
    want = oracle(kernel, bias, acts)["mean_abs_correlation"]
    assert record["mean_abs_correlation"] == pytest.approx(want, rel=RTOL)


def setup_error(model, probe):
    tracker = NeuronDifferentiation(probe=probe)
    tracker.set_model(model)
    with pytest.raises(ValueError) as caught:
        tracker.on_train_begin()  # at setup, before any record
    return str(caught.value)


@pytest.mark.parametrize("probe, received", [
    (XA, "received (40, 3) (it holds 1 array(s))"),
    ([XA, XB, XB], "it holds 3 array(s)"),
    ([XA, XA], "an array of shape (40, 3) for input 'b'"),
    ({"a": XA, "c": XB}, "its keys are not the input names"),
])
def test_a_probe_that_does_not_fit_names_the_expected_inputs(probe, received):
    message = setup_error(two_input_model(), probe)
    assert "the model expects 2 input(s), 'a' of shape (None, 3), 'b' of shape (None, 2)" in message
    assert received in message


@pytest.mark.parametrize("probe, fragment", [
    ([XA, XB[:10]], "must hold the same number of samples. Received shapes [(40, 3), (10, 2)]"),
    ([XA, [[1.0], [2.0, 3.0]]], "probe[1] is not one array"),
    ({0: XA}, "keyed by input name (str)"),
    ("abc", "Received an array of shape () and dtype <U3"),
    ([XA, XB[:1]], "Received an array of shape (1, 2) and dtype float32 as probe[1]"),
])
def test_a_bad_probe_is_refused_when_given(probe, fragment):
    with pytest.raises(ValueError) as caught:
        NeuronDifferentiation(probe=probe)
    assert fragment in str(caught.value)


@pytest.mark.parametrize("kwargs, fragment", [
    (dict(probe_samples=1), "Received: probe_samples=1"),
    (dict(probe_batch_size=0), "Received: probe_batch_size=0"),
])
def test_bad_probe_sizes(kwargs, fragment):
    with pytest.raises(ValueError, match=fragment):
        NeuronDifferentiation(**kwargs)


def test_a_dataset_with_one_sample_is_refused_at_setup():
    class One(keras.utils.PyDataset):
        num_batches = 1

        def __getitem__(self, index):
            return (XA[:1], XB[:1]), Y[:1]

    assert "the dataset gave 1" in setup_error(two_input_model(), One())
