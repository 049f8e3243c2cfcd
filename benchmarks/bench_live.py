"""Cost of the live view (``NeuronDifferentiation(live=True)``) on the coffee lab.

    python benchmarks/bench_live.py [--repeats 3] [--quick]

Target: live drawing costs <= 5% of fit time on the coffee lab
(the lab's fit: the 200 roasts tiled 300 times, 10 epochs, batch 32, the
tracker on layer1 with the 200 roasts as probe).

The notebook mode is forced on and the display is a fake handle, so it runs
headless: every redraw makes the figure and its PNG, as in Jupyter; only
the kernel's sending of the PNG is left out. Interleaved medians
(``timing.ratio``), each variant run once before the timing. On a busy
machine the ratio of medians is noisy; the share of the fit spent drawing
(the live sink's own ``draw_seconds`` over the fit's time) is not, and it
is what the target is about.
"""

import argparse
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402

import mlscompanion as mlc  # noqa: E402
from mlscompanion.tracker.callback import NeuronDifferentiation  # noqa: E402
from mlscompanion.tracker.sinks import LiveSink  # noqa: E402
from timing import ratio  # noqa: E402


class FakeHandle:
    """Stands in for IPython's display handle: keeps the latest picture."""

    def __init__(self):
        self.pictures = 0

    def update(self, picture, metadata=None):
        self.pictures += 1


def fake_display(picture, display_id=None, metadata=None):
    return FakeHandle()


def time_fit(x, y, probe, epochs, tracker_kwargs=None, live=False):
    """Seconds of one fit, and (redraws, seconds spent drawing) of the live view."""
    mlc.set_seed(1234, deterministic=False)
    model = mlc.models.coffee_model()
    model.compile(loss="binary_crossentropy", optimizer=keras.optimizers.Adam(0.01))
    model.fit(x[:64], y[:64], epochs=1, verbose=0)  # trace outside the timing
    callbacks, sink = [], None
    if tracker_kwargs is not None:
        sink = LiveSink(notebook=True, display=fake_display) if live else None
        callbacks.append(NeuronDifferentiation(layers=["layer1"], probe=probe,
                                               live=sink or False, **tracker_kwargs))
    start = time.perf_counter()
    model.fit(x, y, epochs=epochs, verbose=0, callbacks=callbacks)
    return time.perf_counter() - start, ((sink.draws, sink.draw_seconds) if sink else (0, 0.0))


def compare(variant, baseline, repeats):
    """``timing.ratio`` of the two fits, and the variant's median redraws and
    drawing share."""
    draws, shares = [], []

    def live():
        seconds, (count, drawing) = variant()
        draws.append(count)
        shares.append(drawing / seconds)
        return seconds

    timed = ratio(live, lambda: baseline()[0], repeats)
    return timed, statistics.median(draws), statistics.median(shares)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    reps, epochs = (48, 3) if args.quick else (300, 10)  # the lab: 300 and 10
    X, y = mlc.datasets.load_coffee_data()
    X_norm, _ = mlc.datasets.normalize_coffee(X)
    x, yt = mlc.datasets.tile_like_lab(X_norm, y, reps)
    print(f"coffee lab fit: {len(x)} rows x {epochs} epochs (batch 32), backend "
          f"{keras.backend.backend()}, {args.repeats} interleaved repeats")

    def run(kwargs=None, live=False, n=epochs):
        return lambda: time_fit(x, yt, X_norm, n, kwargs, live)

    for every in ("epoch", 25):  # warm up: trace the tracker's figures, import IPython
        run({"every": every}, live=True, n=1)()
    rows = [
        ("live, every epoch vs tracker", 0.05,
         compare(run({}, live=True), run({}), args.repeats)),
        ("live, every 25 steps vs tracker", 0.05,
         compare(run({"every": 25}, live=True), run({"every": 25}), args.repeats)),
        ("live, every epoch vs plain fit", None,
         compare(run({}, live=True), run(), args.repeats)),
    ]
    print(f"{'measure':<34}{'baseline s':>11}{'variant s':>11}{'ratio':>8}{'paired':>8}"
          f"{'redraws':>9}{'drawing':>9}{'target':>8}")
    for name, target, (timed, draws, share) in rows:
        flag = "" if target is None or share <= target else "  (over target)"
        shown = "-" if target is None else f"{target:.0%}"
        print(f"{name:<34}{timed.baseline:>11.2f}{timed.variant:>11.2f}{timed.ratio:>8.3f}"
              f"{timed.paired:>8.3f}{draws:>9.0f}{share:>9.1%}{shown:>8}{flag}")


if __name__ == "__main__":
    main()
