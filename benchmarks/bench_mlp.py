"""Tracker and tie constraints on an MLP of three Dense(1024), on any backend and device.

    python benchmarks/bench_mlp.py [--rows 12800] [--epochs 2] [--repeats 5]
    KERAS_BACKEND=jax python benchmarks/bench_mlp.py --rows 60000   # e.g. on a GPU

Every variant is timed against a plain ``fit`` in the same run, interleaved
(plain, variant, plain, variant, ...), and reported as the ratio of the
medians. Each timed fit uses a model that was compiled and run for two
batches first, and every variant runs once before the timing, so tracing
and compilation (the model's and the tracker's, once per process and layer
shape) stay outside the timing.

Targets: on CPU/TF, tracker every 10 batches <= 1.10 and ties on
all hidden layers <= 1.05; on a GPU, tracker per epoch <= 1.02, every 10
batches <= 1.05, every batch <= 1.3 and ties <= 1.05.
"""

import argparse
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402

import mlscompanion as mlc  # noqa: E402
from timing import ratio, timed_hooks  # noqa: E402

BATCH = 256


def data(rows, features=784, classes=10, seed=0):
    rng = np.random.default_rng(seed)
    return rng.random((rows, features), dtype=np.float32), rng.integers(0, classes, rows)


def ties():
    """The tie constraint the benchmarks put on the hidden layers: units 0-1 and 2-3."""
    return mlc.constraints.TieUnits([[0, 1], [2, 3]])


def mlp(constraint=None, width=1024, features=784):
    """``constraint``: on the hidden layers' kernels and biases (e.g. ``ties()``)."""
    mlc.set_seed(1234, deterministic=False)
    model = keras.Sequential(
        [keras.Input((features,))]
        + [keras.layers.Dense(width, activation="relu", name=f"dense{i + 1}",
                              kernel_constraint=constraint, bias_constraint=constraint) for i in range(3)]
        + [keras.layers.Dense(10, activation="softmax", name="out")]
    )
    model.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
    return model


def timed_fit(x, y, epochs, constraint=None, callbacks=()):
    model = mlp(constraint)
    model.fit(x[:2 * BATCH], y[:2 * BATCH], epochs=1, batch_size=BATCH, verbose=0)
    start = time.perf_counter()
    model.fit(x, y, epochs=epochs, batch_size=BATCH, verbose=0, callbacks=list(callbacks))
    return time.perf_counter() - start


def device_name():
    env = mlc.environment()
    return f"{env['device']}, {env['backend']} {env['backend_version']}, keras {env['keras']}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=12800)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--only", default=None,
                        help="comma-separated subset: epoch,every10,every1,ties,constraint,"
                             "ties_vs_constraint")
    args = parser.parse_args()
    x, y = data(args.rows)
    rows_whole = len(x) - len(x) % BATCH  # whole batches: no retrace of a short last batch
    x, y = x[:rows_whole], y[:rows_whole]
    plain = lambda: timed_fit(x, y, args.epochs)  # noqa: E731
    shares = {}

    def tracked(every):
        def run():
            tracker = timed_hooks(mlc.callbacks.NeuronDifferentiation(every=every))
            seconds = timed_fit(x, y, args.epochs, callbacks=[tracker])
            shares.setdefault(every, []).append(tracker.hook_seconds / seconds)
            return seconds
        return run

    tied = lambda: timed_fit(x, y, args.epochs, constraint=ties())  # noqa: E731
    # Keras' own cost of any constraint: it assigns each constrained weight
    # after every optimizer step; the base Constraint returns the weight as is.
    identity = lambda: timed_fit(x, y, args.epochs, constraint=keras.constraints.Constraint())  # noqa: E731
    variants = {  # key: (name, variant, baseline)
        "epoch": ("tracker every epoch", tracked("epoch"), plain),
        "every10": ("tracker every 10 batches", tracked(10), plain),
        "every1": ("tracker every batch", tracked(1), plain),
        "ties": ("TieUnits on the 3 hidden layers", tied, plain),
        "constraint": ("identity constraint (Keras' cost)", identity, plain),
        "ties_vs_constraint": ("TieUnits vs identity constraint", tied, identity),
    }
    chosen = list(variants) if args.only is None else args.only.split(",")
    unknown = sorted(set(chosen) - set(variants))
    if unknown:
        parser.error(f"--only: unknown {unknown}; expected some of {','.join(variants)}")
    print(f"3 x Dense(1024) MLP, {len(x)} x 784 rows, batch {BATCH}, {args.epochs} epochs, "
          f"{args.repeats} interleaved repeats; {device_name()}")
    print(f"{'measure':<34}{'baseline s':>11}{'variant s':>11}{'ratio':>8}{'paired':>8}")
    for key in chosen:  # warm-up: compile the tracker's figures once per shape
        variants[key][1]()
    for key in chosen:
        name, variant, baseline = variants[key]
        r, b, v, paired = ratio(variant, baseline, args.repeats)
        print(f"{name:<34}{b:>11.3f}{v:>11.3f}{r:>8.3f}{paired:>8.3f}", flush=True)
    # The tracker's own time inside fit (its hooks), median over the timed fits
    # (warm-up included): 1 + share is the ratio if nothing else slowed the fit.
    for every, values in shares.items():
        print(f"tracker every {every}: its hooks take {statistics.median(values):.1%} of the fit "
              f"(1 + share = {1 + statistics.median(values):.3f})")


if __name__ == "__main__":
    main()
