"""Train-step cost of the tie constraints on the 3 x Dense(1024) MLP, against
Keras' own cost of any constraint.

    python benchmarks/bench_constraint_step.py [--repeats 15] [--steps 20]

``bench_mlp.py`` times whole fits, whose data pipeline and noise hide a few
milliseconds a step. Here each model runs blocks of ``--steps``
``train_on_batch`` calls on the same batches, interleaved (``timing.ratio``):
plain, ``TieUnits([[0, 1], [2, 3]])`` on the hidden layers' kernels and
biases, and Keras' base ``Constraint`` there (it returns the weight as is;
Keras still assigns it after every optimizer step). Ties that cost what the
identity constraint costs add nothing of their own.
"""

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402

from bench_mlp import BATCH, data, device_name, mlp, ties  # noqa: E402
from timing import ratio  # noqa: E402


def block(model, batches):
    """A callable timing one pass of ``train_on_batch`` over ``batches``."""
    def run():
        start = time.perf_counter()
        for x, y in batches:
            model.train_on_batch(x, y)
        return time.perf_counter() - start
    return run


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--steps", type=int, default=20)
    args = parser.parse_args()
    x, y = data(BATCH * args.steps)
    batches = [(x[i:i + BATCH], y[i:i + BATCH]) for i in range(0, len(x), BATCH)]
    runs = {}
    for name, constraint in (("plain", None), ("ties", ties()),
                             ("identity", keras.constraints.Constraint())):
        model = mlp(constraint)
        runs[name] = block(model, batches)
        runs[name]()  # trace and warm up outside the timing
    print(f"3 x Dense(1024) MLP, batch {BATCH}, blocks of {args.steps} train_on_batch steps, "
          f"{args.repeats} interleaved repeats; {device_name()}")
    print(f"{'measure':<36}{'baseline ms/step':>17}{'variant ms/step':>16}{'ratio':>8}{'paired':>8}")
    for label, variant, baseline in (("TieUnits vs plain", "ties", "plain"),
                                     ("identity constraint vs plain", "identity", "plain"),
                                     ("TieUnits vs identity constraint", "ties", "identity")):
        r, b, v, paired = ratio(runs[variant], runs[baseline], args.repeats)
        print(f"{label:<36}{b / args.steps * 1e3:>17.2f}{v / args.steps * 1e3:>16.2f}"
              f"{r:>8.3f}{paired:>8.3f}", flush=True)


if __name__ == "__main__":
    main()
