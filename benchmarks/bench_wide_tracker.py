"""The tracker on wide layers: overhead on a big MLP, and its own cost vs width.

    python benchmarks/bench_wide_tracker.py [--repeats 2] [--epochs 2] [--quick]

1. Per-epoch overhead of ``NeuronDifferentiation()`` on an MLP of three
   Dense(1024) layers fit on 60,000 x 784 synthetic inputs (target <= 1.05x
   plain fit). Measured two ways in the same run: fits with and without
   the tracker, interleaved, per epoch (ratio of medians; it includes the
   record taken before training; noisy on a shared machine), and plain
   epoch time plus the time of one record, timed alone (steadier).
2. The tracker's own time for one record of one Dense(width) layer on 784
   inputs, width 64 -> 4096, with the peak memory it allocates; then the
   worst case for grouping (every unit identical) and ``max_units=1024``.
"""

import argparse
import os
import statistics
import time
import tracemalloc

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402

import mlscompanion as mlc  # noqa: E402
from mlscompanion.callbacks import NeuronDifferentiation, describe_units  # noqa: E402


def synthetic_data(rows, features=784, classes=10, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.random((rows, features), dtype=np.float32)
    y = rng.integers(0, classes, rows)
    return x, y


def wide_mlp(width=1024, features=784):
    mlc.set_seed(1234, deterministic=False)
    model = keras.Sequential(
        [keras.Input((features,))]
        + [keras.layers.Dense(width, activation="relu", name=f"dense{i + 1}") for i in range(3)]
        + [keras.layers.Dense(10, activation="softmax", name="out")]
    )
    model.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
    return model


def time_fit(model, x, y, epochs, batch_size, callbacks=()):
    start = time.perf_counter()
    model.fit(x, y, epochs=epochs, batch_size=batch_size, verbose=0, callbacks=list(callbacks))
    return time.perf_counter() - start


def overhead(rows, epochs, batch_size, repeats):
    """Median seconds per epoch, plain and tracked, and of one record (3 layers)."""
    x, y = synthetic_data(rows)
    model = wide_mlp()
    model.fit(x[:batch_size * 2], y[:batch_size * 2], epochs=1, batch_size=batch_size, verbose=0)
    plain, tracked = [], []
    for _ in range(repeats):  # interleaved, so a busy machine slows both alike
        plain.append(time_fit(model, x, y, epochs, batch_size) / epochs)
        # epochs + 1 records: one before training, one after each epoch
        tracked.append(time_fit(model, x, y, epochs, batch_size, [NeuronDifferentiation()]) / epochs)
    record_times = []
    for _ in range(3):
        tracker = NeuronDifferentiation()
        tracker.set_model(model)
        start = time.perf_counter()
        tracker.record()
        record_times.append(time.perf_counter() - start)
    return statistics.median(plain), statistics.median(tracked), statistics.median(record_times)


def record_cost(width, features=784, identical=False, max_units=None, repeats=3):
    """Seconds and peak MiB of describing one Dense(width) layer's units."""
    rng = np.random.default_rng(width)
    if identical:
        kernel = np.repeat(rng.normal(size=(features, 1)), width, axis=1).astype("float32")
    else:
        kernel = rng.normal(size=(features, width)).astype("float32")
    bias = np.zeros(width, "float32")
    if max_units is not None and width > max_units:
        sample = np.sort(np.random.default_rng(0).choice(width, max_units, replace=False))
        kernel, bias = kernel[:, sample], bias[sample]
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        figures = describe_units(kernel, bias)
        times.append(time.perf_counter() - start)
    tracemalloc.start()
    describe_units(kernel, bias)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return statistics.median(times), peak, figures["effective_width"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="6,000 rows and widths up to 1024")
    args = parser.parse_args()
    rows = 6_000 if args.quick else 60_000
    batch_size = 128
    print(f"backend {keras.backend.backend()}; MLP 784 -> 3 x Dense(1024) -> 10, "
          f"{rows} x 784 inputs, batch {batch_size}, fits of {args.epochs} epochs, "
          f"{args.repeats} interleaved repeats")
    plain, tracked, record = overhead(rows, args.epochs, batch_size, args.repeats)
    print(f"{'plain epoch s':>14}{'tracked s':>11}{'ratio':>8}"
          f"{'record s':>11}{'(epoch+record)/epoch':>22}{'target':>8}")
    print(f"{plain:>14.2f}{tracked:>11.2f}{tracked / plain:>8.3f}"
          f"{record:>11.3f}{(plain + record) / plain:>22.4f}{1.05:>8.2f}")

    print("\none record of one Dense(width) layer on 784 inputs (float64 Gram):")
    print(f"{'width':>6}{'seconds':>10}{'s / (w/1024)^2':>16}{'peak MiB':>10}{'eff. width':>11}")
    widths = [64, 128, 256, 512, 1024] + ([] if args.quick else [2048, 4096])
    for width in widths:
        seconds, peak, eff = record_cost(width)
        print(f"{width:>6}{seconds:>10.3f}{seconds / (width / 1024) ** 2:>16.3f}{peak:>10.1f}{eff:>11}")
    top = widths[-1]
    for label, kwargs in (("all units identical", dict(identical=True)),
                          ("max_units=1024", dict(max_units=1024))):
        seconds, peak, eff = record_cost(top, **kwargs)
        print(f"{top:>6}{seconds:>10.3f}{'':>16}{peak:>10.1f}{eff:>11}   {label}")


if __name__ == "__main__":
    main()
