"""The cost of one tracker record as a layer grows wider, on any backend and device.

    python benchmarks/bench_wide_tracker.py [--repeats 5] [--quick]
    KERAS_BACKEND=jax python benchmarks/bench_wide_tracker.py

For one Dense(width) layer on 784 inputs: the seconds of a record with the
O(units x fan-in) figures only (what a batch record of a wide layer
computes) and with every pair figure (a record at an epoch end), waiting
for the result each time (``convert_to_numpy``). The one-off compilation
per shape is timed apart. Then the worst case for the grouping behind the
effective width (every unit identical) and ``max_units=1024``.
(The overhead on a whole ``fit`` is measured by ``bench_mlp.py``.)
"""

import argparse
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402

from mlscompanion.tracker.figures import UnitFigures  # noqa: E402


def layer_weights(width, features=784, identical=False):
    rng = np.random.default_rng(width)
    columns = 1 if identical else width
    kernel = rng.normal(size=(features, columns)).astype("float32")
    kernel = np.repeat(kernel, width, axis=1) if identical else kernel
    return keras.ops.convert_to_tensor(kernel), keras.ops.convert_to_tensor(np.zeros(width, "float32"))


def seconds(call, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def record_cost(width, repeats, identical=False, max_units=None):
    """(compile s, cheap record s, full record s, effective width) for one layer."""
    kernel, bias = layer_weights(width, identical=identical)
    sample = None
    if max_units is not None and width > max_units:
        sample = np.sort(np.random.default_rng(0).choice(width, max_units, replace=False))
    figures = UnitFigures(kernel.shape, sample=sample)
    fetch = keras.ops.convert_to_numpy
    start = time.perf_counter()
    fetch(figures(kernel, bias)), fetch(figures(kernel, bias, pairs=True))
    compile_s = time.perf_counter() - start
    cheap = seconds(lambda: fetch(figures(kernel, bias)), repeats)
    full = seconds(lambda: fetch(figures(kernel, bias, pairs=True)), repeats)
    width_found = figures.decode(fetch(figures(kernel, bias)))["effective_width"]
    return compile_s, cheap, full, width_found


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="widths up to 1024")
    args = parser.parse_args()
    print(f"backend {keras.backend.backend()}; one Dense(width) layer on 784 inputs, "
          f"median of {args.repeats}")
    print(f"{'width':>6}{'compile s':>11}{'cheap s':>10}{'all pairs s':>13}{'eff. width':>11}")
    widths = [64, 256, 1024] + ([] if args.quick else [2048, 4096])
    for width in widths:
        c, cheap, full, eff = record_cost(width, args.repeats)
        print(f"{width:>6}{c:>11.3f}{cheap:>10.4f}{full:>13.4f}{eff:>11}")
    top = widths[-1]
    for label, kwargs in (("all units identical", dict(identical=True)),
                          ("max_units=1024", dict(max_units=1024))):
        c, cheap, full, eff = record_cost(top, args.repeats, **kwargs)
        print(f"{top:>6}{c:>11.3f}{cheap:>10.4f}{full:>13.4f}{eff:>11}   {label}")


if __name__ == "__main__":
    main()
