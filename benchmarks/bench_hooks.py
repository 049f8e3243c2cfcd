"""The tracker's hooks alone, a record every batch, outside ``fit``: µs a batch.

    python benchmarks/bench_hooks.py [--chunks 60]

Calls ``NeuronDifferentiation(every=1).on_train_batch_begin`` on the coffee
model and, alternately, the floor (``bench_overhead.ReadsOnly``: the reads of
the weights and nothing else), in chunks of 256 batches; prints the median
µs a batch of each and the median ratio of neighbouring chunks. Without the
train steps in between, the host's noise moves these figures far less than a
fit's, so small changes to the per-batch path show here first. Inside
``fit`` the same hooks cost more (``bench_overhead.py`` prints their share).
"""

import argparse
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import mlscompanion as mlc  # noqa: E402
from bench_overhead import ReadsOnly, build  # noqa: E402

#: Batches per timed chunk.
CHUNK = 256


def per_batch(hook, first_batch):
    """µs a batch of ``hook`` over ``CHUNK`` batches numbered from ``first_batch``."""
    start = time.perf_counter()
    for batch in range(first_batch, first_batch + CHUNK):
        hook(batch)
    return (time.perf_counter() - start) / CHUNK * 1e6


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chunks", type=int, default=60)
    args = parser.parse_args()
    model = build(False)
    tracker = mlc.callbacks.NeuronDifferentiation(every=1)
    tracker.set_model(model)
    tracker.on_train_begin()
    tracker.on_epoch_begin(0)
    floor = ReadsOnly()
    floor.set_model(model)
    floor.on_train_begin()
    per_batch(tracker.on_train_batch_begin, 1)  # compile the figures once
    times = {"tracker": [], "floor": []}
    for chunk in range(1, args.chunks + 1):
        times["tracker"].append(per_batch(tracker.on_train_batch_begin, chunk * CHUNK))
        times["floor"].append(per_batch(floor.on_train_batch_begin, 1))
        floor.kept.clear()
    paired = statistics.median(a / b for a, b in zip(times["tracker"], times["floor"]))
    print(f"coffee layer, {mlc.environment()['backend']}, {args.chunks} chunks of {CHUNK} batches")
    print(f"tracker hooks {statistics.median(times['tracker']):.1f} us a batch, "
          f"floor (reads only) {statistics.median(times['floor']):.1f} us, "
          f"tracker / floor {paired:.2f}")


if __name__ == "__main__":
    main()
