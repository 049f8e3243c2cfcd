"""Where ``NeuronDifferentiation`` records go as they are fetched.

Example:

>>> sink = CSVSink("units.csv")
>>> sink.send(records)      # a list of record dicts
>>> sink.close()

Each sink is a small class with ``send(records)`` and ``close()``, in the
manner of livelossplot's outputs: adding a sink touches one new module.
"""

from mlscompanion.sinks.csv_file import CSVSink, read_csv

__all__ = ["CSVSink", "read_csv"]
