"""Seeding that really makes a Keras 3 run reproducible, an audit, a fingerprint.

Under Keras 3, ``tf.random.set_seed(1234)`` (the course labs' seeding) does
NOT fix initial weights: an unseeded initializer draws its seed from
Python's ``random`` when it is constructed. ``set_seed`` seeds everything.

Example:

>>> mlscompanion.set_seed(1234)
>>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3)])
>>> mlscompanion.fingerprint(model)   # the same on every run and machine
"""

import hashlib
import platform
import sys
import warnings
from dataclasses import dataclass, field

import keras
import numpy as np

__all__ = [
    "set_seed",
    "seed_audit",
    "SeedAudit",
    "fingerprint",
    "environment",
    "format_environment",
    "determinism_enabled",
]


def _check_seed(seed):
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise ValueError(
            f"`seed` must be an integer such as 1234. Received: seed={seed!r} "
            f"of type {type(seed).__name__}."
        )
    if not 0 <= int(seed) < 2**32:
        raise ValueError(
            f"`seed` must be between 0 and 2**32 - 1. Received: seed={seed}."
        )
    return int(seed)


def set_seed(seed, deterministic=True):
    """Seed Python, NumPy, the backend and Keras' global seed generator.

    ``deterministic=True`` also switches on the backend's deterministic
    kernels where it has a switch: TensorFlow's op determinism (needed for
    identical results on GPU) or PyTorch's deterministic algorithms. JAX has
    no such runtime switch: there the flag only warns, ``set_seed`` seeds
    everything else, and ``determinism_enabled()`` returns None. Pass
    ``deterministic=False`` to skip it (and the warning).

    Example:

    >>> mlscompanion.set_seed(1234)
    >>> keras.layers.Dense(3)   # same initial kernel in every fresh process
    """
    seed = _check_seed(seed)
    if not isinstance(deterministic, bool):
        raise ValueError(
            f"`deterministic` must be True or False. Received: "
            f"deterministic={deterministic!r}"
        )
    keras.utils.set_random_seed(seed)
    if deterministic:
        _enable_determinism(keras.backend.backend())
    return seed


def _enable_determinism(backend):
    if backend == "tensorflow":
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()
    elif backend == "torch":
        import torch

        torch.use_deterministic_algorithms(True)
    else:
        warnings.warn(
            f"set_seed(deterministic=True): op determinism is a TensorFlow "
            f"(and PyTorch) switch; the {backend} backend has none, so only "
            "the seeds were set. On CPU its results repeat run to run. Pass "
            "deterministic=False to silence this.",
            stacklevel=3,
        )


def _keras_seed():
    from keras.src.backend.common import global_state

    return global_state.get_global_attribute("global_random_seed")


def _tf_seed():
    if "tensorflow" not in sys.modules:
        return None
    from tensorflow.python.eager import context

    return context.global_seed()


def _switch_name():
    if keras.backend.backend() == "torch":
        return "PyTorch's deterministic-algorithms mode"
    return "TF op determinism"


def determinism_enabled():
    """True/False for TF op determinism (or PyTorch's deterministic
    algorithms); None where the backend has no such switch (JAX)."""
    backend = keras.backend.backend()
    if backend == "tensorflow":
        from tensorflow.python.framework import config

        return bool(config.is_op_determinism_enabled())
    if backend == "torch":
        import torch

        return bool(torch.are_deterministic_algorithms_enabled())
    return None


@dataclass
class SeedAudit:
    """What the current process has seeded, and what to do about it."""

    keras_seed: object
    tf_seed: object
    backend: str
    deterministic: object
    ok: bool
    findings: list = field(default_factory=list)

    def __str__(self):
        lines = [
            "Seed audit: " + ("OK" if self.ok else "NOT reproducible as set up"),
            f"  Keras initializers seeded (keras.utils.set_random_seed): "
            f"{'yes, ' + str(self.keras_seed) if self.keras_seed is not None else 'no'}",
            f"  TensorFlow global seed (tf.random.set_seed): "
            f"{self.tf_seed if self.tf_seed is not None else 'not set'}",
            f"  op determinism: {_onoff(self.deterministic)}",
        ]
        lines += [f"  - {finding}" for finding in self.findings]
        return "\n".join(lines)


def _onoff(flag):
    return "n/a on this backend" if flag is None else ("on" if flag else "off")


def seed_audit():
    """Report whether this process seeded Keras' initializers or only TensorFlow.

    Example:

    >>> tf.random.set_seed(1234)          # the course lab's seeding
    >>> print(mlscompanion.seed_audit())  # says initial weights are NOT fixed
    """
    keras_seed = _keras_seed()
    tf_seed = _tf_seed()
    deterministic = determinism_enabled()
    findings = []
    if keras_seed is None and tf_seed is not None:
        findings.append(
            f"Only TensorFlow is seeded (tf.random.set_seed({tf_seed})). Under "
            "Keras 3 an initializer without a seed draws one from Python's "
            "`random` when it is created, so initial weights differ from run "
            "to run. Fix: call mlscompanion.set_seed(SEED) (or "
            "keras.utils.set_random_seed(SEED)) before building the model."
        )
    elif keras_seed is None:
        findings.append(
            "Nothing is seeded: initial weights and shuffling change every "
            "run. Fix: call mlscompanion.set_seed(SEED) before building the model."
        )
    if deterministic is False:
        findings.append(
            f"{_switch_name()} is off: results on CPU are usually identical, "
            "but GPU kernels may differ run to run. For bit-identical runs "
            "everywhere: mlscompanion.set_seed(SEED, deterministic=True)."
        )
    ok = keras_seed is not None
    return SeedAudit(keras_seed, tf_seed, keras.backend.backend(), deterministic, ok, findings)


def fingerprint(model, decimals=None):
    """A short stable hash of all the model's weights (values, shapes, order).

    Exact by default (bit for bit); with ``decimals`` the weights are rounded
    first, so tiny float differences between machines do not change it.

    Example:

    >>> mlscompanion.fingerprint(model)             # e.g. '3f9a1c0b7d2e4a61'
    >>> mlscompanion.fingerprint(model, decimals=4)
    """
    if decimals is not None and (
        isinstance(decimals, bool) or not isinstance(decimals, int) or decimals < 0
    ):
        raise ValueError(
            f"`decimals` must be None or a non-negative int. Received: "
            f"decimals={decimals!r}"
        )
    weights = _weights_of(model)
    digest = hashlib.sha256()
    for array in weights:
        array = np.asarray(array)
        if decimals is not None and np.issubdtype(array.dtype, np.floating):
            array = np.round(array.astype("float64"), decimals) + 0.0  # -0.0 -> 0.0
        array = np.ascontiguousarray(array)
        digest.update(f"{array.dtype.str}{array.shape}".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()[:16]


def _weights_of(model):
    if hasattr(model, "get_weights"):
        return model.get_weights()
    if isinstance(model, (list, tuple)):
        return [np.asarray(w) for w in model]
    raise ValueError(
        "fingerprint() takes a Keras model or layer (anything with "
        f"get_weights()) or a list of arrays. Received: {type(model).__name__}."
    )


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
    """Python, Keras, backend and version, NumPy, device kind, determinism."""
    backend = keras.backend.backend()
    module = {"tensorflow": "tensorflow", "jax": "jax", "torch": "torch"}.get(backend)
    backend_version = "n/a"
    if module:
        try:
            backend_version = __import__(module).__version__
        except ImportError:
            backend_version = "not installed"
    from mlscompanion import __version__

    return {
        "python": platform.python_version(),
        "platform": f"{platform.system()} {platform.machine()}",
        "mlscompanion": __version__,
        "keras": keras.__version__,
        "backend": backend,
        "backend_version": backend_version,
        "numpy": np.__version__,
        "device": _device_kind(),
        "op_determinism": _onoff(determinism_enabled()),
    }


def format_environment(env=None):
    """The environment as an aligned text block, ready to paste in a forum post."""
    env = environment() if env is None else env
    width = max(len(k) for k in env)
    return "\n".join(f"{key:<{width}} : {value}" for key, value in env.items())
