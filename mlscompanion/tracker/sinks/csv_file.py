"""The CSV file of a ``NeuronDifferentiation`` run, written as records arrive.

Example:

>>> sink = CSVSink("units.csv")             # writes the header
>>> sink.send([record])                     # appended and flushed at once
>>> read_csv("units.csv")[0]["effective_width"]

Every ``send`` appends whole lines and closes the file, so a run killed at
any moment leaves every record sent before it, and at most one line cut
short, which ``CSVSink(path, append=True)`` drops when the run resumes.
"""

import csv
import json
import os

from mlscompanion.tracker.records import OPTIONAL_FIELDS, RECORD_FIELDS, parse_field

__all__ = ["CSVSink", "read_csv"]


def _row(record):
    pairs = record["pair_distances"]
    row = dict(record, pair_distances="" if pairs is None else json.dumps(pairs))
    return [row[field] for field in RECORD_FIELDS]


def _write(path, records, mode):
    """Append ``records`` (mode "a"), or write the header and them (mode "w")."""
    with open(path, mode, newline="") as f:
        writer = csv.writer(f)
        if mode == "w":
            writer.writerow(RECORD_FIELDS)
        writer.writerows(_row(record) for record in records)


def _truncate_partial_line(path):
    """Drop a last line cut short by a crash mid-write; return True if one was."""
    with open(path, "rb+") as f:
        data = f.read()
        if not data or data.endswith(b"\n"):
            return False
        f.truncate(data.rfind(b"\n") + 1)
    return True


def read_csv(path):
    """The records of a tracker CSV as a list of dicts.

    Example:

    >>> tracker = mlscompanion.callbacks.NeuronDifferentiation(layers=["layer1"],
    ...                                                     csv_path="units.csv")
    >>> history = model.fit(x, y, epochs=2, callbacks=[tracker], verbose=0)
    >>> records = read_csv("units.csv")
    >>> records[-1]["step"], records[-1]["layer"], records[-1]["effective_width"]
    (2, 'layer1', 2)
    """
    records = []
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        present = reader.fieldnames or []
        missing = [field for field in RECORD_FIELDS
                   if field not in present and field not in OPTIONAL_FIELDS]
        if missing:
            raise ValueError(
                f"{os.fspath(path)!r} is not a NeuronDifferentiation CSV: it "
                f"lacks the columns {missing}. Expected the header "
                f"{','.join(RECORD_FIELDS)}."
            )
        for row in reader:
            record = {}
            for field in RECORD_FIELDS:
                text = row.get(field)
                if field == "pair_distances":
                    record[field] = json.loads(text) if text else None
                else:
                    record[field] = parse_field(field, text)
            records.append(record)
    return records


class CSVSink:
    """Appends records to a CSV file, one flushed write per ``send``.

    Example:

    >>> tracker = mlscompanion.callbacks.NeuronDifferentiation(layers=["layer1"])
    >>> history = model.fit(x, y, epochs=2, callbacks=[tracker], verbose=0)
    >>> CSVSink("units.csv").send(tracker.history)
    >>> sink = CSVSink("units.csv", append=True)   # continue an earlier run
    >>> len(sink.previous) == len(tracker.history)  # the records already there
    True
    >>> sink.send(tracker.history[-1:])            # appended and flushed at once
    >>> len(read_csv("units.csv")) == len(tracker.history) + 1
    True

    Args:
        path: the file; its folder is created if needed.
        append: keep the records of an existing file (a line cut short by a
            crash is dropped, see ``dropped_partial_line``) instead of
            starting a new file.
    """

    def __init__(self, path, append=False):
        self.path = os.fspath(path)
        self.previous = []
        self.dropped_partial_line = False
        directory = os.path.dirname(self.path)
        if directory:
            os.makedirs(directory, exist_ok=True)
        if append and os.path.exists(self.path):
            self.dropped_partial_line = _truncate_partial_line(self.path)
            self.previous = read_csv(self.path)
        if not self.previous:
            _write(self.path, [], mode="w")

    def send(self, records):
        """Append ``records`` (a list of record dicts)."""
        if records:
            _write(self.path, records, mode="a")

    def rewrite(self, records):
        """Replace the whole file by ``records``, atomically (never half a file)."""
        _write(self.path + ".tmp", records, mode="w")
        os.replace(self.path + ".tmp", self.path)

    def flush(self):
        """Every ``send`` is already on disk; kept for the sink interface."""

    def close(self):
        """Nothing is held open between sends; kept for the sink interface."""

    def get_config(self):
        return {"path": self.path}
