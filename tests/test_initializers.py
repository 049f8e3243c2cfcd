import keras
import numpy as np
import pytest

import mlscompanion as mlc
from tests.helpers import as_np


def test_from_array_sets_exact_values():
    values = [[0.2, 0.2], [-0.5, -0.5]]
    layer = keras.layers.Dense(2, kernel_initializer=mlc.initializers.FromArray(values))
    layer.build((None, 2))
    np.testing.assert_array_equal(as_np(layer.kernel), np.array(values, "float32"))


def test_from_array_shape_mismatch_names_both_shapes():
    layer = keras.layers.Dense(3, kernel_initializer=mlc.initializers.FromArray([[1.0, 2.0]]))
    with pytest.raises(ValueError, match=r"\(1, 2\).*\(2, 3\)"):
        layer.build((None, 2))


@pytest.mark.parametrize("bad", ["abc", [[1, "x"]], [[1.0, float("nan")]], [[1, 2], [3]]])
def test_from_array_rejects_non_numbers(bad):
    with pytest.raises(ValueError, match="values"):
        mlc.initializers.FromArray(bad)


def test_identical_units_every_column_equal_and_seed_repeats():
    init = mlc.initializers.IdenticalUnits(seed=3)
    a = as_np(init((4, 5)))
    assert np.all(a == a[:, :1])
    assert np.std(a[:, 0]) > 0
    np.testing.assert_array_equal(a, as_np(init((4, 5))))
    np.testing.assert_array_equal(a, as_np(mlc.initializers.IdenticalUnits(seed=3)((4, 5))))
    assert not np.array_equal(a, as_np(mlc.initializers.IdenticalUnits(seed=4)((4, 5))))


def test_identical_units_keeps_the_scale_of_its_base():
    # the column is drawn on the full shape, so glorot's limit sqrt(6/(fan_in+fan_out)) holds
    a = as_np(mlc.initializers.IdenticalUnits("glorot_uniform", seed=0)((400, 100)))
    assert np.max(np.abs(a)) <= np.sqrt(6 / 500) + 1e-6
    b = as_np(mlc.initializers.IdenticalUnits(keras.initializers.Constant(0.5))((3, 2)))
    assert np.all(b == 0.5)


def test_tied_units_ties_groups_and_leaves_others_free():
    a = as_np(mlc.initializers.TiedUnits([[0, 2]], seed=1)((3, 4)))
    np.testing.assert_array_equal(a[:, 0], a[:, 2])
    assert not np.array_equal(a[:, 0], a[:, 1])
    assert not np.array_equal(a[:, 1], a[:, 3])


@pytest.mark.parametrize("groups", [[[0]], [[0, 1], [1, 2]], [[0, 0]], [[0, -1]], "01", [[0, 1.5]], []])
def test_tied_units_bad_groups(groups):
    with pytest.raises(ValueError, match="group"):
        mlc.initializers.TiedUnits(groups)


def test_tied_units_out_of_range_names_group_and_shape():
    with pytest.raises(ValueError, match=r"\[0, 5\].*\(2, 3\)"):
        mlc.initializers.TiedUnits([[0, 5]], seed=1)((2, 3))


@pytest.mark.parametrize("bad", [dict(base="no_such_init"), dict(base=3), dict(seed="1"), dict(seed=1.5)])
def test_identical_units_bad_arguments(bad):
    with pytest.raises(ValueError, match="base|seed"):
        mlc.initializers.IdenticalUnits(**bad)


@pytest.mark.parametrize("init", [
    mlc.initializers.FromArray([[1.0, 2.0], [3.0, 4.0]]),
    mlc.initializers.IdenticalUnits("he_normal", seed=2),
    mlc.initializers.IdenticalUnits(keras.initializers.RandomNormal(stddev=2.0, seed=5)),
    mlc.initializers.TiedUnits([[0, 1]], base="random_uniform", seed=7),
])
def test_get_config_round_trip_gives_same_values(init):
    clone = type(init).from_config(init.get_config())
    np.testing.assert_array_equal(as_np(init((2, 2))), as_np(clone((2, 2))))
    again = keras.initializers.deserialize(keras.initializers.serialize(init))
    assert type(again) is type(init)
