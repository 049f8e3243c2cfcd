"""Constraint behaviours that no other test pinned down (found by mutation testing).

See docs/testing.md: each test here kills mutants of mlscompanion/constraints.py
that the rest of the suite let survive.
"""

import numpy as np
import pytest

from mlscompanion.constraints import TieInputs


def test_a_bias_given_to_tie_inputs_is_refused_naming_the_class_and_the_fix():
    with pytest.raises(ValueError) as error:
        TieInputs([[0, 1]])(np.zeros(3, "float32"))
    assert str(error.value) == (
        "TieInputs(groups=[[0, 1]]) needs a weight of rank >= 2 but got shape (3,). "
        "TieInputs ties kernel rows; use TieUnits for a bias.")
