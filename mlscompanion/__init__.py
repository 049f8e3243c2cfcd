"""mlscompanion: tie neurons, watch them differentiate, seed runs for real.

Example:

>>> import keras, mlscompanion as mlc
>>> mlc.set_seed(1234)
>>> layer = keras.layers.Dense(2, kernel_initializer=mlc.initializers.IdenticalUnits(seed=1),
...                            kernel_constraint=mlc.constraints.TieUnits([[0, 1]]))

The heavier parts (``experiments``, ``plotting``, ``snippets``, ``labs``) are
imported on first use, so ``import mlscompanion`` costs little more than
``import keras``.
"""

import importlib

__version__ = "0.1.0"

from mlscompanion import callbacks, constraints, datasets, initializers  # noqa: E402
from mlscompanion.seeding import (  # noqa: E402
    determinism_enabled,
    environment,
    fingerprint,
    format_environment,
    seed_audit,
    set_seed,
)
from mlscompanion.tying import tie_neurons, tie_weights, weight_names  # noqa: E402

_LAZY = {"experiments", "plotting", "snippets", "labs", "models", "similarity", "seeding", "tying", "cli"}

__all__ = [
    "callbacks",
    "constraints",
    "datasets",
    "initializers",
    "set_seed",
    "seed_audit",
    "fingerprint",
    "environment",
    "format_environment",
    "determinism_enabled",
    "weight_names",
    "tie_weights",
    "tie_neurons",
]


def __getattr__(name):
    if name in _LAZY:
        return importlib.import_module(f"mlscompanion.{name}")
    raise AttributeError(f"module 'mlscompanion' has no attribute {name!r}")
