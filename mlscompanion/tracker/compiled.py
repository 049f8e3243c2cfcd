"""A hot function compiled the way the running backend compiles one, once per signature.

>>> double = compile_for_backend(lambda x: 2 * x)        # jax.jit, tf.function(XLA) or no_grad
>>> body = compiled_once(_figures, signature, static=("pairs",))  # one trace per signature
>>> vector = body(weights, ...)

``jax.jit`` with static arguments, ``tf.function(jit_compile=True)``, or
plain PyTorch under ``no_grad``. The unit figures use it (``figures.py``).
"""

from mlscompanion._keras import keras

__all__ = ["compile_for_backend", "compiled_once"]

_COMPILED = {}


def compile_for_backend(fn, static=()):
    """``fn`` compiled the way the running backend compiles a hot function.

    ``static``: names of arguments that are Python values (one trace each).
    """
    backend = keras.backend.backend()
    if backend == "jax":
        import jax

        return jax.jit(fn, static_argnames=static)
    if backend == "tensorflow":
        import tensorflow as tf

        return tf.function(fn, jit_compile=True)
    if backend == "torch":
        import torch

        def no_grad(*args, **kwargs):
            with torch.no_grad():
                return fn(*args, **kwargs)

        return no_grad
    return fn


def compiled_once(fn, signature, static=()):
    """``fn`` compiled for one call signature (shapes, layout, pairs),
    built once per process and backend and shared by every tracker.

    One compiled function per signature, so each traces once: TensorFlow
    would otherwise warn about "retracing" when a model has layers of
    several shapes. A signature names its body when two bodies could share
    it; ``static`` as for ``compile_for_backend``.
    """
    key = (keras.backend.backend(), signature)
    if key not in _COMPILED:
        _COMPILED[key] = compile_for_backend(fn, static=static)
    return _COMPILED[key]
