"""The door to Keras' internals: each function works on the installed
versions, and a missing internal gives a message naming the Keras version."""

import sys

import keras
import numpy as np
import pytest

from mlscompanion import _internals


def functional():
    inputs = keras.Input((2,), name="x")
    dense = keras.layers.Dense(3, name="d")
    return keras.Model(inputs, dense(inputs)), dense, inputs


def test_layer_calls_and_their_arguments():
    model, dense, inputs = functional()
    calls = _internals.layer_calls(dense)
    assert len(calls) == 1
    args, kwargs = _internals.call_arguments(calls[0])
    assert args[0] is inputs and kwargs == {}


def test_a_missing_internal_names_the_keras_version():
    with pytest.raises(_internals.InternalsChanged, match=rf"Keras {keras.__version__}.*checked on"):
        _internals.layer_calls(object())
    with pytest.raises(_internals.InternalsChanged, match="Node.arguments"):
        _internals.call_arguments(object())


def test_keras_seed_is_read_and_its_absence_is_named(monkeypatch):
    keras.utils.set_random_seed(31)
    assert _internals.keras_global_seed() == 31
    monkeypatch.setitem(sys.modules, "keras.src.backend.common.global_state", None)
    monkeypatch.delattr(sys.modules["keras.src.backend.common"], "global_state")
    with pytest.raises(_internals.InternalsChanged, match="global random seed"):
        _internals.keras_global_seed()


def test_tensorflow_seed_and_determinism_switch():
    if keras.backend.backend() != "tensorflow":
        pytest.skip("TensorFlow-only")
    import tensorflow as tf

    tf.random.set_seed(17)
    assert _internals.tf_global_seed() == 17
    assert isinstance(_internals.tf_op_determinism_enabled(), bool)


def test_jax_backends_started_is_a_bool_or_unknown():
    assert _internals.jax_backends_started() in (True, False, None)


def test_callback_model_reads_without_a_sync_and_falls_back():
    callback = keras.callbacks.Callback()
    assert _internals.callback_model(callback) is None
    model, _, _ = functional()
    callback.set_model(model)
    assert _internals.callback_model(callback) is model

    class Old:  # a Callback that keeps its model only as .model
        model = "the model"

    assert _internals.callback_model(Old()) == "the model"


def test_jax_training_state_is_none_outside_fit():
    model, _, _ = functional()
    assert _internals.jax_training_state(model) is None


def test_the_model_module_and_the_random_initializer_base():
    assert keras.Model.__module__ == _internals.KERAS_MODEL_MODULE
    base = _internals.random_initializer_class()
    assert isinstance(keras.initializers.RandomNormal(seed=1), base)
    assert isinstance(keras.initializers.GlorotUniform(), base)
    assert not isinstance(keras.initializers.Zeros(), base)


def test_fit_arguments_are_bound_by_name_not_position():
    x = np.zeros((4, 2))
    fit = keras.Model.fit
    arguments, passed = _internals.bind_fit_arguments(fit, (x,), {})
    assert arguments["shuffle"] is True and passed == {"x"}
    arguments, passed = _internals.bind_fit_arguments(fit, (x, None), {"shuffle": False})
    assert arguments["shuffle"] is False and passed == {"x", "y", "shuffle"}
    names = list(__import__("inspect").signature(fit).parameters)
    positional = [None] * (names.index("shuffle") - 1) + ["by position"]
    arguments, passed = _internals.bind_fit_arguments(fit, positional, {})
    assert arguments["shuffle"] == "by position" and "shuffle" in passed


def test_model_creation_and_fit_are_recorded_and_undone():
    class Recorded(keras.Model):
        pass

    created, fits = [], []
    undo_new = _internals.record_model_creation(Recorded, created.append)
    undo_fit = _internals.record_fit_calls(
        Recorded, lambda model, arguments, passed: fits.append((arguments["shuffle"], passed)))
    inputs = keras.Input((2,))
    model = Recorded(inputs, keras.layers.Dense(1)(inputs))
    model.compile(loss="mse", optimizer="sgd")
    model.fit(np.zeros((4, 2)), np.zeros((4, 1)), epochs=1, verbose=0, shuffle=False)
    assert any(m is model for m in created)  # (Keras may call __new__ more than once)
    assert fits == [(False, {"x", "y", "epochs", "verbose", "shuffle"})]
    undo_new()
    undo_fit()
    count = len(created)
    Recorded(inputs, keras.layers.Dense(1)(inputs))
    assert len(created) == count and Recorded.fit is keras.Model.fit
