"""Tracker behaviours that no other in-process test pinned down (found by mutation testing).

See docs/testing.md: each test here kills mutants of a module of
``mlscompanion/tracker/`` that the rest of the suite let survive.
"""

import keras
import numpy as np
import pytest

import mlscompanion as mlc
