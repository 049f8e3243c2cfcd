"""A short stable hash of a model's weights, to compare runs and machines.

Two runs started the same way give the same fingerprint; print it at the
start and the end of a fit to see which part of a run changed.

Example:

>>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3)])
>>> len(mlscompanion.fingerprint(model))
16
"""

import hashlib

import numpy as np

from mlscompanion import _validation

__all__ = ["fingerprint"]


def fingerprint(model, decimals=None):
    """A short stable hash of all the model's weights (values, shapes, order).

    Exact by default (bit for bit); with ``decimals`` the weights are rounded
    first, so tiny float differences between machines do not change it.

    Example:

    >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3)])
    >>> len(mlscompanion.fingerprint(model))        # e.g. '3f9a1c0b7d2e4a61'
    16
    >>> mlscompanion.fingerprint(model, decimals=4) == mlscompanion.fingerprint(model, decimals=4)
    True
    """
    if decimals is not None and not (_validation.is_int(decimals) and decimals >= 0):
        _validation.fail("decimals", decimals, "None or a non-negative int")
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
