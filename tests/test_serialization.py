"""Every initializer and constraint survives model.save / load_model(safe_mode=True)."""

import keras
import numpy as np

import mlscompanion as mlc
from tests.helpers import coffee


def test_model_with_all_pieces_round_trips_through_keras_file(tmp_path):
    init = mlc.initializers
    cons = mlc.constraints
    model = keras.Sequential([
        keras.Input((2,)),
        keras.layers.Dense(3, name="a", kernel_initializer=init.TiedUnits([[0, 2]], seed=1),
                           kernel_constraint=cons.TieUnits([[0, 2]]), bias_constraint=cons.TieUnits([[0, 2]])),
        keras.layers.Dense(2, name="b", kernel_initializer=init.IdenticalUnits("he_normal", seed=2),
                           kernel_constraint=cons.TieInputs([[0, 2]])),
        keras.layers.Dense(1, name="c", kernel_initializer=init.FromArray([[0.5], [-0.5]]),
                           kernel_constraint=cons.TieEntries([[(0, 0), (1, 0)]])),
    ])
    x, y = coffee(reps=1)
    model.compile(loss="binary_crossentropy", optimizer="adam")
    model.fit(x, y, epochs=1, verbose=0)
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = keras.models.load_model(path, safe_mode=True)
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert mlc.fingerprint(model) == mlc.fingerprint(loaded)
    assert isinstance(loaded.get_layer("a").kernel.constraint, cons.TieUnits)
    assert isinstance(loaded.get_layer("c").kernel.constraint, cons.TieEntries)
    assert loaded.get_layer("b").kernel_initializer.get_config() == model.get_layer("b").kernel_initializer.get_config()
    # the constraints still work after loading
    loaded.compile(loss="binary_crossentropy", optimizer="adam")
    loaded.fit(x, y, epochs=1, verbose=0)
    k = keras.ops.convert_to_numpy(loaded.get_layer("a").kernel)
    np.testing.assert_array_equal(k[:, 0], k[:, 2])
