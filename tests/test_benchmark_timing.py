"""The benchmarks' interleaved timing (benchmarks/timing.py), on made-up times."""

import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "benchmarks"))
from timing import ratio  # noqa: E402


def test_ratio_alternates_which_side_runs_first_and_pairs_neighbours():
    """A machine slowed for a while (base 2.0 and 4.0 with their variants)
    moves the ratio of medians (2.2 here) but not the paired ratio (1.1);
    an outlier pair (5.0 against 1.0) moves neither median much."""
    order = []
    base_times = iter([1.0, 2.0, 1.0, 4.0, 1.0])
    var_times = iter([1.1, 2.2, 1.1, 4.4, 5.0])

    def baseline():
        order.append("A")
        return next(base_times)

    def variant():
        order.append("B")
        return next(var_times)

    result = ratio(variant, baseline, repeats=5)
    assert "".join(order) == "ABBAABBAAB"
    assert (result.baseline, result.variant) == (1.0, 2.2)
    assert result.ratio == pytest.approx(2.2)
    assert result.paired == pytest.approx(1.1)
