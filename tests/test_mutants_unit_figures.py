"""Behaviours of the tracker's figures that the mutation run found untested.

See docs/testing.md (mutation testing): each test asserts something a user
relies on; the oracle is the one of tests/test_unit_figures.py.
"""

import keras
import numpy as np
import pytest

from mlscompanion.tracker.describe import describe_units
from mlscompanion.tracker.figures import UnitFigures
from tests.test_unit_figures import RTOL, oracle


def test_hand_set_integer_weights_are_counted_right():
    """Weights typed by hand (small integers, units that swap two weights) are told apart.

    Each pair (A, B) below has the same sum of weights and the same weights in
    another order: sorting the units along a direction whose weights all have
    one size would put A, B, A, B at the same place and count four units.
    """
    a_b = [((1, 2, 0), (2, 1, 0)), ((1, 0, 2), (2, 0, 1)), ((0, 1, 2), (0, 2, 1))]
    units = [unit for a, b in a_b for unit in (a, b, a, b)]  # 12 units, 6 different
    U = np.array(units, "float32")  # unit j: kernel column (w1, w2) and bias
    kernel, bias = U[:, :2].T, U[:, 2]
    assert oracle(kernel, bias)["effective_width"] == 6
    assert describe_units(kernel, bias)["effective_width"] == 6


def test_compute_gives_the_cheap_record_unless_asked():
    """``figures.compute(weights)`` (the docstring's LSTM example) leaves the pair figures out."""
    rng = np.random.default_rng(0)
    kernel, recurrent = rng.normal(size=(3, 8)), rng.normal(size=(2, 8))  # an LSTM of 2 units
    figures = UnitFigures((kernel.shape, recurrent.shape), layout=((-1, 4), (-1, 4)))
    cheap = figures.decode(keras.ops.convert_to_numpy(figures.compute((kernel, recurrent))))
    assert figures.units == 2 and cheap["effective_width"] == 2
    assert np.isnan(cheap["min_distance"]) and cheap["pair_distances"] is None
    full = figures.compute((kernel, recurrent), pairs=True)
    full = figures.decode(keras.ops.convert_to_numpy(full), pairs=True)
    U = np.stack([np.concatenate([w[:, g * 2 + j] for w in (kernel, recurrent) for g in range(4)])
                  for j in range(2)])
    assert full["min_distance"] == pytest.approx(np.linalg.norm(U[0] - U[1]), rel=RTOL)


def test_describe_units_counts_units_on_the_last_axis_of_a_conv_kernel():
    rng = np.random.default_rng(1)
    with pytest.raises(ValueError, match=r"at least 2 units \(its last axis\).*\(3, 3, 2, 1\)"):
        describe_units(rng.normal(size=(3, 3, 2, 1)))  # one filter: nothing to compare
    narrow = rng.normal(size=(3, 1, 2, 4))  # 3x1 filters: the second axis is not the units
    assert describe_units(narrow)["units"] == 4


def test_sample_names_the_described_units_and_is_none_for_the_whole_layer():
    """``figures.sample``: which units a record describes (None: all of them)."""
    assert UnitFigures((3, 6), sample=[1, 4]).sample.tolist() == [1, 4]
    assert UnitFigures((3, 6), sample=range(6)).sample is None
    assert UnitFigures((3, 6)).sample is None
