import numpy as np
import pytest

import mlscompanion as mlc
from mlscompanion.gradients import gradients_by_name, variable_gradients
from tests.helpers import coffee


def test_gradients_are_what_one_sgd_step_applies():
    import keras

    x, y = coffee(reps=1)
    model = mlc.models.forum_221()
    before = mlc.weight_names(model).values()
    grads = gradients_by_name(model, x, y)
    model.compile(loss="binary_crossentropy", optimizer=keras.optimizers.SGD(1.0))
    model.fit(x, y, batch_size=len(x), epochs=1, shuffle=False, verbose=0)
    after = mlc.weight_names(model).values()
    for name, g in grads.items():
        assert after[name] == pytest.approx(before[name] - g, abs=1e-5)


def test_keys_cover_every_dense_weight():
    x, y = coffee(reps=1)
    grads = variable_gradients(mlc.models.forum_221(), x, y)
    assert list(grads) == [("layer1", "kernel"), ("layer1", "bias"), ("layer2", "kernel"), ("layer2", "bias")]
    assert grads[("layer1", "kernel")].shape == (2, 2)


@pytest.mark.parametrize("x, y, loss, error, pattern", [
    (np.zeros((4, 3)), np.zeros(4), "binary_crossentropy", ValueError, r"\(samples, 2\)"),
    (np.zeros((4, 2)), np.zeros(3), "binary_crossentropy", ValueError, "one label per row"),
    (np.zeros((4, 2)), np.zeros(4), "no_such_loss", ValueError, "loss"),
])
def test_bad_input(x, y, loss, error, pattern):
    with pytest.raises(error, match=pattern):
        gradients_by_name(mlc.models.forum_221(), x, y, loss=loss)
    with pytest.raises(TypeError, match="Keras model"):
        variable_gradients("model", x, y)
