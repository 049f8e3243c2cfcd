"""Interleaved timing shared by the benchmark scripts.

    from timing import ratio
    r, base_s, variant_s = ratio(lambda: fit(tracked=True), lambda: fit(), repeats=5)
"""

import statistics


def ratio(variant, baseline, repeats):
    """(median variant / median baseline, median baseline, median variant),
    timing baseline and variant alternately, so a busy machine slows both alike."""
    base, var = [], []
    for _ in range(repeats):
        base.append(baseline())
        var.append(variant())
    return statistics.median(var) / statistics.median(base), statistics.median(base), statistics.median(var)
