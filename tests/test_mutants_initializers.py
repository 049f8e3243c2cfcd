"""Initializer behaviours that no other test pinned down (found by mutation testing).

See docs/testing.md: each test here kills mutants of mlscompanion/initializers.py
that the rest of the suite let survive.
"""

import json

import keras
import numpy as np
import pytest

from mlscompanion.initializers import FromArray, IdenticalUnits, TiedUnits


def as_np(x):
    return keras.ops.convert_to_numpy(x)


def _float64_available():
    """JAX makes float64 arrays only with x64 enabled (JAX_ENABLE_X64)."""
    if keras.backend.backend() != "jax":
        return True
    import jax

    return bool(jax.config.jax_enable_x64)


WIDE = "float64" if _float64_available() else "float16"  # a dtype other than float32


def test_identical_units_repeat_the_first_column_the_base_draws():
    """'One column is drawn with base (on the full shape) and repeated.'"""
    shape = (4, 3)
    got = as_np(IdenticalUnits(seed=7)(shape))
    base = as_np(keras.initializers.GlorotUniform(seed=7)(shape))
    np.testing.assert_array_equal(got, np.repeat(base[:, :1], 3, axis=1))
    one = as_np(IdenticalUnits(seed=7)((4, 1)))  # a one-unit layer keeps its column
    np.testing.assert_array_equal(one, as_np(keras.initializers.GlorotUniform(seed=7)((4, 1))))


def test_tied_units_start_with_the_first_unit_of_their_group():
    shape = (4, 3)
    got = as_np(TiedUnits([[0, 2]], seed=7)(shape))
    base = as_np(keras.initializers.GlorotUniform(seed=7)(shape))
    np.testing.assert_array_equal(got[:, [0, 1]], base[:, [0, 1]])  # 0 and the free unit kept
    np.testing.assert_array_equal(got[:, 2], base[:, 0])


def test_tying_initializers_fill_a_bias_and_honour_the_dtype():
    bias = as_np(TiedUnits([[0, 1]], base="random_normal", seed=3)((3,)))
    assert bias.shape == (3,) and bias[0] == bias[1] != bias[2]
    assert as_np(IdenticalUnits(seed=3)((2, 3), dtype=WIDE)).dtype == np.dtype(WIDE)
    with pytest.raises(ValueError, match=r"^IdenticalUnits needs a weight with a units axis"):
        IdenticalUnits(seed=1)(())


def test_a_bad_seed_is_rejected_by_mlscompanion_with_what_it_expects():
    with pytest.raises(ValueError, match=r"`seed` must be an integer or None\. Received: seed='1'"):
        IdenticalUnits(seed="1")


def test_the_config_keeps_the_seed_and_is_json():
    init = IdenticalUnits(base=keras.initializers.HeNormal(seed=2), seed=5)
    config = init.get_config()
    assert config["seed"] == 5
    json.dumps(config)  # what model.save writes
    again = IdenticalUnits.from_config(config)
    np.testing.assert_array_equal(as_np(again((3, 2))), as_np(init((3, 2))))
    named = IdenticalUnits(seed=5)
    np.testing.assert_array_equal(as_np(IdenticalUnits.from_config(named.get_config())((3, 2))),
                                  as_np(named((3, 2))))


def test_from_array_gives_float32_unless_asked_otherwise():
    init = FromArray([[1.0, 2.0]])
    assert as_np(init((1, 2))).dtype == np.float32
    assert as_np(init((1, 2), dtype=WIDE)).dtype == np.dtype(WIDE)


def test_error_messages_say_what_to_give():
    with pytest.raises(ValueError) as error:
        IdenticalUnits(base="glorot_nonsense")
    assert ("Use a Keras initializer name such as 'glorot_uniform', 'he_normal', "
            "'random_normal', or an initializer instance.") in str(error.value)
    with pytest.raises(ValueError) as error:
        FromArray([[1.0, 2.0]])((2, 1))
    assert str(error.value).endswith(
        "For a Dense(units) kernel the shape is (inputs, units); for its bias it is (units,).")
    with pytest.raises(ValueError) as error:
        FromArray([[1.0, float("inf")]])
    assert str(error.value).endswith("Give finite numbers.")
    with pytest.raises(ValueError) as error:
        FromArray("abc")
    assert str(error.value).startswith(
        "`values` must be numbers in nested lists or an array, e.g. [[0.2, 0.2], [-0.5, -0.5]].")


def test_tied_units_draw_from_the_base_they_are_given():
    """``base`` is honoured, not replaced by the default glorot_uniform."""
    tied = TiedUnits([[0, 1]], base=keras.initializers.Constant(0.5), seed=3)
    np.testing.assert_array_equal(as_np(tied((2, 3))), np.full((2, 3), 0.5, "float32"))
    uniform = TiedUnits([[0, 2]], base=keras.initializers.RandomUniform(5.0, 6.0, seed=3))
    assert 5.0 <= as_np(uniform((4, 3))).min()
