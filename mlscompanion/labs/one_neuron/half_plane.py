"""Lab 4's argument: a width-1 chain's decision region is a half-plane.

>>> half_plane_check(model, X).is_half_plane
True
>>> best_half_plane_accuracy(X, y)      # the best any half-plane does
"""

from dataclasses import dataclass

import keras
import numpy as np

from mlscompanion._validation import check_int, check_number
from mlscompanion.training import predict_once

__all__ = [
    "HalfPlaneCheck",
    "first_preactivation",
    "is_threshold_split",
    "is_monotone",
    "half_plane_check",
    "best_half_plane_accuracy",
    "best_monotone_mse",
]


# ----- the half-plane argument --------------------------------------------


@dataclass
class HalfPlaneCheck:
    """Is a width-1 chain's decision region ``{z > c}`` or ``{z < c}``, z = w.x + b?"""

    is_half_plane: bool  # positives and negatives are split by a threshold on z
    monotone: bool  # the output is a monotone function of z (sorted by z)
    w: np.ndarray  # first layer's weights
    b: float  # first layer's bias
    positive_fraction: float  # share of the points predicted positive
    z_range: tuple  # (min z, max z) over the points


def first_preactivation(model):
    """A model mapping x to the first Dense layer's output ``z = w.x + b``,
    and that layer's ``(w, b)``, for a width-1 chain (``dense1``) or logistic
    regression (the ``readout``: the logit). Any other model is refused:
    the half-plane argument is about plain chains of one-unit layers."""
    layers = [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
    plain = all(
        isinstance(layer, keras.layers.Activation)
        or (isinstance(layer, keras.layers.Dense) and layer.units == 1)
        for layer in layers
    )
    names = [layer.name for layer in layers]
    if not plain or not ({"dense1", "readout"} & set(names)):
        raise ValueError(
            "`model` must be a width-1 chain built by width1_chain (only Dense(1) "
            "and Activation layers, the first named 'dense1', or 'readout' for "
            f"logistic regression). Received a model with layers {names}."
        )
    layer = model.get_layer("dense1" if "dense1" in names else "readout")
    w, b = (keras.ops.convert_to_numpy(v) for v in (layer.kernel, layer.bias))
    return keras.Model(model.input, layer.output), w.reshape(-1), float(b[0])


def is_threshold_split(z, positive):
    """True when one threshold on ``z`` separates the positives from the negatives
    (``positive == (z > c)`` or ``positive == (z < c)`` for some c; an all-positive
    or all-negative set counts, it is the whole plane or the empty set)."""
    z = np.asarray(z, dtype="float64").reshape(-1)
    positive = np.asarray(positive, dtype=bool).reshape(-1)
    if z.shape != positive.shape:
        raise ValueError(
            f"`z` and `positive` must have the same length; got {z.shape[0]} and "
            f"{positive.shape[0]}."
        )
    if positive.all() or not positive.any():
        return True
    zp, zn = z[positive], z[~positive]
    return bool(zn.max() < zp.min() or zp.max() < zn.min())


def is_monotone(z, values, tol=1e-6):
    """True when ``values`` sorted by ``z`` never go up and down by more than
    ``tol``: non-decreasing or non-increasing, up to round-off.

    The default ``tol`` allows float32 round-off: the backend's kernels can
    differ in the last bit from one row to the next (measured: steps of one
    unit in the last place, 6e-8 near 0.5, against the trend).
    """
    z = np.asarray(z, dtype="float64").reshape(-1)
    values = np.asarray(values, dtype="float64").reshape(-1)
    if z.shape != values.shape:
        raise ValueError(
            f"`z` and `values` must have the same length; got {z.shape[0]} and "
            f"{values.shape[0]}."
        )
    check_number(tol, "tol", minimum=0)
    order = np.argsort(z, kind="stable")
    steps = np.diff(values[order])
    return bool(np.all(steps >= -tol) or np.all(steps <= tol))


def half_plane_check(model, points):
    """Check the half-plane claim for a width-1 chain on ``points`` (n, 2).

    Computes ``z = w.x + b`` (the first unit's pre-activation, exactly as the
    model computes it) and the prediction on every point in one vectorized
    call each, then checks (a) the output is monotone in z and (b) the
    predicted-positive points are exactly those on one side of a threshold
    on z, i.e. of the line ``w.x + b = c``.

    Example:

    >>> check = half_plane_check(model, grid_points(steps=101))
    >>> check.is_half_plane, check.monotone
    (True, True)
    """
    points = np.asarray(points, dtype="float32")
    if points.ndim != 2:
        raise ValueError(f"`points` must be 2-D (n, features); got shape {points.shape}.")
    z_model, w, b = first_preactivation(model)
    z = predict_once(z_model, points).reshape(-1)
    p = predict_once(model, points).reshape(-1)
    positive = p > 0.5
    return HalfPlaneCheck(
        is_half_plane=is_threshold_split(z, positive),
        monotone=is_monotone(z, p),
        w=w,
        b=b,
        positive_fraction=float(positive.mean()),
        z_range=(float(z.min()), float(z.max())),
    )


def best_half_plane_accuracy(X, y, angles=720):
    """The best accuracy (%) any half-plane classifier gets on ``(X, y)``.

    For each of ``angles`` directions u (every 360/angles degrees) every
    threshold on ``u.x`` is tried, on both sides, in one vectorized pass;
    the result is a close lower bound of the exact optimum (it is exact up to
    the angle resolution). Example: a disc covering half the square gives
    about 66%.
    """
    X = np.asarray(X, dtype="float64")
    y = np.asarray(y).reshape(-1) > 0.5
    if X.ndim != 2 or X.shape[1] != 2 or X.shape[0] != y.shape[0]:
        raise ValueError(
            f"`X` must have shape (n, 2) and `y` n labels; got X {X.shape}, y {y.shape}."
        )
    angles = check_int(angles, "angles", 1)
    theta = np.linspace(0.0, np.pi, angles, endpoint=False)
    directions = np.stack([np.cos(theta), np.sin(theta)])  # (2, angles)
    projection = (X @ directions).T  # (angles, n)
    order = np.argsort(projection, axis=1, kind="stable")
    labels = y[order]
    sorted_proj = np.take_along_axis(projection, order, axis=1)
    n = y.shape[0]
    # predict positive above the threshold after the first k sorted points:
    # correct = negatives among the first k + positives among the rest
    negatives_below = np.concatenate(
        [np.zeros((angles, 1)), np.cumsum(~labels, axis=1)], axis=1
    )
    positives_above = y.sum() - np.concatenate(
        [np.zeros((angles, 1)), np.cumsum(labels, axis=1)], axis=1
    )
    correct = negatives_below + positives_above  # (angles, n + 1)
    # a threshold can only fall between two different projections
    valid = np.ones_like(correct, dtype=bool)
    valid[:, 1:-1] = np.diff(sorted_proj, axis=1) > 0
    correct = np.where(valid, np.maximum(correct, n - correct), -1)
    return float(100.0 * correct.max() / n)


def _increasing_fit(values):
    """Least-squares non-decreasing fit to ``values`` (pool adjacent violators)."""
    means, weights = [], []
    for v in values:
        means.append(float(v))
        weights.append(1)
        while len(means) > 1 and means[-2] > means[-1]:
            w = weights[-2] + weights[-1]
            m = (means[-2] * weights[-2] + means[-1] * weights[-1]) / w
            means[-2:], weights[-2:] = [m], [w]
    return np.repeat(means, weights)


def best_monotone_mse(x, y):
    """The lowest MSE any monotone function of ``x`` reaches on ``(x, y)``.

    A width-1 chain with 1-D input computes ``g(w x + b)`` with ``g``
    monotone, so its training MSE can never go below this number. Computed
    exactly (isotonic regression, increasing and decreasing).

    Example:

    >>> x = np.linspace(-1, 1, 201)
    >>> round(best_monotone_mse(x, np.abs(x)), 3)   # (the V cannot be followed)
    0.057
    """
    x = np.asarray(x, dtype="float64").reshape(-1)
    y = np.asarray(y, dtype="float64").reshape(-1)
    if x.shape != y.shape or x.size == 0:
        raise ValueError(
            f"`x` and `y` must hold the same number (> 0) of values; got {x.size} and {y.size}."
        )
    ys = y[np.argsort(x, kind="stable")]
    up = np.mean((ys - _increasing_fit(ys)) ** 2)
    down = np.mean((ys + _increasing_fit(-ys)) ** 2)
    return float(min(up, down))
