"""Ties and the tracker under tf.distribute.MirroredStrategy on 2 logical CPUs.

Logical devices must be configured before TensorFlow initializes its
devices, so the training runs in a fresh process; it prints one JSON line.
"""


import pytest

from tests.helpers import run_json_script

SCRIPT = r"""
import json, os
import numpy as np
import tensorflow as tf

cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)

import keras
import mlscompanion as mlc
from tests.helpers import coffee, tied_coffee_model

mlc.set_seed(7, deterministic=False)
X, y = coffee(reps=2)
strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
with strategy.scope():
    model = tied_coffee_model()
    tracker = mlc.callbacks.NeuronDifferentiation(layers=["layer1"])
    # every other batch: record points kept as snapshots of the mirrored variables
    batches = mlc.callbacks.NeuronDifferentiation(layers=["layer1"], every=2)
    fit = model.fit(X, y, epochs=2, batch_size=50, verbose=0, callbacks=[tracker, batches])
    # tie the third unit too, between two fits: assigns mirrored variables and retraces
    mlc.tie_neurons(model.get_layer("layer1"), [[1, 2]], model=model)
    model.fit(X, y, epochs=1, batch_size=50, verbose=0, callbacks=[tracker, batches])

def replicas(variable):
    return [np.asarray(v.numpy()) for v in strategy.experimental_local_results(variable.value)]

out = {"replicas_in_sync": strategy.num_replicas_in_sync, "variables": [], "loss": fit.history["loss"],
       "widths": [r["effective_width"] for r in tracker.history],
       "steps": [r["step"] for r in tracker.history],
       "batch_widths": [r["effective_width"] for r in batches.history],
       "batch_steps": [r["step"] for r in batches.history]}
for v in model.trainable_variables:
    copies = replicas(v)
    out["variables"].append({
        "path": v.path, "copies": len(copies),
        "copies_equal": all(c.tobytes() == copies[0].tobytes() for c in copies),
        "devices": sorted({str(c.device) for c in strategy.experimental_local_results(v.value)}),
    })
k1, b1 = replicas(model.get_layer("layer1").kernel), replicas(model.get_layer("layer1").bias)
k2 = replicas(model.get_layer("layer2").kernel)
out["ties_exact"] = [
    bool(np.all(k == k[:, :1]) and np.all(b == b[0]) and np.all(kk == kk[0]))
    for k, b, kk in zip(k1, b1, k2)
]
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def mirrored_run():
    return run_json_script(SCRIPT, KERAS_BACKEND="tensorflow")


@pytest.mark.slow
@pytest.mark.tf_only
def test_two_replicas_train_and_agree_bit_for_bit(mirrored_run):
    assert mirrored_run["replicas_in_sync"] == 2
    variables = mirrored_run["variables"]
    assert len(variables) == 4  # two kernels, two biases
    for var in variables:
        assert var["copies"] == 2 and len(var["devices"]) == 2, var
        assert var["copies_equal"], f"replicas disagree on {var['path']}"
    assert all(loss == loss for loss in mirrored_run["loss"])  # not NaN


@pytest.mark.slow
@pytest.mark.tf_only
def test_tied_units_stay_exactly_equal_on_every_replica(mirrored_run):
    # units 0 and 1 tied by constraints, unit 2 joined by tie_neurons after two epochs
    assert mirrored_run["ties_exact"] == [True, True]


@pytest.mark.slow
@pytest.mark.tf_only
def test_tracker_records_under_the_strategy(mirrored_run):
    # 400 rows / batch 50 = 8 steps per epoch; constraints apply from the first step on
    assert mirrored_run["steps"] == [0, 8, 16, 24]
    assert mirrored_run["widths"][1:] == [2, 2, 1]  # unit 2 free, then tied too


@pytest.mark.slow
@pytest.mark.tf_only
def test_tracker_every_other_batch_records_snapshots_of_mirrored_weights(mirrored_run):
    """Mid-epoch record points keep snapshots of the mirrored variables (one
    replica's copy) until the fetch: each holds the weights of its own step."""
    assert mirrored_run["batch_steps"] == list(range(0, 25, 2))
    assert mirrored_run["batch_widths"][1:] == [2] * 8 + [1] * 4  # unit 2 tied after step 16
