"""Seeding that really makes a Keras 3 run reproducible, and an audit of it.

Under Keras 3, ``tf.random.set_seed(1234)`` (the course labs' seeding) does
NOT fix initial weights: an unseeded initializer draws its seed from
Python's ``random`` when it is constructed. ``set_seed`` seeds everything.
The fingerprint used below is in ``fingerprints.py``, the environment
report in ``run_environment.py``.

Example:

>>> def new_model():
...     return keras.Sequential([keras.Input((2,)), keras.layers.Dense(3)])
>>> mlscompanion.set_seed(1234)
1234
>>> first = mlscompanion.fingerprint(new_model())
>>> mlscompanion.set_seed(1234)
1234
>>> mlscompanion.fingerprint(new_model()) == first   # the same on every run
True
"""

import os
import warnings
from dataclasses import dataclass, field

from mlscompanion._keras import KERAS_3, keras
from mlscompanion import _internals, _validation

__all__ = [
    "set_seed",
    "seed_audit",
    "SeedAudit",
    "determinism_enabled",
]


def _check_seed(seed):
    if not _validation.is_int(seed):  # the type too: "1234" and 1234 print alike
        raise ValueError(
            f"`seed` must be an integer such as 1234. Received: seed={seed!r} "
            f"of type {type(seed).__name__}."
        )
    if not 0 <= int(seed) < 2**32:
        _validation.fail("seed", seed, "between 0 and 2**32 - 1")
    return int(seed)


def set_seed(seed, deterministic=True):
    """Seed Python, NumPy, the backend and Keras' global seed generator.

    ``deterministic=True`` also switches on what the backend offers for
    identical results on a GPU:

    - TensorFlow: op determinism;
    - PyTorch: ``torch.use_deterministic_algorithms(True)``, cuDNN benchmark
      off (and cuDNN deterministic), ``CUBLAS_WORKSPACE_CONFIG=:4096:8``;
    - JAX: the XLA flag ``--xla_gpu_deterministic_ops=true``, added to
      ``XLA_FLAGS``. XLA reads it once, when JAX starts its backends (at the
      first array, not at ``import jax``); if JAX has already started,
      ``set_seed`` warns and gives the line to put first instead.

    ``determinism_enabled()`` and ``seed_audit()`` then report the state.
    Pass ``deterministic=False`` to leave these switches alone.

    Example:

    >>> mlscompanion.set_seed(1234)   # returns the seed it set
    1234
    >>> layer = keras.layers.Dense(3)   # same initial kernel in every fresh process
    """
    seed = _check_seed(seed)
    if not isinstance(deterministic, bool):
        _validation.fail("deterministic", deterministic, "True or False")
    if deterministic:
        _enable_determinism(keras.backend.backend())
    keras.utils.set_random_seed(seed)
    return seed


_XLA_FLAG = "--xla_gpu_deterministic_ops"
_CUBLAS = ("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
_JAX_FIRST_LINE = (
    'import os; os.environ["XLA_FLAGS"] = os.environ.get("XLA_FLAGS", "") '
    '+ " --xla_gpu_deterministic_ops=true"'
)
_jax_requested_late = False  # set_seed(deterministic=True) came after JAX started


def _enable_determinism(backend):
    if backend == "tensorflow":
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()
    elif backend == "torch":
        _enable_torch_determinism()
    elif backend == "jax":
        _enable_jax_determinism()


def _enable_torch_determinism():
    import torch

    name, value = _CUBLAS
    if name not in os.environ and torch.cuda.is_initialized():
        warnings.warn(
            f"set_seed(deterministic=True): CUDA had already started, so {name} "
            "may not reach the cuBLAS handles PyTorch made before. For certain "
            "results put this line first in the script, before importing "
            f'keras or torch:\n    import os; os.environ["{name}"] = "{value}"',
            stacklevel=4,
        )
    os.environ.setdefault(name, value)
    torch.backends.cudnn.benchmark = False
    torch.backends.cudnn.deterministic = True
    torch.use_deterministic_algorithms(True)


def _jax_started():
    """Whether JAX has started its backends (True/False), None if it cannot tell.

    Checked without starting them: ``jax.devices()`` would start them.
    """
    return _internals.jax_backends_started()


def _xla_flag_set(flags=None):
    """Whether ``XLA_FLAGS`` turns on deterministic GPU ops (the last mention wins)."""
    flags = os.environ.get("XLA_FLAGS", "") if flags is None else flags
    on = False
    for token in flags.split():
        name, _, value = token.partition("=")
        if name == _XLA_FLAG:
            on = value.lower() in ("", "true", "1")
    return on


def _enable_jax_determinism():
    global _jax_requested_late
    if _xla_flag_set():
        return
    if _jax_started():
        _jax_requested_late = True
        warnings.warn(
            "set_seed(deterministic=True) came too late for JAX: its backends "
            "have started, and XLA reads XLA_FLAGS only when they start, so "
            "deterministic GPU ops stay off in this process (CPU runs repeat "
            "anyway). Restart, and put this line first, before importing keras "
            f"or jax:\n    {_JAX_FIRST_LINE}\nor call mlscompanion.set_seed(SEED) "
            "before anything creates an array or a model.",
            stacklevel=4,
        )
        return
    kept = [t for t in os.environ.get("XLA_FLAGS", "").split() if t.partition("=")[0] != _XLA_FLAG]
    os.environ["XLA_FLAGS"] = " ".join(kept + [f"{_XLA_FLAG}=true"])


def _keras_seed():
    """The seed of Keras' initializers: Keras 3's global seed; under Keras 2
    (2.13-2.15), whether ``keras.utils.set_random_seed`` seeded the generator its
    unseeded initializers draw from (TensorFlow's seed if so, else True)."""
    if KERAS_3:
        return _internals.keras_global_seed()
    if not _internals.keras2_seed_generator_set():
        return None
    return _tf_seed() if _tf_seed() is not None else True


def _tf_seed():
    return _internals.tf_global_seed()


_SWITCHES = {
    "tensorflow": "TF op determinism",
    "torch": "PyTorch's deterministic-algorithms mode",
    "jax": "XLA's deterministic GPU ops (--xla_gpu_deterministic_ops)",
}


def _switch_name():
    """The running backend's determinism switch in words (None: it has none)."""
    return _SWITCHES.get(keras.backend.backend())


def determinism_enabled():
    """Whether the backend's switch for identical GPU results is on (True/False).

    TensorFlow: op determinism. PyTorch: deterministic algorithms. JAX: the
    XLA flag ``--xla_gpu_deterministic_ops=true`` is in effect (set before
    JAX started, or set and JAX not started yet); False when it was
    requested too late.

    Example:

    >>> mlscompanion.set_seed(1234, deterministic=True)   # TensorFlow: turns it on
    1234
    >>> mlscompanion.determinism_enabled() in (True, False)
    True
    """
    backend = keras.backend.backend()
    if backend == "tensorflow":
        return _internals.tf_op_determinism_enabled()
    if backend == "torch":
        import torch

        return bool(torch.are_deterministic_algorithms_enabled())
    if backend == "jax":
        return _xla_flag_set() and not _jax_requested_late
    return False


def _determinism_state():
    """The backend's determinism switch in words, for the audit and the environment."""
    backend = keras.backend.backend()
    if backend not in _SWITCHES:
        return f"none (the {backend} backend has no switch)"
    on = determinism_enabled()
    if backend == "torch":
        if not on:
            return "off"
        import torch

        benchmark = "on" if torch.backends.cudnn.benchmark else "off"
        cublas = os.environ.get(_CUBLAS[0], "unset")
        return (f"on (deterministic algorithms, cuDNN benchmark {benchmark}, "
                f"{_CUBLAS[0]}={cublas})")
    if backend == "jax":
        if _jax_requested_late:
            return "requested too late (JAX had started; see set_seed's warning)"
        if not on:
            return "off"
        started = _jax_started()
        if started:
            return "on (XLA flag set before start)"
        if started is None:
            return "XLA flag set (this JAX does not say whether it started before)"
        return "on (XLA flag set; takes effect when JAX starts)"
    return "on (TF op determinism)" if on else "off"


@dataclass
class SeedAudit:
    """What the current process has seeded, and what to do about it.

    ``seed_audit()`` returns one; ``print`` it for the report.

    Example:

    >>> mlscompanion.set_seed(1234)
    1234
    >>> audit = mlscompanion.seed_audit()
    >>> audit.keras_seed, audit.backend == keras.backend.backend()
    (1234, True)
    """

    keras_seed: object
    tf_seed: object
    backend: str
    deterministic: object
    ok: bool
    findings: list = field(default_factory=list)
    determinism: str = ""  # the switch in words, e.g. "on (TF op determinism)"

    def __str__(self):
        lines = [
            "Seed audit: " + ("OK" if self.ok else "NOT reproducible as set up"),
            f"  Keras initializers seeded (keras.utils.set_random_seed): "
            f"{'yes, ' + str(self.keras_seed) if self.keras_seed is not None else 'no'}",
            f"  TensorFlow global seed (tf.random.set_seed): "
            f"{self.tf_seed if self.tf_seed is not None else 'not set'}",
            f"  op determinism: {self.determinism or _onoff(self.deterministic)}",
        ]
        lines += [f"  - {finding}" for finding in self.findings]
        return "\n".join(lines)


def _onoff(flag):
    return "on" if flag else "off"


def seed_audit():
    """Report whether this process seeded Keras' initializers or only TensorFlow.

    Example:

    >>> mlscompanion.set_seed(1234)
    1234
    >>> print(mlscompanion.seed_audit())  # after tf.random.set_seed alone it says NOT
    Seed audit: ...
      Keras initializers seeded (keras.utils.set_random_seed): yes, 1234
    ...
    """
    keras_seed = _keras_seed()
    tf_seed = _tf_seed()
    deterministic = determinism_enabled()
    findings = []
    if keras_seed is None and tf_seed is not None:
        findings.append(
            f"Only TensorFlow is seeded (tf.random.set_seed({tf_seed})). Under "
            "Keras 3 (and Keras 2 from 2.13 on) an initializer without a seed draws one "
            "from Python's `random` when it is created, so initial weights differ from run "
            "to run. Fix: call mlscompanion.set_seed(SEED) (or "
            "keras.utils.set_random_seed(SEED)) before building the model."
        )

    elif keras_seed is None:
        findings.append(
            "Nothing is seeded: initial weights and shuffling change every "
            "run. Fix: call mlscompanion.set_seed(SEED) before building the model."
        )
    if _jax_requested_late:
        findings.append(
            f"{_switch_name()} was requested after JAX had started, so it is "
            "off in this process. Restart, and put this line first, before "
            f"importing keras or jax: {_JAX_FIRST_LINE}"
        )
    elif deterministic is False and _switch_name() is not None:
        findings.append(
            f"{_switch_name()} is off: results on CPU are usually identical, "
            "but GPU kernels may differ run to run. For bit-identical runs "
            "everywhere: mlscompanion.set_seed(SEED, deterministic=True)"
            + (" before anything creates a JAX array." if keras.backend.backend() == "jax" else ".")
        )
    ok = keras_seed is not None
    return SeedAudit(keras_seed, tf_seed, keras.backend.backend(), deterministic, ok, findings,
                     _determinism_state())
