"""Overhead of mlscompanion's pieces on the coffee-roasting model, as ratios.

    python benchmarks/bench_overhead.py [--repeats 5] [--quick] [--only every1,reads]

Targets: tracker every epoch <= 1.02, tracker every batch <= 1.10,
tie constraints on both layers <= 1.05, import <= 1.05 (all vs plain Keras).
Every variant runs once before the timing, so the one-off compilation of
the tracker's figures (once per process and layer shape) is not timed.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402

import mlscompanion as mlc  # noqa: E402
from mlscompanion.tracker.record_window import snapshot  # noqa: E402
from mlscompanion.tracker.layers import describe_layer  # noqa: E402
from timing import ratio, timed_hooks  # noqa: E402

#: The batch size of every timed fit (Keras' default, written out).
BATCH = 32


def coffee_data(reps):
    X, y = mlc.datasets.load_coffee_data()
    X_norm, _ = mlc.datasets.normalize_coffee(X)
    return mlc.datasets.tile_like_lab(X_norm, y, reps)


def build(tied):
    mlc.set_seed(1234, deterministic=False)
    kwargs = {}
    if tied:
        kwargs = dict(kernel_constraint=mlc.constraints.TieUnits([[0, 1]]),
                      bias_constraint=mlc.constraints.TieUnits([[0, 1]]))
    model = keras.Sequential([
        keras.Input((2,)),
        keras.layers.Dense(3, activation="sigmoid", name="layer1", **kwargs),
        keras.layers.Dense(1, activation="sigmoid", name="layer2",
                           kernel_constraint=mlc.constraints.TieInputs([[0, 1]]) if tied else None),
    ])
    model.compile(loss="binary_crossentropy", optimizer=keras.optimizers.Adam(0.01))
    return model


class ReadsOnly(keras.callbacks.Callback):
    """The floor of a record every batch: read layer1's weights as the
    tracker does (a snapshot of each, kept on the device), nothing else."""

    def on_train_begin(self, logs=None):
        self.tracked = describe_layer(self.model.get_layer("layer1"))
        self.variables, self.kept = self.tracked.variables(), []

    def on_train_batch_begin(self, batch, logs=None):
        # Under JAX, reading self.model syncs the weights into the layers
        # (as the tracker does); they are None there otherwise.
        self.model  # noqa: B018
        weights = self.variables or self.tracked.weights()
        self.kept.append(tuple(snapshot(weight) for weight in weights))


def time_fit(x, y, epochs, tied=False, callbacks=()):
    model = build(tied)
    # trace outside the timing (len(x) % BATCH == 0: no retrace)
    model.fit(x[:2 * BATCH], y[:2 * BATCH], batch_size=BATCH, epochs=1, verbose=0)
    start = time.perf_counter()
    model.fit(x, y, batch_size=BATCH, epochs=epochs, verbose=0, callbacks=list(callbacks))
    return time.perf_counter() - start


def time_import(statement, repeats):
    code = f"import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    return float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                env=env, check=True).stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", default=None,
                        help="comma-separated subset: epoch,every1,noop,epoch_vs_noop,"
                             "every1_vs_noop,reads,ties,import")
    args = parser.parse_args()
    # 48 and 16 copies of the 200 roasts: whole batches of 32, so the timed
    # fit reuses the traced step instead of tracing a partial last batch.
    reps, epochs = (16, 2) if args.quick else (48, 3)
    x, y = coffee_data(reps)
    print(f"coffee model, {len(x)} rows x {epochs} epochs (batch {BATCH}), "
          f"{args.repeats} interleaved repeats")
    plain = lambda: time_fit(x, y, epochs)  # noqa: E731
    track = mlc.callbacks.NeuronDifferentiation
    noop = lambda: time_fit(x, y, epochs, callbacks=[keras.callbacks.Callback()])  # noqa: E731
    shares, batches = {}, len(x) // BATCH * epochs

    def timed(label, make):
        def run():
            callback = timed_hooks(make())
            seconds = time_fit(x, y, epochs, callbacks=[callback])
            shares.setdefault(label, []).append((callback.hook_seconds / seconds,
                                                 callback.hook_seconds / batches))
            return seconds
        return run

    def tracked(every):
        return timed(f"tracker every {every}", lambda: track(every=every))

    n = max(args.repeats, 5)
    variants = {  # key: (name, target, variant, baseline, repeats)
        "epoch": ("tracker every epoch", 1.02, tracked("epoch"), plain, args.repeats),
        "every1": ("tracker every batch", 1.10, tracked(1), plain, args.repeats),
        # Keras' own cost of passing any callback, and the tracker measured against it
        "noop": ("a no-op keras Callback (Keras' cost)", None, noop, plain, args.repeats),
        "epoch_vs_noop": ("tracker every epoch vs no-op callback", None,
                          lambda: time_fit(x, y, epochs, callbacks=[track()]), noop, args.repeats),
        "every1_vs_noop": ("tracker every batch vs no-op callback", None,
                           lambda: time_fit(x, y, epochs, callbacks=[track(every=1)]), noop,
                           args.repeats),
        "reads": ("reads only, every batch (the floor)", None, timed("reads only", ReadsOnly),
                  plain, args.repeats),
        "ties": ("tie constraints, both layers", 1.05,
                 lambda: time_fit(x, y, epochs, tied=True), plain, args.repeats),
        "import": ("import mlscompanion (+core modules)", 1.05, lambda: time_import(
            "import mlscompanion.tracker.callback, mlscompanion.constraints, mlscompanion.initializers, "
            "mlscompanion.tying, mlscompanion.seeding", n), lambda: time_import("import keras", n), n),
    }
    chosen = list(variants) if args.only is None else args.only.split(",")
    unknown = sorted(set(chosen) - set(variants))
    if unknown:
        parser.error(f"--only: unknown {unknown}; expected some of {','.join(variants)}")
    for warm_up in (lambda: time_fit(x, y, 1, callbacks=[track(every=1)]),
                    lambda: time_fit(x, y, 1, tied=True)):
        warm_up()
    rows = [(variants[key][0], variants[key][1], ratio(*variants[key][2:])) for key in chosen]
    print(f"{'measure':<40}{'baseline s':>11}{'variant s':>11}{'ratio':>8}{'paired':>8}{'target':>8}")
    for name, target, (r, b, v, paired) in rows:
        if target is None:
            print(f"{name:<40}{b:>11.3f}{v:>11.3f}{r:>8.3f}{paired:>8.3f}{'-':>8}")
            continue
        flag = "" if r <= target else "  (over target)"
        print(f"{name:<40}{b:>11.3f}{v:>11.3f}{r:>8.3f}{paired:>8.3f}{target:>8.2f}{flag}")
    # The tracker's own time inside fit (its hooks), median over the timed fits:
    # 1 + share is what the ratio would be if nothing else slowed the fit.
    for label, values in shares.items():
        share = statistics.median(value[0] for value in values)
        per_batch = statistics.median(value[1] for value in values)
        print(f"{label}: its hooks take {share:.1%} of the fit "
              f"(1 + share = {1 + share:.3f}), {per_batch * 1e6:.0f} us per batch")


if __name__ == "__main__":
    main()
