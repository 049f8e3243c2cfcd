"""Dead and saturated units: one rule for the tracker's figures and the unit maps.

A unit is **dead** when its activation can be exactly 0 (ReLU, ReLU6) and its
output is 0 everywhere it was looked at; **saturated** when its activation is
bounded (sigmoid, hard sigmoid, tanh) and its output stays within 1 % of its
range from one bound everywhere (a sharp step between the bounds is not).

>>> dead, saturated = unit_states(outputs, "relu")   # outputs: everywhere x units
>>> float(ops.mean(ops.cast(dead, "float32")))       # the share of dead units
"""

import numpy as np

from mlscompanion._keras import ops

__all__ = ["unit_states", "probe_fractions", "activation_marks", "DEAD_ACTIVATIONS",
           "BOUNDED_ACTIVATIONS", "SATURATION", "bounds"]

#: Activations whose units can be dead: their output exactly 0.
DEAD_ACTIVATIONS = ("relu", "relu6")
#: Bounded activations, (low, high) of their output: their units can saturate.
BOUNDED_ACTIVATIONS = {"sigmoid": (0.0, 1.0), "hard_sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0)}
#: A saturated unit stays within this share of its range from one bound.
SATURATION = 0.01


def bounds(activation):
    """``(low, high)`` of a bounded activation's output, (0, 1) for any other."""
    return BOUNDED_ACTIVATIONS.get(activation, (0.0, 1.0))


def unit_states(outputs, activation=None, low=None, high=None):
    """``(dead, saturated)``: one bool per unit of ``outputs`` (everywhere x units).

    ``low``/``high`` (tensors, for a compiled caller) default to ``bounds(activation)``;
    the caller decides whether the activation can be dead or saturated at all.
    """
    if low is None:
        low, high = bounds(activation)
    gap = SATURATION * (high - low)
    dead = ops.all(outputs == 0.0, axis=0)
    saturated = ops.logical_or(ops.all(outputs <= low + gap, axis=0),
                               ops.all(outputs >= high - gap, axis=0))
    return dead, saturated


def probe_fractions(activations, sample, marks):
    """Shares of the ``sample``d units dead and saturated across the probe (float32;
    NaN where ``marks`` says the activation can be neither). Compiled by the tracker.

    ``marks``: ``(dead?, bounded?, low, high)`` as float32 (``activation_marks``).
    """
    A = ops.cast(activations, "float32")
    A = ops.take(ops.reshape(A, (-1, A.shape[-1])), sample, axis=1)  # everywhere x units
    nan = ops.cast(float("nan"), "float32")
    dead, near = unit_states(A, low=marks[2], high=marks[3])
    dead, saturated = (ops.mean(ops.cast(mask, "float32")) for mask in (dead, near))
    return ops.where(marks[0] > 0, dead, nan), ops.where(marks[1] > 0, saturated, nan)


def activation_marks(activation):
    """The float32 vector ``probe_fractions`` reads for an activation's name."""
    return np.array([activation in DEAD_ACTIVATIONS, activation in BOUNDED_ACTIVATIONS,
                     *bounds(activation)], dtype="float32")
