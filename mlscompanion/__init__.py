"""mlscompanion: tie neurons, watch them differentiate, seed runs for real.

Example:

>>> import keras, mlscompanion as mlc
>>> mlc.set_seed(1234)
1234
>>> layer = keras.layers.Dense(2, kernel_initializer=mlc.initializers.IdenticalUnits(seed=1),
...                            kernel_constraint=mlc.constraints.TieUnits([[0, 1]]))

``import mlscompanion`` registers every initializer and constraint with
Keras (so ``keras.models.load_model(path, safe_mode=True)`` restores models
that use them) as soon as Keras is imported, and imports nothing heavy
itself; the other submodules and functions load on first use. The
``mlscompanion`` command imports Keras only for the subcommands that need it.
"""

import importlib
import os
import sys

__version__ = "0.1.0"


# Modules run as programs (``python -m``) whose output learners paste: the
# command, and the snippet check's per-run bootstrap.
_PROGRAMS = ("mlscompanion", "mlscompanion.cli", "mlscompanion.snippets._bootstrap")


def _started_as_the_command():
    """Whether this process is the ``mlscompanion`` command (script or ``python -m``)
    or one of the programs it starts."""
    script = os.path.splitext(os.path.basename(sys.argv[0] if sys.argv else ""))[0]
    if script in ("mlscompanion", "mlscompanion-script"):
        return True
    argv = getattr(sys, "orig_argv", [])
    return any(flag == "-m" and module in _PROGRAMS
               for flag, module in zip(argv, argv[1:]))


if _started_as_the_command():
    # Keep TensorFlow's C++ start-up chatter out of what learners paste: this
    # must be set before anything imports Keras (and so TensorFlow).
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

# Registers the initializers and constraints with Keras, now if Keras is
# imported, else as soon as it is; never imports Keras itself.
from mlscompanion._registration import register_when_keras_loads  # noqa: E402

register_when_keras_loads()

_SUBMODULES = {
    "callbacks", "constraints", "datasets", "initializers", "tracker", "sinks",
    "plotting", "snippets", "labs", "models", "similarity", "seeding",
    "fingerprints", "run_environment",
    "tying", "demo", "cli",
}
_FUNCTIONS = {
    "set_seed": "seeding",
    "seed_audit": "seeding",
    "SeedAudit": "seeding",
    "fingerprint": "fingerprints",
    "environment": "run_environment",
    "format_environment": "run_environment",
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
