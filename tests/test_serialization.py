"""Every initializer and constraint survives model.save / load_model(safe_mode=True)."""

import keras
import numpy as np

import mlscompanion as mlc
from tests.helpers import as_np, coffee

# the layers are linear: on logits (BCE without from_logits clips them and gives zero gradients)
LOSS = keras.losses.BinaryCrossentropy(from_logits=True)


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
    model.compile(loss=LOSS, optimizer="adam")
    start = model.get_weights()
    model.fit(x, y, epochs=1, verbose=0)
    assert not np.array_equal(start[0], model.get_weights()[0])  # it trained
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = keras.models.load_model(path, safe_mode=True)
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert mlc.fingerprint(model) == mlc.fingerprint(loaded)
    assert isinstance(loaded.get_layer("a").kernel.constraint, cons.TieUnits)
    assert isinstance(loaded.get_layer("c").kernel.constraint, cons.TieEntries)
    assert loaded.get_layer("b").kernel_initializer.get_config() == model.get_layer("b").kernel_initializer.get_config()
    # the constraints still work after loading. The trained net is symmetric in
    # units 0 and 2 of "a" (it would stay so with no constraint at all), so
    # first nudge what only a constraint pulls back: b's row for unit 2.
    weights = loaded.get_weights()
    weights[2][2] += 1.0
    loaded.set_weights(weights)
    loaded.compile(loss=LOSS, optimizer="adam")
    loaded.fit(x, y, epochs=1, verbose=0)
    k = as_np(loaded.get_layer("a").kernel)
    np.testing.assert_array_equal(k[:, 0], k[:, 2])
    kb = as_np(loaded.get_layer("b").kernel)
    np.testing.assert_array_equal(kb[0], kb[2])
    kc = as_np(loaded.get_layer("c").kernel)
    assert kc[0, 0] == kc[1, 0]
    # control: the same nudge with the constraints taken off parts the units
    free = keras.models.load_model(path, safe_mode=True)
    for layer in free.layers:
        layer.kernel.constraint = layer.bias.constraint = None
    free.set_weights(weights)
    free.compile(loss=LOSS, optimizer="adam")
    free.fit(x, y, epochs=1, verbose=0)
    k = as_np(free.get_layer("a").kernel)
    assert np.max(np.abs(k[:, 0] - k[:, 2])) > 1e-4  # exact equality above is the tie's doing
