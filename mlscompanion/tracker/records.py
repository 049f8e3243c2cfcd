"""The record ``NeuronDifferentiation`` makes: one layer at one step.

Example:

>>> from mlscompanion.tracker.records import RECORD_FIELDS
>>> RECORD_FIELDS[:3]
('epoch', 'step', 'layer')

A record is a plain dict with these keys (the CSV columns, in order). The
figures are described in ``mlscompanion.tracker.figures``; ``units`` is the
layer's width and ``sampled_units`` how many of its units were described.
"""

import math

__all__ = ["RECORD_FIELDS", "FIGURE_FIELDS", "OPTIONAL_FIELDS", "parse_field"]

#: The figures of a record: one number each (NaN where not computed).
FIGURE_FIELDS = (
    "effective_width",
    "rms_distance",
    "min_distance",
    "mean_distance",
    "max_distance",
    "mean_cosine",
    "max_cosine",
    "mean_abs_correlation",
    "dead_fraction",
    "saturated_fraction",
)

#: The keys of a record, in CSV order.
RECORD_FIELDS = (
    ("epoch", "step", "layer", "units", "sampled_units")
    + FIGURE_FIELDS
    + ("pair_distances",)
)

#: Columns a CSV written by an earlier version may lack (read back as NaN).
OPTIONAL_FIELDS = ("rms_distance", "dead_fraction", "saturated_fraction")


def _count_or_nan(value):
    """Counts are ints, except NaN for a layer with NaN weights."""
    return int(value) if math.isfinite(value) else float("nan")


_PARSERS = {
    "epoch": int,
    "step": int,
    "units": int,
    "sampled_units": int,
    "effective_width": _count_or_nan,
}


def parse_field(field, text):
    """The value of ``field`` from its CSV text (numbers, NaN or the layer name)."""
    if field == "layer":
        return text
    if text in ("", "nan", None):
        return float("nan")
    return _PARSERS.get(field, float)(float(text))
