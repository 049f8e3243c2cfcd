"""The core pieces on whichever Keras backend is active (KERAS_BACKEND).

CI runs this file under TensorFlow and again under JAX; it passes under
PyTorch too. Nothing here is backend-specific except where a test says so.
"""

import warnings

import keras
import numpy as np
import pytest

import mlscompanion as mlc
from mlscompanion.constraints import TieEntries, TieInputs, TieUnits
from mlscompanion.initializers import FromArray, IdenticalUnits, TiedUnits
from tests.helpers import as_np, coffee

BACKEND = keras.backend.backend()


def tied_model(jit_compile):
    """Units 0 and 1 of layer1 start equal (TiedUnits) but feed layer2 through
    different weights (only output 0's are tied), so they get different
    gradients at every step: only the constraints keep them equal."""
    model = keras.Sequential([
        keras.Input((2,)),
        keras.layers.Dense(4, activation="sigmoid", name="layer1",
                           kernel_initializer=TiedUnits([[0, 1]], seed=3),
                           kernel_constraint=TieUnits([[0, 1]]), bias_constraint=TieUnits([[0, 1]])),
        keras.layers.Dense(2, activation="sigmoid", name="layer2",
                           kernel_constraint=TieEntries([[(0, 0), (1, 0)], [(2, 1), (3, 1)]])),
        keras.layers.Dense(1, activation="sigmoid", name="layer3",
                           kernel_constraint=TieInputs([[0, 1]])),
    ])
    model.compile(loss="binary_crossentropy", optimizer=keras.optimizers.Adam(0.05),
                  jit_compile=jit_compile)
    return model


# torch's jit_compile=True means torch.compile (slow to start, not what learners use)
@pytest.mark.parametrize("jit_compile", [True, "auto"] if BACKEND != "torch" else ["auto"])
def test_ties_stay_bit_identical_inside_compiled_train_steps(jit_compile):
    x, y = coffee(reps=1)
    model = tied_model(jit_compile)
    model.fit(x, y, epochs=2, batch_size=32, verbose=0)
    k1 = as_np(model.get_layer("layer1").kernel)
    b1 = as_np(model.get_layer("layer1").bias)
    k2 = as_np(model.get_layer("layer2").kernel)
    k3 = as_np(model.get_layer("layer3").kernel)
    assert k1[:, 0].tobytes() == k1[:, 1].tobytes() and b1[0] == b1[1]
    assert k2[0, 0] == k2[1, 0] and k2[2, 1] == k2[3, 1]
    assert k3[0, 0] == k3[1, 0]
    assert not np.array_equal(k1[:, 2], k1[:, 3])  # untied units moved apart


def test_constraints_take_and_return_backend_tensors():
    w = keras.ops.convert_to_tensor(np.array([[1.0, 3.0, 5.0], [2.0, 4.0, 6.0]], "float32"))
    out = TieUnits([[0, 1]])(w)
    assert keras.ops.is_tensor(out)
    assert keras.backend.standardize_dtype(out.dtype) == "float32"
    assert as_np(out).tolist() == [[2.0, 2.0, 5.0], [3.0, 3.0, 6.0]]


def test_initializers_fill_backend_variables():
    layer = keras.layers.Dense(3, kernel_initializer=FromArray([[1.0, 2.0, 3.0]]),
                               bias_initializer=IdenticalUnits(seed=2))
    layer.build((None, 1))
    assert as_np(layer.kernel).tolist() == [[1.0, 2.0, 3.0]]
    bias = as_np(layer.bias)
    assert bias[0] == bias[1] == bias[2]


def test_tracker_reads_weights_mid_epoch():
    """On JAX the weights live outside the layers during an epoch; records must see them."""
    x, y = coffee(reps=1)
    model = mlc.models.coffee_model()
    model.compile(loss="binary_crossentropy", optimizer=keras.optimizers.Adam(0.05))
    tracker = mlc.callbacks.NeuronDifferentiation(every=2, probe=x[:40])
    model.fit(x, y, epochs=1, batch_size=32, verbose=0, callbacks=[tracker])
    assert [r["step"] for r in tracker.history] == [0, 2, 4, 6]
    distances = [r["mean_distance"] for r in tracker.history]
    assert len(set(distances)) == 4  # every record saw different weights
    assert all(0 <= r["mean_abs_correlation"] <= 1 for r in tracker.history)


def test_tie_neurons_between_two_fits():
    x, y = coffee(reps=1)
    model = mlc.models.coffee_model()
    model.compile(loss="binary_crossentropy", optimizer=keras.optimizers.Adam(0.05))
    model.fit(x, y, epochs=1, verbose=0)
    mlc.tie_neurons(model.get_layer("layer1"), [[0, 2]], model=model)
    model.fit(x, y, epochs=1, verbose=0)
    k = as_np(model.get_layer("layer1").kernel)
    assert k[:, 0].tobytes() == k[:, 2].tobytes()
    assert mlc.weight_names(model)["w1"].value == mlc.weight_names(model)["w5"].value


def test_set_seed_makes_initial_weights_repeat():
    fingerprints = []
    for _ in range(2):
        mlc.set_seed(11, deterministic=False)
        fingerprints.append(mlc.fingerprint(mlc.models.coffee_model()))
    assert fingerprints[0] == fingerprints[1]


def test_determinism_switch_says_what_this_backend_can_do(monkeypatch):
    if BACKEND == "tensorflow":
        pytest.skip("TF op determinism cannot be switched off again; tested in a fresh "
                    "process in test_determinism.py")
    if BACKEND == "jax":
        from mlscompanion import seeding

        monkeypatch.setattr(seeding, "_jax_requested_late", False)
        monkeypatch.delenv("XLA_FLAGS", raising=False)
        keras.ops.ones(())  # JAX has started: the XLA flag can no longer take effect
        with pytest.warns(UserWarning, match="too late for JAX"):
            mlc.set_seed(1, deterministic=True)
        assert mlc.determinism_enabled() is False
        assert "requested too late" in str(mlc.seed_audit())
    elif BACKEND == "torch":
        import torch

        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                mlc.set_seed(1, deterministic=True)
            assert mlc.determinism_enabled() is True
        finally:
            torch.use_deterministic_algorithms(False)


def test_environment_names_this_backend():
    env = mlc.environment()
    assert env["backend"] == BACKEND
    module = {"tensorflow": "tensorflow", "jax": "jax", "torch": "torch"}[BACKEND]
    assert env["backend_version"] == __import__(module).__version__
    # the kind of device the backend puts a new tensor on, whatever this machine has
    where = keras.ops.ones((1,)).device
    where = str(where() if callable(where) else where).upper()
    expected = "GPU" if ("GPU" in where or "CUDA" in where) else "TPU" if "TPU" in where else "CPU"
    assert env["device"] == expected, where


# ----- wide layers (backend-neutral as well) ---------------------------------

def test_effective_width_of_thousands_of_identical_units():
    rng = np.random.default_rng(0)
    column = rng.normal(size=(785, 1))
    U = np.repeat(column, 1024, axis=1).T.copy()
    U[100] += 1.0          # one unit moved away
    U[200:300] += 1e-9     # near copies within tol still count as the same unit
    assert mlc.similarity.effective_width(U, tol=1e-6) == 2


def test_max_units_describes_a_fixed_sample_of_a_wide_layer(tmp_path):
    x = np.random.default_rng(1).random((64, 4)).astype("float32")
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(40, name="wide"),
                              keras.layers.Dense(1)])
    model.compile(loss="mse", optimizer=keras.optimizers.SGD(0.1))
    tracker = mlc.callbacks.NeuronDifferentiation(layers=["wide"], max_units=8, every=1,
                                                   probe=x, csv_path=tmp_path / "u.csv")
    model.fit(x, x[:, :1], epochs=1, batch_size=32, verbose=0, callbacks=[tracker])
    assert [(r["units"], r["sampled_units"]) for r in tracker.history] == [(40, 8)] * 3
    assert all(len(r["pair_distances"]) == 28 for r in tracker.history)  # 8 * 7 / 2
    # the figures are those of the same 8 units in every record
    sample = tracker._figures["wide"].sample
    kernel, bias = as_np(model.get_layer("wide").kernel), as_np(model.get_layer("wide").bias)
    expected = mlc.callbacks.describe_units(kernel[:, sample], bias[sample])
    assert tracker.history[-1]["pair_distances"] == pytest.approx(expected["pair_distances"])
    reloaded = mlc.callbacks.NeuronDifferentiation.from_csv(tmp_path / "u.csv").history
    assert [r["sampled_units"] for r in reloaded] == [8, 8, 8]


def test_wide_layers_record_summaries_without_the_pair_list():
    kernel = np.random.default_rng(2).normal(size=(5, 300))
    figures = mlc.callbacks.describe_units(kernel, np.zeros(300), pair_limit=32)
    assert figures["pair_distances"] is None and figures["effective_width"] == 300
    D = mlc.similarity.pairwise_distances(mlc.similarity.unit_vectors(kernel, np.zeros(300)))
    pairs = mlc.similarity.upper_triangle(D)
    assert figures["min_distance"] == pytest.approx(pairs.min())
    assert figures["mean_distance"] == pytest.approx(pairs.mean())
