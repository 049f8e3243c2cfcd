"""Initializers that set explicit values or make units identical or tied.

Keras' own ``Constant`` takes a scalar only; ``FromArray`` takes any array.
``IdenticalUnits`` and ``TiedUnits`` build the symmetric starts that the
forum threads ask about ("what if the neurons start identical?").

Seeds follow Keras: an int seed gives the same values every call; with
``seed=None`` a seed is drawn once, at construction, from Python's
``random`` (seeded by ``mlscompanion.set_seed``).
"""

import inspect

import numpy as np

from mlscompanion._keras import keras, ops
from mlscompanion import _validation

__all__ = ["FromArray", "IdenticalUnits", "TiedUnits"]


@keras.saving.register_keras_serializable(package="mlscompanion")
class FromArray(keras.initializers.Initializer):
    """Initializes a weight with explicit values.

    Example:

    >>> init = mlscompanion.initializers.FromArray([[0.25, 0.25], [-0.5, -0.5]])
    >>> layer = keras.layers.Dense(2, kernel_initializer=init)
    >>> layer.build((None, 2))
    >>> keras.ops.convert_to_numpy(layer.kernel).tolist()
    [[0.25, 0.25], [-0.5, -0.5]]

    Args:
        values: nested lists or an array; its shape must equal the weight's.
    """

    def __init__(self, values):
        try:
            array = np.asarray(values, dtype="float64")
        except (TypeError, ValueError) as error:
            raise ValueError(
                "`values` must be numbers in nested lists or an array, e.g. "
                f"[[0.2, 0.2], [-0.5, -0.5]]. Received: values={values!r} "
                f"({error})"
            ) from None
        if not np.all(np.isfinite(array)):
            raise ValueError(
                f"`values` holds NaN or infinity: {array.tolist()!r}. "
                "Give finite numbers."
            )
        self.values = array

    def __call__(self, shape, dtype=None):
        shape = tuple(shape)
        if self.values.shape != shape:
            raise ValueError(
                f"FromArray holds values of shape {self.values.shape} but the "
                f"weight has shape {shape}. For a Dense(units) kernel the shape "
                "is (inputs, units); for its bias it is (units,)."
            )
        return ops.convert_to_tensor(self.values, dtype=dtype or "float32")

    def get_config(self):
        return {"values": self.values.tolist()}


def _resolve_base(base, seed):
    """Return an initializer instance for ``base``, passing ``seed`` if it takes one."""
    if isinstance(base, keras.initializers.Initializer):
        return base
    if isinstance(base, dict):
        return keras.initializers.deserialize(base)
    if isinstance(base, str):
        try:
            instance = keras.initializers.get(base)
        except ValueError:
            raise ValueError(
                f"Unknown initializer base={base!r}. Use a Keras initializer "
                "name such as 'glorot_uniform', 'he_normal', 'random_normal', "
                "or an initializer instance."
            ) from None
        cls = type(instance)
        if "seed" in inspect.signature(cls.__init__).parameters:
            return cls(seed=seed)
        return instance
    raise ValueError(
        f"`base` must be a Keras initializer name or instance. Received: "
        f"base={base!r} of type {type(base).__name__}."
    )


def _check_seed(seed):
    if seed is not None and not _validation.is_int(seed):
        raise ValueError(
            f"`seed` must be an integer or None. Received: seed={seed!r}"
        )


class _TyingInitializer(keras.initializers.Initializer):
    def __init__(self, base="glorot_uniform", seed=None):
        _check_seed(seed)
        self.seed = seed
        self._base_arg = base
        self.base = _resolve_base(base, seed)

    def _source_map(self, units):
        raise NotImplementedError

    def __call__(self, shape, dtype=None):
        shape = tuple(shape)
        if len(shape) < 1:
            raise ValueError(
                f"{type(self).__name__} needs a weight with a units axis; got "
                f"the scalar shape {shape}."
            )
        values = self.base(shape, dtype=dtype)
        return ops.take(values, self._source_map(shape), axis=-1)

    def get_config(self):
        base = self._base_arg
        if not isinstance(base, str):
            base = keras.initializers.serialize(self.base)
        return {"base": base, "seed": self.seed}


@keras.saving.register_keras_serializable(package="mlscompanion")
class IdenticalUnits(_TyingInitializer):
    """Every unit gets the same incoming weights (all kernel columns equal).

    One column is drawn with ``base`` (on the full shape, so its scale is the
    scale ``base`` would give) and repeated across all units. On a
    Conv1D/2D/3D kernel the units are the filters: every ``kernel[..., j]``
    is the same.

    Example:

    >>> init = mlscompanion.initializers.IdenticalUnits(seed=1)
    >>> layer = keras.layers.Dense(3, kernel_initializer=init)
    >>> layer.build((None, 2))
    >>> kernel = keras.ops.convert_to_numpy(layer.kernel)
    >>> bool((kernel[:, 0] == kernel[:, 1]).all() and (kernel[:, 1] == kernel[:, 2]).all())
    True

    Args:
        base: Keras initializer (name or instance) to draw the column with.
        seed: int for the same values every call, or None.
    """

    def _source_map(self, shape):
        return [0] * shape[-1]


@keras.saving.register_keras_serializable(package="mlscompanion")
class TiedUnits(_TyingInitializer):
    """Units in a group start with the group's first unit's weights.

    Units are the last axis: kernel columns of a Dense layer, filters
    ``kernel[..., j]`` of a Conv1D/2D/3D layer.

    Example:

    >>> init = mlscompanion.initializers.TiedUnits([[0, 2]], seed=1)
    >>> layer = keras.layers.Dense(3, kernel_initializer=init)
    >>> layer.build((None, 2))
    >>> kernel = keras.ops.convert_to_numpy(layer.kernel)
    >>> bool((kernel[:, 2] == kernel[:, 0]).all()), bool((kernel[:, 1] == kernel[:, 0]).all())
    (True, False)

    Args:
        groups: list of groups of unit indices, e.g. ``[[0, 1]]``.
        base: Keras initializer (name or instance) for the draw.
        seed: int for the same values every call, or None.
    """

    def __init__(self, groups, base="glorot_uniform", seed=None):
        self.groups = _validation.check_index_groups(groups)
        super().__init__(base=base, seed=seed)

    def _source_map(self, shape):
        units = shape[-1]
        _validation.check_groups_fit(self.groups, units, "unit", shape)
        source = list(range(units))
        for group in self.groups:
            for unit in group:
                source[unit] = group[0]
        return source

    def get_config(self):
        config = super().get_config()
        config["groups"] = [list(g) for g in self.groups]
        return config
