"""The records a ``NeuronDifferentiation`` holds: one per step and layer.

Example:

>>> log = RecordLog()
>>> log.take(0, "layer1"); log.taken(0, "layer1")
True
>>> log.extend(fetched)          # the records, once fetched from the device

A record point counts as taken as soon as the tracker keeps it on the
device, before it is fetched. Across fits and runs the step count can go
back: a run resumed from a CSV (``load``) and an earlier backup
(``keras.callbacks.BackupAndRestore``) holds records past the step it
resumed from, which ``drop_after`` forgets; a model compiled again starts
a new optimizer at step 0, and ``warn_if_restarted`` says that the steps
taken before are not taken again.
"""

import warnings

__all__ = ["RecordLog"]


def _keys(records):
    return {(record["step"], record["layer"]) for record in records}


class RecordLog:
    """The records so far, oldest first, and the (step, layer) pairs taken.

    Args:
        records: records to start from (e.g. read from a CSV); they count
            as taken.
    """

    def __init__(self, records=()):
        self.records = list(records)
        self._taken = _keys(self.records)
        self._nan_layers = set()

    def taken(self, step, layer):
        """True when ``layer``'s record at ``step`` was taken already."""
        return (step, layer) in self._taken

    def take(self, step, layer):
        self._taken.add((step, layer))

    def extend(self, records):
        """Add fetched records (taken already)."""
        self.records.extend(records)

    def load(self, records):
        """Add the records of an earlier run, read from its CSV."""
        self.records.extend(records)
        self._taken.update(_keys(records))

    def drop_after(self, step, csv_path):
        """Forget the records past ``step``: the run resumed from an earlier
        backup. Warns, naming ``csv_path``, and returns True when there were some."""
        kept = [record for record in self.records if record["step"] <= step]
        stale = len(self.records) - len(kept)
        if not stale:
            return False
        warnings.warn(
            f"NeuronDifferentiation: training resumed at step {step} (e.g. "
            "from keras.callbacks.BackupAndRestore) but "
            f"{csv_path} holds {stale} records made after that step "
            "by the interrupted run. They are dropped and will be recorded "
            "again as training passes those steps.",
            stacklevel=3,
        )
        self.records, self._taken = kept, _keys(kept)
        return True

    def warn_if_restarted(self, step):
        """Warn when a fit starting at ``step`` starts before the last step
        taken: it skips the steps it repeats."""
        last = max((taken for taken, _ in self._taken), default=step)
        if step < last:
            warnings.warn(
                f"NeuronDifferentiation: this fit starts at step {step} but the "
                f"tracker already holds records up to step {last} (the step "
                "count restarts when the model is compiled again). Steps it "
                "recorded before are not recorded again: pass a new "
                "NeuronDifferentiation to each new run.",
                stacklevel=3,
            )

    def warn_if_nan(self, record):
        """Warn once per layer when a fetched record's figures are NaN
        (NaN or infinite weights: ``effective_width`` is then a float)."""
        name = record["layer"]
        if isinstance(record["effective_width"], float) and name not in self._nan_layers:
            self._nan_layers.add(name)
            warnings.warn(
                f"NeuronDifferentiation: layer {name!r} has NaN or "
                f"infinite weights at step {record['step']}; its figures are "
                "recorded as NaN. Lower the learning rate or check the inputs.",
                stacklevel=5,
            )
