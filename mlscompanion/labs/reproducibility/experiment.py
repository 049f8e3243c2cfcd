"""Lab 8 ("Individual neurons", docs/questions.md): does
``tf.random.set_seed(1234)`` make a Keras 3 run reproducible?

The same tiny training script (the coffee network, 200 roasts, one or two
epochs) runs in two *fresh* Python processes under each way of seeding. Each
process prints fingerprints (``mlscompanion.fingerprint``) of the initial
weights, of the order in which ``fit`` fed the samples, and of the final
weights; comparing the two processes says which parts each seeding fixes.

How the shuffle order is seen: the model's first layer is ``RecordOrder``,
a pass-through layer without weights that, during training, remembers the
rows it receives (the model runs eagerly so that Python code runs on every
batch). Each row is mapped back to its index in the data set, so the
fingerprint is that of the exact sample order ``fit`` used, epoch by epoch.

Example:

>>> result = compare_seedings(["tf", "mlc"], epochs=1)
>>> print(format_table(result))
"""

import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

__all__ = [
    "SEEDINGS",
    "PARTS",
    "ProcessRun",
    "SeedingOutcome",
    "ReproducibilityResult",
    "child_script",
    "run_in_fresh_process",
    "compare_seedings",
    "format_table",
    "initial_fingerprint",
]

#: The ways of seeding compared, and the line each puts at the top of the script.
SEEDINGS = {
    "none": "# no seeding at all",
    "tf": "tf.random.set_seed(SEED)              # the course lab's line",
    "keras": "keras.utils.set_random_seed(SEED)",
    "mlc": "mlc.set_seed(SEED)",
}

#: The parts of a run compared between the two processes.
PARTS = ("initial weights", "shuffle order", "final weights")

_TEMPLATE = '''\
import json
import time

import numpy as np
import tensorflow as tf
import keras
import mlscompanion as mlc

START = time.perf_counter()
SEED = {seed}
{seeding_line}

# The data is fixed (no randomness): the course's 200 roasts, normalized.
X, y = mlc.datasets.load_coffee_data()
X = ((X - X.mean(axis=0)) / X.std(axis=0)).astype("float32")
row_index = {{row.tobytes(): i for i, row in enumerate(X)}}


class RecordOrder(keras.layers.Layer):
    """Passes its input through; in training, remembers the rows it was fed."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.seen = []

    def call(self, x, training=None):
        if training:
            self.seen.extend(row_index[r.tobytes()] for r in np.asarray(x))
        return x


recorder = RecordOrder()
model = keras.Sequential([
    keras.Input((2,)),
    recorder,
    keras.layers.Dense(3, activation="sigmoid", name="layer1"),
    keras.layers.Dense(1, activation="sigmoid", name="layer2"),
])
initial = mlc.fingerprint(model)
w1_initial = float(np.asarray(model.get_layer("layer1").kernel)[0, 0])
model.compile(loss="binary_crossentropy", optimizer=keras.optimizers.Adam(0.01),
              run_eagerly=True)
history = model.fit(X, y, epochs={epochs}, batch_size=32, shuffle=True, verbose=0)
print(json.dumps({{
    "initial": initial,
    "shuffle": mlc.fingerprint([np.array(recorder.seen, dtype="int64")]),
    "final": mlc.fingerprint(model),
    "first_samples": recorder.seen[:8],
    "w1_initial": w1_initial,
    "w1_final": float(np.asarray(model.get_layer("layer1").kernel)[0, 0]),
    "loss": float(history.history["loss"][-1]),
    "audit_ok": bool(mlc.seed_audit().ok),
    "keras": keras.__version__,
    "seconds": time.perf_counter() - START,
}}))
'''


@dataclass
class ProcessRun:
    """What one fresh process reported."""

    seeding: str
    initial: str  # fingerprint of the weights before fit
    shuffle: str  # fingerprint of the sample order fit used
    final: str  # fingerprint of the weights after fit
    first_samples: list  # the first 8 sample indices fit used
    w1_initial: float  # layer1 kernel[0, 0] before fit (w1 in forum notation)
    w1_final: float
    loss: float
    audit_ok: bool  # mlscompanion.seed_audit().ok inside that process
    seconds: float  # time spent in the script after imports
    keras: str = ""  # the Keras version that process ran (Keras 2 with python=...)


@dataclass
class SeedingOutcome:
    """Two fresh processes under one seeding, compared part by part."""

    seeding: str
    code: str
    runs: list = field(repr=False)
    matches: dict = field(default_factory=dict)  # part -> bool

    @property
    def reproducible(self):
        return all(self.matches.values())


@dataclass
class ReproducibilityResult:
    outcomes: list
    seed: int
    epochs: int
    processes: int
    seconds: float

    def outcome(self, seeding):
        """The ``SeedingOutcome`` of one seeding (``"tf"``, ``"mlc"``, ...)."""
        for item in self.outcomes:
            if item.seeding == seeding:
                return item
        raise KeyError(
            f"No outcome for seeding {seeding!r}; this result has "
            f"{[o.seeding for o in self.outcomes]}."
        )


def _check_seeding(seeding):
    if seeding not in SEEDINGS:
        raise ValueError(
            f"`seeding` must be one of {sorted(SEEDINGS)}. Received: seeding={seeding!r}"
        )
    return seeding


def _check_int(name, value, low, high=None):
    if isinstance(value, bool) or not isinstance(value, int) or value < low or (
        high is not None and value > high
    ):
        bound = f"between {low} and {high}" if high is not None else f">= {low}"
        raise ValueError(f"`{name}` must be an int {bound}. Received: {name}={value!r}")
    return value


def child_script(seeding="mlc", seed=1234, epochs=2):
    """The Python script each fresh process runs (print it to read it).

    Example:

    >>> print(child_script("tf"))
    """
    _check_seeding(seeding)
    _check_int("seed", seed, 0, 2**32 - 1)
    _check_int("epochs", epochs, 1)
    return _TEMPLATE.format(seed=seed, seeding_line=SEEDINGS[seeding], epochs=epochs)


def _child_env(python=None):
    env = dict(os.environ)
    if python is not None:  # another interpreter: this copy of the package on its path
        package_root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
            os.path.abspath(__file__)))))
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_root, env.get("PYTHONPATH")]))
    env["KERAS_BACKEND"] = "tensorflow"  # the question is about tf.random.set_seed
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    env.pop("MLSCOMPANION_QUICK", None)
    return env


def run_in_fresh_process(seeding="mlc", seed=1234, epochs=2, timeout=300, python=None):
    """Run ``child_script`` in a new Python interpreter; return its ``ProcessRun``.

    ``python``: another interpreter to run it with, e.g. a venv holding the
    course's TensorFlow 2.15 with Keras 2 (default: this one).

    Example:

    >>> run_in_fresh_process("mlc", epochs=1).final   # same on every call
    """
    script = child_script(seeding, seed, epochs)
    completed = subprocess.run(
        [python or sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=_child_env(python),
    )
    lines = [line for line in completed.stdout.splitlines() if line.startswith("{")]
    if completed.returncode != 0 or not lines:
        tail = "\n".join(completed.stderr.strip().splitlines()[-15:])
        raise RuntimeError(
            f"The fresh process for seeding={seeding!r} failed (exit code "
            f"{completed.returncode}). Last lines of its error output:\n{tail}"
        )
    return ProcessRun(seeding=seeding, **json.loads(lines[-1]))


def compare_seedings(seedings=tuple(SEEDINGS), seed=1234, epochs=2, processes=2,
                     workers=4, timeout=300, python=None):
    """Run every seeding in ``processes`` fresh processes and compare the parts.

    ``python`` runs them with another interpreter (e.g. the course's Keras 2);
    each ``ProcessRun`` says which Keras it ran.

    Processes run ``workers`` at a time (each is independent, so running
    them side by side changes nothing but the wall time).

    Example:

    >>> result = compare_seedings(["tf", "mlc"], epochs=1)
    >>> result.outcome("tf").matches["initial weights"]
    False
    """
    if isinstance(seedings, str):
        seedings = [seedings]
    seedings = [_check_seeding(s) for s in seedings]
    if not seedings:
        raise ValueError("`seedings` is empty; give at least one, e.g. ['tf', 'mlc'].")
    _check_int("seed", seed, 0, 2**32 - 1)
    _check_int("epochs", epochs, 1)
    _check_int("processes", processes, 2)
    _check_int("workers", workers, 1)
    jobs = [(s, k) for s in seedings for k in range(processes)]
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = {
            job: pool.submit(run_in_fresh_process, job[0], seed, epochs, timeout, python)
            for job in jobs
        }
        runs = {job: future.result() for job, future in futures.items()}
    outcomes = []
    for s in seedings:
        mine = [runs[(s, k)] for k in range(processes)]
        matches = {
            part: len({getattr(run, key) for run in mine}) == 1
            for part, key in zip(PARTS, ("initial", "shuffle", "final"))
        }
        outcomes.append(SeedingOutcome(s, SEEDINGS[s].split("#")[0].strip() or "(nothing)",
                                       mine, matches))
    return ReproducibilityResult(outcomes, seed, epochs, processes,
                                 time.perf_counter() - start)


def format_table(result):
    """The comparison as an aligned text table: one row per seeding."""
    if not isinstance(result, ReproducibilityResult):
        raise TypeError(
            "`result` must be the ReproducibilityResult of compare_seedings(). "
            f"Received: {type(result).__name__}"
        )
    head = ["seeding"] + list(PARTS)
    rows = [
        [o.code] + ["same" if o.matches[p] else "DIFFERENT" for p in PARTS]
        for o in result.outcomes
    ]
    widths = [max(len(r[i]) for r in [head] + rows) for i in range(len(head))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(head, widths))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in rows]
    return "\n".join(lines)


def initial_fingerprint(seed=1234):
    """Seed THIS process with ``mlscompanion.set_seed`` and fingerprint a new coffee model.

    The model has the same weights, in the same order, as the fresh
    processes' model, so the fingerprint equals their ``initial`` one: a
    seeded run is reproduced in a notebook, a script or a test alike.

    Example:

    >>> initial_fingerprint(1234) == compare_seedings(["mlc"]).outcomes[0].runs[0].initial
    True
    """
    from mlscompanion import fingerprints, models, seeding

    seeding.set_seed(_check_int("seed", seed, 0, 2**32 - 1))
    return fingerprints.fingerprint(models.coffee_model())
