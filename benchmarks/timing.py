"""Interleaved timing shared by the benchmark scripts.

    from timing import ratio, timed_hooks
    r = ratio(lambda: fit(tracked=True), lambda: fit(), repeats=5)   # r.ratio, r.paired, ...
    tracker = timed_hooks(NeuronDifferentiation(every=1))   # tracker.hook_seconds after fit
"""

import statistics
import time
from typing import NamedTuple

#: The hooks NeuronDifferentiation defines (wrapping others would change how
#: Keras dispatches them).
TRACKER_HOOKS = ("on_train_begin", "on_epoch_begin", "on_train_batch_begin", "on_epoch_end",
                 "on_train_end")


class Ratio(NamedTuple):
    """A variant's time against its baseline's: ``ratio`` (of the medians),
    the two medians in seconds, and ``paired``: the median of each pair's
    ratio, which a machine slowed for several runs in a row (both sides of
    the pairs then) moves less than it moves the ratio of medians."""

    ratio: float
    baseline: float
    variant: float
    paired: float


def ratio(variant, baseline, repeats):
    """Time ``baseline`` and ``variant`` alternately, ``repeats`` times each,
    so a busy machine slows both alike, in the order A B, B A, A B, ... so
    neither side is always the first (or second) of a pair; return a ``Ratio``."""
    base, var = [], []
    for index in range(repeats):
        if index % 2:
            var.append(variant())
            base.append(baseline())
        else:
            base.append(baseline())
            var.append(variant())
    paired = statistics.median(v / b for v, b in zip(var, base))
    return Ratio(statistics.median(var) / statistics.median(base), statistics.median(base),
                 statistics.median(var), paired)


def timed_hooks(callback, hooks=TRACKER_HOOKS):
    """``callback`` with its ``hooks`` timed: ``callback.hook_seconds`` adds up
    the time spent in them. Their share of a fit's time is the callback's own
    cost, which a busy machine inflates like the fit itself (unlike a ratio of
    two fits, which it can inflate on one side only)."""
    callback.hook_seconds = 0.0
    for name in hooks:
        def timed(*args, _hook=getattr(callback, name), **kwargs):
            start = time.perf_counter()
            try:
                return _hook(*args, **kwargs)
            finally:
                callback.hook_seconds += time.perf_counter() - start
        setattr(callback, name, timed)
    return callback
