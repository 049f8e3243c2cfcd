"""Ties and the tracker under Keras' own distribution API: DataParallel on JAX.

JAX fixes its devices when it starts, so the two virtual CPU devices
(``XLA_FLAGS=--xla_force_host_platform_device_count=2``) and the backend
are set in a fresh process, which prints one JSON line. The same checks
under ``tf.distribute.MirroredStrategy`` are in tests/test_distribute.py.
"""

import importlib.util

import pytest

from tests.helpers import run_json_script

SCRIPT = r"""
import json
import jax
import keras
import numpy as np
import mlscompanion as mlc
from tests.helpers import coffee, tied_coffee_model

devices = jax.devices()
keras.distribution.set_distribution(keras.distribution.DataParallel(devices=devices))
mlc.set_seed(7, deterministic=False)
X, y = coffee(reps=2)
model = tied_coffee_model()
start = np.asarray(model.get_layer("layer1").kernel.value)
tracker = mlc.callbacks.NeuronDifferentiation(layers=["layer1"], probe=X[:64])
fit = model.fit(X, y, epochs=2, batch_size=50, verbose=0, callbacks=[tracker])

def copies(variable):
    return [np.asarray(shard.data) for shard in variable.value.addressable_shards]

k1, b1 = copies(model.get_layer("layer1").kernel), copies(model.get_layer("layer1").bias)
k2 = copies(model.get_layer("layer2").kernel)
print(json.dumps({
    "devices": len(devices),
    "kernel_devices": len(model.get_layer("layer1").kernel.value.sharding.device_set),
    "copies_equal": all(c.tobytes() == k1[0].tobytes() for c in k1),
    "asymmetric_start": bool(np.any(start[:, 0] != start[:, 1])),
    "ties_exact": [bool(np.all(k[:, 0] == k[:, 1]) and b[0] == b[1] and np.all(kk[0] == kk[1]))
                   for k, b, kk in zip(k1, b1, k2)],
    "loss": fit.history["loss"],
    "steps": [r["step"] for r in tracker.history],
    "widths": [r["effective_width"] for r in tracker.history],
    "correlations": [r["mean_abs_correlation"] for r in tracker.history],
}))
"""


@pytest.fixture(scope="module")
def data_parallel_run():
    if importlib.util.find_spec("jax") is None:
        pytest.skip("JAX is not installed (pip install 'mlscompanion[jax]')")
    return run_json_script(SCRIPT, KERAS_BACKEND="jax", JAX_PLATFORMS="cpu",
                           XLA_FLAGS="--xla_force_host_platform_device_count=2")


@pytest.mark.slow
def test_data_parallel_runs_on_two_devices(data_parallel_run):
    assert data_parallel_run["devices"] == 2
    assert data_parallel_run["kernel_devices"] == 2  # the weights are replicated
    assert data_parallel_run["copies_equal"]
    assert all(loss == loss for loss in data_parallel_run["loss"])  # not NaN


@pytest.mark.slow
def test_tied_units_stay_exactly_equal_from_an_asymmetric_start(data_parallel_run):
    assert data_parallel_run["asymmetric_start"]
    assert data_parallel_run["ties_exact"] == [True, True]


@pytest.mark.slow
def test_tracker_records_under_data_parallel(data_parallel_run):
    # 400 rows / batch 50 = 8 steps per epoch; units 0 and 1 tied from step 1 on
    assert data_parallel_run["steps"] == [0, 8, 16]
    assert data_parallel_run["widths"] == [3, 2, 2]
    assert all(0 <= c <= 1 for c in data_parallel_run["correlations"])
