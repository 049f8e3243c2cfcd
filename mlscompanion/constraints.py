"""Weight constraints that keep chosen units, inputs or single weights tied.

Keras applies a constraint after every optimizer step (never at
initialization). Each constraint here is a projection: tied entries are
replaced by their group mean, so applying it twice equals applying it once.
They use ``keras.ops`` only, so they run inside compiled train steps on every
backend.

In the forum's 2-2-1 notation (w1, w2 into unit 1; w3, w4 into unit 2; w5, w6
into the output unit), ``TieUnits([[0, 1]])`` on layer 1's kernel and bias
gives w1=w3, w2=w4, and ``TieInputs([[0, 1]])`` on layer 2's kernel gives
w5=w6. On a convolution the units are the filters: ``TieUnits`` ties
``kernel[..., j]`` and ``bias[j]``, ``TieInputs`` the input channels
``kernel[..., i, :]``.

The index arrays a constraint needs are built once per weight shape (not at
every step): as NumPy constants while a compiled step is traced (TensorFlow
graphs, ``jax.jit``), otherwise as tensors converted once per device.
"""

import numpy as np

from mlscompanion._keras import keras, ops
from mlscompanion import _validation
from mlscompanion.devices import device_name

__all__ = ["TieUnits", "TieInputs", "TieEntries"]


def _tie_plan(groups, size):
    """Index arrays that tie ``groups`` of positions along an axis of ``size``.

    Groups of one size are gathered together: for each size k there is an
    ``(n, k)`` array of members, each row a group in its order. The last
    array maps every position to itself, or to its group's mean in the
    tensor extended by the means (see ``_tie_along``).
    """
    by_size = {}
    for group in groups:
        by_size.setdefault(len(group), []).append(group)
    dtype = "int64" if keras.backend.backend() == "torch" else "int32"  # torch gathers with int64
    index_map = np.arange(size)
    arrays = []
    for k in sorted(by_size):
        arrays.append(np.asarray(by_size[k], dtype=dtype))
        for row, group in enumerate(by_size[k]):
            index_map[group] = size + row
        size += len(by_size[k])
    return arrays + [index_map.astype(dtype)]


#: A tie whose result has at most this many runs along the axis (untied
#: positions, or positions that take one group's mean) is put together from
#: slices; one with more is one gather. A few slices cost a train step less
#: than a gather over the whole kernel (benchmarks/bench_constraint_step.py
#: measures both); many runs would mean many small ops per step.
SLICE_RUNS = 64


def _tie_runs(index_map):
    """The runs of ``_tie_plan``'s ``index_map`` (NumPy), in order: ``(False,
    start, stop)`` for positions kept as they are, ``(True, row, count)``
    for ``count`` positions that take row ``row`` of the means; None when
    there are more than ``SLICE_RUNS``."""
    size = len(index_map)
    runs, start = [], 0
    for position in range(1, size + 1):
        if position < size:
            now, before = int(index_map[position]), int(index_map[position - 1])
            if now == before or (now == position and before == position - 1):
                continue  # the same mean, or the next kept position
        first = int(index_map[start])
        runs.append((True, first - size, position - start) if first >= size
                    else (False, start, position))
        if len(runs) > SLICE_RUNS:
            return None
        start = position
    return runs


def _slice(w, start, stop, axis):
    return w[(slice(None),) * axis + (slice(start, stop),)]


def _tie_along(w, indices, axis, runs=None):
    """Replace the slices of ``w`` along ``axis`` in each group by their mean.

    The mean is taken as ``first + mean(x - first)`` so that a group whose
    members are already equal comes back bit-identical (exact idempotence),
    and every member is a copy of one computed value (bit-identical ties).
    ``indices`` comes from ``_tie_plan``; with ``runs`` (``_tie_runs``) the
    result is put together from slices of ``w`` and of the means, otherwise
    gathered from both at once.
    """
    axis = axis % len(w.shape)
    *groups, index_map = indices
    lead = (slice(None),) * (axis + 1)  # to index the members' axis of a gather
    means = []
    for members in groups:
        gathered = ops.take(w, members, axis=axis)  # shape[:axis] + (n, k) + shape[axis + 1:]
        first = gathered[lead + (slice(0, 1),)]  # each group's first member, kept as an axis
        means.append(gathered[lead + (0,)] + ops.mean(gathered - first, axis=axis + 1))
    if runs is None:
        return ops.take(ops.concatenate([w] + means, axis=axis), index_map, axis=axis)
    means = ops.concatenate(means, axis=axis) if len(means) > 1 else means[0]
    parts = []
    for is_mean, start, stop_or_count in runs:
        if not is_mean:
            parts.append(_slice(w, start, stop_or_count, axis))
            continue
        mean = _slice(means, start, start + 1, axis)
        parts.append(mean if stop_or_count == 1 else ops.repeat(mean, stop_or_count, axis=axis))
    return parts[0] if len(parts) == 1 else ops.concatenate(parts, axis=axis)


def _traced(w):
    """True while a compiled step is traced: NumPy indices then become constants."""
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        return not tf.executing_eagerly()
    if backend == "jax":
        import jax

        return isinstance(w, jax.core.Tracer)
    return False


def _to_index_tensor(array, like):
    """``array`` as a tensor on ``like``'s device; called once per shape and device."""
    if keras.backend.backend() == "torch":
        with keras.device(str(like.device)):
            return ops.convert_to_tensor(array)
    return ops.convert_to_tensor(array)


class _Tie(keras.constraints.Constraint):
    """A tie constraint that builds its index arrays once per weight shape."""

    def __init__(self):
        self._plans = {}  # shape -> NumPy index arrays
        self._runs = {}  # shape -> _tie_runs of its plan
        self._tensors = {}  # (shape, device) -> the same arrays as tensors

    def _plan(self, shape):
        """Validate ``shape`` and return the NumPy index arrays for it."""
        raise NotImplementedError

    def _apply(self, w, indices):
        raise NotImplementedError

    def _indices(self, w):
        shape = tuple(w.shape)
        if shape not in self._plans:
            self._plans[shape] = self._plan(shape)
            self._runs[shape] = _tie_runs(self._plans[shape][-1])
        if _traced(w):
            return self._plans[shape]
        key = (shape, device_name(w))
        if key not in self._tensors:
            self._tensors[key] = [_to_index_tensor(a, w) for a in self._plans[shape]]
        return self._tensors[key]

    def __call__(self, w):
        w = ops.convert_to_tensor(w)
        return self._apply(w, self._indices(w))


class _AxisTie(_Tie):
    _axis = None
    _what = None

    def __init__(self, groups):
        super().__init__()
        self.groups = _validation.check_index_groups(groups)

    def _plan(self, shape):
        if len(shape) < self._min_rank:
            raise ValueError(
                f"{type(self).__name__}(groups={self.groups}) needs a weight of "
                f"rank >= {self._min_rank} but got shape {shape}. "
                f"{self._rank_hint}"
            )
        size = shape[self._axis]
        _validation.check_groups_fit(self.groups, size, self._what, shape)
        return _tie_plan(self.groups, size)

    def _apply(self, w, indices):
        return _tie_along(w, indices, self._axis, self._runs[tuple(w.shape)])

    def get_config(self):
        return {"groups": [list(g) for g in self.groups]}


@keras.saving.register_keras_serializable(package="mlscompanion")
class TieUnits(_AxisTie):
    """Keeps units of a layer identical: ties along the last axis.

    On a Dense kernel (inputs x units) a unit is a column, its incoming
    weights; on a bias a unit is one entry. On a Conv1D/2D/3D kernel
    (..., input channels, filters) a unit is a filter, ``kernel[..., j]``.
    Use it for the kernel and the bias, so the units compute the same thing.

    Example:

    >>> tie = mlscompanion.constraints.TieUnits([[0, 1]])
    >>> layer = keras.layers.Dense(2, kernel_constraint=tie, bias_constraint=tie)
    >>> keras.ops.convert_to_numpy(tie(np.array([[1.0, 3.0], [2.0, 4.0]]))).tolist()  # w1=w3, w2=w4
    [[2.0, 2.0], [3.0, 3.0]]

    Args:
        groups: list of groups of unit indices, e.g. ``[[0, 1], [2, 3, 4]]``.
            Each group has at least two units; a unit is in at most one group.
    """

    _axis = -1
    _what = "unit"
    _min_rank = 1
    _rank_hint = "Use it as a kernel_constraint or bias_constraint of a Dense or Conv layer."


@keras.saving.register_keras_serializable(package="mlscompanion")
class TieInputs(_AxisTie):
    """Ties the weights *from* chosen previous units: the kernel's inputs axis.

    The inputs axis is the second to last: the rows of a Dense kernel, the
    input channels ``kernel[..., i, :]`` of a Conv1D/2D/3D kernel. On the
    output layer of the forum's 2-2-1 network, ``TieInputs([[0, 1]])`` keeps
    w5 = w6, so both hidden units receive the same gradient signal.

    Example:

    >>> tie = mlscompanion.constraints.TieInputs([[0, 1]])
    >>> layer = keras.layers.Dense(1, kernel_constraint=tie)
    >>> keras.ops.convert_to_numpy(tie(np.array([[1.0], [3.0]]))).tolist()
    [[2.0], [2.0]]

    Args:
        groups: list of groups of input indices (kernel rows, or input channels).
    """

    _axis = -2
    _what = "input"
    _min_rank = 2
    _rank_hint = "TieInputs ties kernel rows; use TieUnits for a bias."


@keras.saving.register_keras_serializable(package="mlscompanion")
class TieEntries(_Tie):
    """Ties arbitrary entries of a weight: each group is a list of index tuples.

    Example:

    >>> tie = mlscompanion.constraints.TieEntries([[(0, 0), (1, 1)]])
    >>> keras.ops.convert_to_numpy(tie(np.array([[1.0, 5.0], [6.0, 3.0]]))).tolist()
    [[2.0, 5.0], [6.0, 2.0]]

    Args:
        groups: list of groups, each a list of index tuples into the weight,
            e.g. ``[[(0, 0), (0, 1)]]`` ties kernel[0, 0] and kernel[0, 1].
            Integers are accepted for 1-D weights (biases).
    """

    def __init__(self, groups):
        super().__init__()
        self.groups = _validation.check_entry_groups(groups)

    def _plan(self, shape):
        _validation.check_entries_fit(self.groups, shape)
        flat_groups = [
            [int(np.ravel_multi_index(entry, shape)) for entry in group]
            for group in self.groups
        ]
        return _tie_plan(flat_groups, int(np.prod(shape, dtype="int64")))

    def _apply(self, w, indices):
        flat = ops.reshape(w, (-1,))
        return ops.reshape(_tie_along(flat, indices, 0, self._runs[tuple(w.shape)]), w.shape)

    def get_config(self):
        return {"groups": [[list(e) for e in g] for g in self.groups]}
