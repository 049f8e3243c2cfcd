"""``describe_units``: the figures of one layer's units, without a tracker.

>>> describe_units(layer.kernel, layer.bias)["effective_width"]
3
"""

import math


from mlscompanion._keras import ops
from mlscompanion.tracker.figures import UnitFigures

__all__ = ["describe_units"]


def describe_units(kernel, bias=None, tol=1e-6, pair_limit=32):
    """All the figures of one layer's units, as a dict of plain Python numbers.

    Computed on the device like a tracker record, with every pair figure.
    ``pair_distances`` (the distance of each pair (0,1), (0,2), ..., (1,2))
    is kept only for layers of at most ``pair_limit`` units.

    Example:

    >>> figures = describe_units(np.array([[1.0, 1.0, 0.0]]), np.zeros(3))
    >>> figures["effective_width"], figures["pair_distances"]   # units 0 and 1 are one
    (2, [0.0, 1.0, 1.0])
    """
    kernel = ops.convert_to_tensor(kernel)
    if len(kernel.shape) < 2:
        raise ValueError(
            f"`kernel` must be at least 2-D (inputs x units); got shape {tuple(kernel.shape)}."
        )
    if kernel.shape[-1] < 2:
        raise ValueError(
            f"`kernel` must have at least 2 units (its last axis) to compare; got shape "
            f"{tuple(kernel.shape)}."
        )
    if bias is not None:
        bias = ops.convert_to_tensor(bias)
        if tuple(bias.shape) != (kernel.shape[-1],):
            raise ValueError(
                f"`bias` has {math.prod(bias.shape)} entries but the kernel has "
                f"{kernel.shape[-1]} units: expected shape ({kernel.shape[-1]},)."
            )
    figures = UnitFigures(tuple(kernel.shape), tol=tol, pair_limit=pair_limit)
    vector = figures(kernel, bias, pairs=True)
    result = figures.decode(ops.convert_to_numpy(vector), pairs=True)
    result["units"] = figures.units
    return result
