"""Weight constraints that keep chosen units, inputs or single weights tied.

Keras applies a constraint after every optimizer step (never at
initialization). Each constraint here is a projection: tied entries are
replaced by their group mean, so applying it twice equals applying it once.
They use ``keras.ops`` only, so they run inside compiled train steps on every
backend.

In the forum's 2-2-1 notation (w1, w2 into unit 1; w3, w4 into unit 2; w5, w6
into the output unit), ``TieUnits([[0, 1]])`` on layer 1's kernel and bias
gives w1=w3, w2=w4, and ``TieInputs([[0, 1]])`` on layer 2's kernel gives
w5=w6.
"""

import keras
import numpy as np
from keras import ops

from mlscompanion import _validation

__all__ = ["TieUnits", "TieInputs", "TieEntries"]


def _tie_along(w, groups, axis):
    """Replace the slices of ``w`` along ``axis`` in each group by their mean.

    The mean is taken as ``first + mean(x - first)`` so that a group whose
    members are already equal comes back bit-identical (exact idempotence),
    and every member is a gather of one computed value (bit-identical ties).
    """
    size = w.shape[axis]
    index_map = np.arange(size)
    parts = [w]
    for k, group in enumerate(groups):
        first = ops.take(w, group[:1], axis=axis)
        members = ops.take(w, group, axis=axis)
        parts.append(first + ops.mean(members - first, axis=axis, keepdims=True))
        index_map[group] = size + k
    extended = ops.concatenate(parts, axis=axis)
    return ops.take(extended, index_map.tolist(), axis=axis)


class _AxisTie(keras.constraints.Constraint):
    _axis = None
    _what = None

    def __init__(self, groups):
        self.groups = _validation.check_index_groups(groups)

    def _check_shape(self, shape):
        shape = tuple(shape)
        if len(shape) < self._min_rank:
            raise ValueError(
                f"{type(self).__name__}(groups={self.groups}) needs a weight of "
                f"rank >= {self._min_rank} but got shape {shape}. "
                f"{self._rank_hint}"
            )
        axis = self._axis % len(shape)
        _validation.check_groups_fit(self.groups, shape[axis], self._what, shape)

    def __call__(self, w):
        w = ops.convert_to_tensor(w)
        self._check_shape(w.shape)
        return _tie_along(w, self.groups, self._axis)

    def get_config(self):
        return {"groups": [list(g) for g in self.groups]}


@keras.saving.register_keras_serializable(package="mlscompanion")
class TieUnits(_AxisTie):
    """Keeps units of a layer identical: ties along the last axis.

    On a Dense kernel (inputs x units) a unit is a column, its incoming
    weights; on a bias a unit is one entry. Use it for both, so the units
    compute the same thing.

    Example:

    >>> tie = mlscompanion.constraints.TieUnits([[0, 1]])
    >>> layer = keras.layers.Dense(2, kernel_constraint=tie, bias_constraint=tie)
    >>> tie(np.array([[1.0, 3.0], [2.0, 4.0]])).tolist()  # w1=w3, w2=w4
    [[2.0, 2.0], [3.0, 3.0]]

    Args:
        groups: list of groups of unit indices, e.g. ``[[0, 1], [2, 3, 4]]``.
            Each group has at least two units; a unit is in at most one group.
    """

    _axis = -1
    _what = "unit"
    _min_rank = 1
    _rank_hint = "Use it as a kernel_constraint or bias_constraint of a Dense layer."


@keras.saving.register_keras_serializable(package="mlscompanion")
class TieInputs(_AxisTie):
    """Ties the rows of a kernel: the weights *from* chosen previous units.

    On the output layer of the forum's 2-2-1 network,
    ``TieInputs([[0, 1]])`` keeps w5 = w6, so both hidden units receive the
    same gradient signal.

    Example:

    >>> tie = mlscompanion.constraints.TieInputs([[0, 1]])
    >>> layer = keras.layers.Dense(1, kernel_constraint=tie)
    >>> tie(np.array([[1.0], [3.0]])).tolist()
    [[2.0], [2.0]]

    Args:
        groups: list of groups of input indices (kernel rows).
    """

    _axis = 0
    _what = "input"
    _min_rank = 2
    _rank_hint = "TieInputs ties kernel rows; use TieUnits for a bias."


@keras.saving.register_keras_serializable(package="mlscompanion")
class TieEntries(keras.constraints.Constraint):
    """Ties arbitrary entries of a weight: each group is a list of index tuples.

    Example:

    >>> tie = mlscompanion.constraints.TieEntries([[(0, 0), (1, 1)]])
    >>> tie(np.array([[1.0, 5.0], [6.0, 3.0]])).tolist()
    [[2.0, 5.0], [6.0, 2.0]]

    Args:
        groups: list of groups, each a list of index tuples into the weight,
            e.g. ``[[(0, 0), (0, 1)]]`` ties kernel[0, 0] and kernel[0, 1].
            Integers are accepted for 1-D weights (biases).
    """

    def __init__(self, groups):
        self.groups = _validation.check_entry_groups(groups)

    def __call__(self, w):
        w = ops.convert_to_tensor(w)
        shape = tuple(w.shape)
        _validation.check_entries_fit(self.groups, shape)
        flat_groups = [
            [int(np.ravel_multi_index(entry, shape)) for entry in group]
            for group in self.groups
        ]
        flat = ops.reshape(w, (-1,))
        return ops.reshape(_tie_along(flat, flat_groups, 0), shape)

    def get_config(self):
        return {"groups": [[list(e) for e in g] for g in self.groups]}
