"""Under JAX the tracker reads a layer's weights from Keras' training state
mid-epoch instead of syncing the whole model every batch (``jax_state``).

The records must be the ones a synced read gives. The fits run under JAX
(.ci/jax-tests); how the reader finds a variable in a state laid out like
Keras' is checked on every backend.
"""

import keras
import numpy as np
import pytest

import mlscompanion as mlc
from mlscompanion.tracker import layer_weights
from mlscompanion.tracker.jax_state import JaxStateReader, state_reader
from tests.helpers import coffee

on_jax = pytest.mark.skipif(keras.backend.backend() != "jax",
                            reason="JAX-only test (KERAS_BACKEND is not jax)")


def small_model():
    mlc.set_seed(5, deterministic=False)
    model = keras.Sequential([keras.Input((2,)),
                              keras.layers.Dense(4, activation="sigmoid", name="hidden"),
                              keras.layers.Dense(1, activation="sigmoid", name="out")])
    model.compile(loss="binary_crossentropy", optimizer=keras.optimizers.Adam(0.05))
    return model


def fit_every_batch(model, **kwargs):
    x, y = coffee(reps=1)  # 7 batches of 32, 2 epochs
    tracker = mlc.callbacks.NeuronDifferentiation(every=1, **kwargs)
    model.fit(x, y, epochs=2, batch_size=32, verbose=0, shuffle=False, callbacks=[tracker])
    return tracker.history


def test_other_backends_and_computed_weights_get_no_reader():
    model = small_model()
    assert state_reader(model, None) is None
    if keras.backend.backend() != "jax":
        assert state_reader(model, [model.get_layer("hidden").kernel]) is None


@on_jax
def test_records_read_from_the_state_are_the_synced_ones(monkeypatch):
    reads, syncs = [], []
    read = JaxStateReader.read

    def counted_read(self):
        values = read(self)
        reads.append(values is not None)
        return values

    monkeypatch.setattr(JaxStateReader, "read", counted_read)
    model = small_model()
    sync = model.jax_state_sync

    def counted_sync():
        syncs.append(not model._jax_state_synced)  # a sync that copies
        sync()

    model.jax_state_sync = counted_sync
    from_state = fit_every_batch(model)
    # 6 record points mid-epoch per epoch, each read from the state ...
    assert reads.count(True) == 12
    # ... and the model synced about once an epoch, not once a batch
    assert sum(syncs) <= 4
    monkeypatch.setattr(layer_weights, "state_reader", lambda model, variables: None)
    synced = fit_every_batch(small_model())
    assert [(r["step"], r["layer"]) for r in from_state] == [(r["step"], r["layer"]) for r in synced]
    for got, want in zip(from_state, synced):
        assert got["effective_width"] == want["effective_width"]
        np.testing.assert_allclose(got["pair_distances"], want["pair_distances"], rtol=1e-6)
        assert got["rms_distance"] == pytest.approx(want["rms_distance"], rel=1e-6)


@on_jax
def test_a_probe_still_reads_a_synced_model():
    x, _ = coffee(reps=1)
    records = fit_every_batch(small_model(), probe=x[:16])
    assert all(np.isfinite(r["mean_abs_correlation"]) for r in records)
    assert len({r["step"] for r in records}) == 15  # steps 0 to 14


def test_under_jax_a_reader_reads_the_variables_it_was_given(monkeypatch):
    model = small_model()
    hidden = model.get_layer("hidden")
    monkeypatch.setattr(keras.backend, "backend", lambda: "jax")
    reader = state_reader(model, [hidden.bias])
    assert isinstance(reader, JaxStateReader) and reader.model is model
    bias = np.ones(4, "float32")
    others = [np.zeros(v.shape, "float32") for v in model.trainable_variables]
    model._jax_state = {"trainable_variables": [others[0], bias] + others[2:],
                        "non_trainable_variables": []}
    model._jax_state_synced = False
    assert reader.read()[0] is bias and len(reader.read()) == 1


def test_the_reader_returns_none_where_the_state_does_not_hold_the_weights():
    """Plain attribute reads: the same on every backend (the fit under JAX is above)."""
    model = small_model()
    hidden = model.get_layer("hidden")
    reader = JaxStateReader(model, [hidden.kernel, hidden.bias])
    assert reader.read() is None  # outside fit: no state
    kernel, bias = np.ones((2, 4), "float32"), np.zeros(4, "float32")
    others = [np.zeros(v.shape, "float32") for v in model.trainable_variables[2:]]
    model._jax_state = {"trainable_variables": [kernel, bias] + others,
                        "non_trainable_variables": []}
    model._jax_state_synced = True
    assert reader.read() is None  # synced: the variables hold the values
    model._jax_state_synced = False
    got = reader.read()
    assert got[0] is kernel and got[1] is bias
    model._jax_state = {"non_trainable_variables": []}  # laid out otherwise
    assert reader.read() is None
    stranger = keras.Variable(np.zeros(3, "float32"))
    model._jax_state = {"trainable_variables": [kernel, bias] + others}
    assert JaxStateReader(model, [hidden.kernel, stranger]).read() is None
    hidden.trainable = False  # its weights move to the non-trainable state
    frozen = JaxStateReader(model, [hidden.kernel, hidden.bias])
    model._jax_state = {"trainable_variables": others, "non_trainable_variables": [kernel, bias]}
    got = frozen.read()
    assert got[0] is kernel and got[1] is bias
