"""mlscompanion: tie neurons, watch them differentiate, seed runs for real.

Example:

>>> import keras, mlscompanion as mlc
>>> mlc.set_seed(1234)
>>> layer = keras.layers.Dense(2, kernel_initializer=mlc.initializers.IdenticalUnits(seed=1),
...                            kernel_constraint=mlc.constraints.TieUnits([[0, 1]]))

Submodules and functions are loaded on first use, so ``import mlscompanion``
costs nothing until you touch Keras-backed pieces (and the command can quiet
TensorFlow's start-up logs before Keras is imported).
"""

import importlib

__version__ = "0.1.0"

_SUBMODULES = {
    "callbacks", "constraints", "datasets", "initializers", "experiments",
    "plotting", "snippets", "labs", "models", "similarity", "seeding",
    "tying", "demo", "cli",
}
_FUNCTIONS = {
    "set_seed": "seeding",
    "seed_audit": "seeding",
    "fingerprint": "seeding",
    "environment": "seeding",
    "format_environment": "seeding",
    "determinism_enabled": "seeding",
    "weight_names": "tying",
    "tie_weights": "tying",
    "tie_neurons": "tying",
}

__all__ = sorted({"callbacks", "constraints", "datasets", "initializers"} | set(_FUNCTIONS))


def __getattr__(name):
    if name in _SUBMODULES:
        return importlib.import_module(f"mlscompanion.{name}")
    if name in _FUNCTIONS:
        module = importlib.import_module(f"mlscompanion.{_FUNCTIONS[name]}")
        return getattr(module, name)
    raise AttributeError(f"module 'mlscompanion' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | _SUBMODULES | set(_FUNCTIONS))
