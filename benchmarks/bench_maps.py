"""The unit maps' share of the coffee lab's fit, updated at every epoch end.

    python benchmarks/bench_maps.py [--reps 1000] [--epochs 10] [--repeats 5]

Fits the lab's coffee model (``models.coffee_model``, ``Adam(0.01)``, binary
cross-entropy, the lab's tracker on ``layer1`` with the 200 roasts as probe)
alternately without and with ``maps=True`` (the roasts in raw units as
``maps_data``, the lab's normalization as ``transform``, the default grids:
100 x 100 for the output, 25 x 25 for the tiles). Prints two figures:

- the maps' own share: the seconds spent recording maps (timed around the
  recorder) over the seconds of the fit with maps, median over the repeats;
- the ratio of the fits' medians, with maps over without, and the median of
  the pairs' ratios (noisier: two whole fits on a busy host).

The target is a share of at most 5 %.
"""

import argparse
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402

import mlscompanion as mlc  # noqa: E402
from mlscompanion.experiments.coffee import prepare_coffee  # noqa: E402
from timing import ratio  # noqa: E402


def fit(data, epochs, maps, shares):
    """One lab fit; with ``maps``, append the maps' share of it to ``shares``."""
    options = {}
    if maps:
        options = dict(maps={"transform": data.normalize}, maps_data=(data.X, data.y))
    tracker = mlc.callbacks.NeuronDifferentiation(layers=["layer1"], probe=data.X_norm, **options)
    spent = [0.0]
    if maps:
        record = tracker._maps.record

        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return record(*args, **kwargs)
            finally:
                spent[0] += time.perf_counter() - start

        tracker._maps.record = timed
    mlc.set_seed(1234, deterministic=False)  # as the lab seeds; no XLA flag warning on JAX
    model = mlc.models.coffee_model(units=3)
    model.compile(loss=keras.losses.BinaryCrossentropy(),
                  optimizer=keras.optimizers.Adam(learning_rate=0.01))
    start = time.perf_counter()
    model.fit(data.X_train, data.y_train, epochs=epochs, verbose=0, callbacks=[tracker])
    seconds = time.perf_counter() - start
    if maps:
        assert len(tracker._maps.maps) == epochs + 1, sorted(tracker._maps.maps)
        shares.append(spent[0] / seconds)
    return seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=1000, help="the lab tiles 1000 times")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    data = prepare_coffee(reps=args.reps)
    shares = []
    fit(data, 1, True, [])  # build and trace once before timing
    result = ratio(lambda: fit(data, args.epochs, True, shares),
                   lambda: fit(data, args.epochs, False, shares), repeats=args.repeats)
    env = mlc.environment()
    print(f"coffee lab, reps={args.reps}, {args.epochs} epochs, {args.repeats} repeats, "
          f"{env['backend']}")
    print(f"maps' share of the fit: median {100 * statistics.median(shares):.2f} % "
          f"(max {100 * max(shares):.2f} %), target <= 5 %")
    print(f"fit with maps / without: {result.ratio:.3f} (medians {result.variant:.1f} s / "
          f"{result.baseline:.1f} s), paired median {result.paired:.3f}")


if __name__ == "__main__":
    main()
