"""The run's environment in words: Python, Keras, backend, NumPy, device, determinism.

What a learner pastes under a forum question so that others can tell their
set-up from their code.

Example:

>>> print(mlscompanion.format_environment({"python": "3.11.7", "keras": "3.15.1"}))
python : 3.11.7
keras  : 3.15.1
"""

import platform

import numpy as np

from mlscompanion._keras import KERAS_3, KERAS_VERSION, keras
from mlscompanion import seeding

__all__ = ["environment", "format_environment"]


def _device_kind():
    backend = keras.backend.backend()
    try:
        if backend == "tensorflow":
            import tensorflow as tf

            return "GPU" if tf.config.list_physical_devices("GPU") else "CPU"
        if backend == "jax":
            import jax

            return jax.devices()[0].platform.upper()
        if backend == "torch":
            import torch

            return "GPU" if torch.cuda.is_available() else "CPU"
    except Exception:
        pass
    return "CPU"


def environment():
    """Python, Keras, backend and version, NumPy, device kind, determinism.

    Example:

    >>> env = mlscompanion.environment()
    >>> env["keras"] == keras.__version__, env["backend"] == keras.backend.backend()
    (True, True)
    """
    backend = keras.backend.backend()
    # Keras imported the running backend's module already.
    backend_version = __import__(backend).__version__ if backend in seeding._SWITCHES else "n/a"
    from mlscompanion import __version__

    return {
        "python": platform.python_version(),
        "platform": f"{platform.system()} {platform.machine()}",
        "mlscompanion": __version__,
        "keras": KERAS_VERSION if KERAS_3 else f"{KERAS_VERSION} (Keras 2, tf.keras)",
        "backend": backend,
        "backend_version": backend_version,
        "numpy": np.__version__,
        "device": _device_kind(),
        "op_determinism": seeding._determinism_state(),
    }


def format_environment(env=None):
    """The environment as an aligned text block, ready to paste in a forum post.

    Example:

    >>> print(mlscompanion.format_environment({"python": "3.11.7", "keras": "3.15.1"}))
    python : 3.11.7
    keras  : 3.15.1
    """
    env = environment() if env is None else env
    width = max(len(k) for k in env)
    return "\n".join(f"{key:<{width}} : {value}" for key, value in env.items())
