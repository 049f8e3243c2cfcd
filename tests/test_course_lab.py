"""The course's C2W1 coffee-roasting lab as the course writes it (``tensorflow.keras``
imports, ``tf.random.set_seed(1234)``, ``Sequential`` of two sigmoid ``Dense`` layers,
``fit``), with the package's pieces swapped in. It runs unchanged under Keras 2
(TensorFlow 2.15, the course's environment: ``.ci/keras2-tests``) and under Keras 3,
and the tied units stay bit-identical in both.

The course tiles its 200 roasts 1000 times for 10 epochs; the test tiles them 20 times
(the same code, 50 times fewer steps)."""

import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf
from tensorflow.keras import Sequential
from tensorflow.keras.layers import Dense
from tensorflow.keras.losses import BinaryCrossentropy
from tensorflow.keras.optimizers import Adam

import mlscompanion as mlc
from mlscompanion import _keras
from mlscompanion.callbacks import NeuronDifferentiation
from mlscompanion.constraints import TieUnits
from mlscompanion.datasets import load_coffee_data


def _course_data(tiles=20):
    X, Y = load_coffee_data()
    norm_l = tf.keras.layers.Normalization(axis=-1)
    norm_l.adapt(X)
    Xn = norm_l(X)
    return np.tile(Xn, (tiles, 1)), np.tile(Y, (tiles, 1))


def test_the_course_lab_with_tied_units_and_the_tracker(tmp_path):
    Xt, Yt = _course_data()
    tf.random.set_seed(1234)  # applied to achieve consistent results
    model = Sequential(
        [
            tf.keras.Input(shape=(2,)),
            Dense(3, activation="sigmoid", name="layer1",
                  kernel_constraint=TieUnits([[0, 1]]), bias_constraint=TieUnits([[0, 1]])),
            Dense(1, activation="sigmoid", name="layer2"),
        ]
    )
    mlc.tie_weights(model, ["w7", "w8"])  # the output unit's weights from units 1 and 2
    tracker = NeuronDifferentiation(csv_path=tmp_path / "units.csv")
    model.compile(loss=BinaryCrossentropy(), optimizer=Adam(learning_rate=0.01))
    model.fit(Xt, Yt, epochs=10, verbose=0, callbacks=[tracker])

    W1, b1 = model.get_layer("layer1").get_weights()
    W2, _ = model.get_layer("layer2").get_weights()
    assert np.array_equal(W1[:, 0], W1[:, 1]) and b1[0] == b1[1]  # w1=w3, w2=w4, b1=b2
    assert W2[0, 0] == W2[1, 0]  # w5=w6
    assert not np.array_equal(W1[:, 0], W1[:, 2])  # the untied unit went its own way
    assert np.abs(W1).max() > 1.0  # it trained

    layer1 = [r for r in tracker.history if r["layer"] == "layer1"]
    assert [r["epoch"] for r in layer1] == list(range(11))
    assert layer1[-1]["effective_width"] == 2  # units 1 and 2 are one unit
    lines = (tmp_path / "units.csv").read_text().splitlines()
    assert lines[0].startswith("epoch,step,layer") and len(lines) == 1 + 11  # layer1 only
    figure = tracker.plot()
    assert len(figure.axes) >= 2


SEEDED_LAYER = """\
import tensorflow as tf
{seed}
from tensorflow.keras.layers import Dense
layer = Dense(3)
layer.build((None, 2))
print(layer.get_weights()[0].ravel().tolist())
"""


@pytest.mark.parametrize("seed, same", [("tf.random.set_seed(1234)", False),
                                        ("tf.keras.utils.set_random_seed(1234)", True)])
def test_which_seed_fixes_the_course_layer_in_fresh_processes(seed, same):
    """Measured, not assumed: under Keras 3 and under Keras 2.15 (TF 2.15) alike,
    tf.random.set_seed alone leaves unseeded initializers to Python's `random`."""
    code = SEEDED_LAYER.format(seed=seed)
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           timeout=120, check=True).stdout for _ in range(2)]
    assert (runs[0] == runs[1]) is same, runs


def test_the_audit_names_the_tf_seed_alone_under_either_keras():
    import random

    random.seed()  # undo the test's own full seeding as far as Python's random goes
    tf.random.set_seed(1234)
    if _keras.KERAS_3:
        return  # Keras 3's global seed stays set here: test_seeding.py covers it in a fresh process
    audit = mlc.seed_audit()
    assert audit.tf_seed == 1234
    assert "(Keras 2, tf.keras)" in mlc.environment()["keras"]


@pytest.mark.skipif(_keras.KERAS_3, reason="Keras 2 only: under Keras 3 these features work")
@pytest.mark.parametrize("use", ["import mlscompanion.labs",
                                 "NeuronDifferentiation(live=True)",
                                 "NeuronDifferentiation(log_dir='logs')"])
def test_keras_3_features_raise_one_clear_error_under_keras_2(use):
    with pytest.raises(_keras.Keras3Required, match=r"Keras 3 is needed for .*this environment "
                       r"runs Keras 2\.\d+.*install Keras 3 in a separate environment"):
        exec(use, {"NeuronDifferentiation": NeuronDifferentiation})
