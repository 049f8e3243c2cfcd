"""A training run is killed mid-epoch and restarted with BackupAndRestore:
the tracker's CSV must hold every record exactly once, lose none, and
reload with ``NeuronDifferentiation.from_csv``.

The run is killed twice over: fetching every record point (nothing is
lost), and fetching every 4 record points, where the kill loses the
records still on the device (at most 3 record points) and nothing else.
"""

import csv
import os
import warnings
import subprocess
import sys
from pathlib import Path

import keras
import pytest

import mlscompanion as mlc
from mlscompanion.tracker.callback import RECORD_FIELDS, NeuronDifferentiation

EPOCHS = 4
STEPS_PER_EPOCH = 7  # 200 rows, batch 32
CRASH_AT_STEP = 17  # in epoch 2; the last backup is from the end of epoch 1 (step 14)


class PowerCut(keras.callbacks.Callback):
    """Kills the process, with no cleanup, once the optimizer reaches ``step``."""

    def __init__(self, step):
        super().__init__()
        self.step = step

    def on_train_batch_end(self, batch, logs=None):
        if int(keras.ops.convert_to_numpy(self.model.optimizer.iterations)) == self.step:
            os._exit(1)


def train(csv_path, backup_dir, crash_at=None, fetch_every=1):
    """The learner's script: coffee model, tracker every 3 batches, backups every epoch."""
    mlc.set_seed(5, deterministic=False)
    X, y = mlc.datasets.load_coffee_data()
    X = mlc.datasets.normalize_coffee(X)[0]
    model = mlc.models.coffee_model()
    model.compile(loss="binary_crossentropy", optimizer=keras.optimizers.Adam(0.01))
    tracker = NeuronDifferentiation(csv_path=csv_path, append=True, every=3,
                                    fetch_every=fetch_every)
    callbacks = [tracker, keras.callbacks.BackupAndRestore(backup_dir)]
    if crash_at is not None:
        callbacks.append(PowerCut(crash_at))
    model.fit(X, y, epochs=EPOCHS, batch_size=32, verbose=0, callbacks=callbacks)
    return tracker


def read_rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


# fetch_every -> the steps in the CSV when the kill came at step 17
WRITTEN_BEFORE_THE_KILL = {
    1: [0, 3, 6, 9, 12, 15],  # step 15 is past the last backup (step 14)
    4: [0, 3, 6, 9, 12],      # 15 was still on the device: lost with the process
}


@pytest.fixture(scope="module", params=sorted(WRITTEN_BEFORE_THE_KILL))
def interrupted(request, tmp_path_factory):
    """Run 1 is killed in a subprocess at step 17; run 2 restarts it here."""
    fetch_every = request.param
    tmp = tmp_path_factory.mktemp(f"interrupted{fetch_every}")
    csv_path, backup_dir = tmp / "units.csv", tmp / "backup"
    code = (f"from tests.test_interrupted import train; "
            f"train({str(csv_path)!r}, {str(backup_dir)!r}, crash_at={CRASH_AT_STEP}, "
            f"fetch_every={fetch_every})")
    root = Path(__file__).resolve().parents[1]
    killed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=root, env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"), timeout=600)
    before = read_rows(csv_path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        tracker = train(csv_path, backup_dir, fetch_every=fetch_every)
    dropped = [w for w in caught if "dropped" in str(w.message)]
    return {"killed": killed, "before": before, "after": read_rows(csv_path),
            "tracker": tracker, "csv_path": csv_path, "fetch_every": fetch_every,
            "dropped_warnings": dropped}


@pytest.mark.slow
def test_the_first_run_really_died_mid_epoch(interrupted):
    assert interrupted["killed"].returncode == 1, interrupted["killed"].stderr[-2000:]
    steps = [int(r["step"]) for r in interrupted["before"]]
    assert steps == WRITTEN_BEFORE_THE_KILL[interrupted["fetch_every"]]


@pytest.mark.slow
def test_the_kill_loses_at_most_one_fetch_window(interrupted):
    every_3_until_the_kill = [s for s in range(0, CRASH_AT_STEP, 3)]
    lost = sorted(set(every_3_until_the_kill) - {int(r["step"]) for r in interrupted["before"]})
    assert len(lost) <= interrupted["fetch_every"] - 1
    assert lost == every_3_until_the_kill[len(every_3_until_the_kill) - len(lost):]


@pytest.mark.slow
def test_records_past_the_backup_are_dropped_with_a_warning(interrupted):
    past_backup = [r for r in interrupted["before"] if int(r["step"]) > 14]
    assert len(interrupted["dropped_warnings"]) == (1 if past_backup else 0)


@pytest.mark.slow
def test_every_record_is_in_the_csv_exactly_once(interrupted):
    rows = interrupted["after"]
    steps = [int(r["step"]) for r in rows]
    every_3 = list(range(0, EPOCHS * STEPS_PER_EPOCH, 3))
    # 14: the restarted fit's own first record (one is always taken before training)
    assert steps == sorted(every_3 + [14])
    assert len(set(steps)) == len(steps)
    assert {r["layer"] for r in rows} == {"layer1"}
    assert [int(r["epoch"]) for r in rows if int(r["step"]) in (12, 14, 15, 27)] == [1, 2, 2, 3]


@pytest.mark.slow
def test_records_before_the_backup_are_kept_as_written(interrupted):
    kept = {r["step"]: r for r in interrupted["after"]}
    for row in interrupted["before"]:
        if int(row["step"]) <= 14:
            assert kept[row["step"]] == row


@pytest.mark.slow
def test_from_csv_reloads_the_history(interrupted):
    tracker = interrupted["tracker"]
    reloaded = NeuronDifferentiation.from_csv(interrupted["csv_path"])
    assert [r["step"] for r in reloaded.history] == [r["step"] for r in tracker.history]
    last, live = reloaded.history[-1], tracker.history[-1]
    assert set(last) == set(RECORD_FIELDS)
    assert last["effective_width"] == live["effective_width"] == 3
    assert last["pair_distances"] == pytest.approx(live["pair_distances"])
    assert reloaded.plot().axes


def test_a_line_cut_short_by_a_crash_is_dropped(tmp_path):
    path = tmp_path / "units.csv"
    model = mlc.models.coffee_model()
    tracker = NeuronDifferentiation(csv_path=path)
    tracker.set_model(model)
    tracker.record()
    with open(path, "a") as f:
        f.write("0,7,layer1,3,3,2.0,0.1")  # the run died mid-line
    again = NeuronDifferentiation(csv_path=path, append=True)
    again.set_model(model)
    with pytest.warns(UserWarning, match="cut short"):
        assert again.record() == []  # step 0 is already recorded
    assert len(read_rows(path)) == 1 and len(again.history) == 1
