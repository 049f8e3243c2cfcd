"""Where ``NeuronDifferentiation`` records go as they are fetched.

Example:

>>> sink = CSVSink("units.csv")
>>> sink.send(records)      # a list of record dicts
>>> sink.flush()            # an epoch ended
>>> sink.close()            # training ended

Each sink is a small class with ``open(history)``, ``send(records)``,
``flush()`` and ``close()`` (the ``Sink`` protocol, ``sinks/base.py``), in
the manner of livelossplot's outputs: a sink of your own goes to
``NeuronDifferentiation(sinks=[...])``. ``CSVSink`` writes a file, ``TensorBoardSink`` event files
(needs the ``tensorboard`` package, imported only when one is made) and
``LiveSink`` a figure that updates in place in a notebook. ``SinkGroup``
holds a tracker's sinks and hands each fetched record to all of them.
"""

from mlscompanion.tracker.sinks.base import Sink, check_sink
from mlscompanion.tracker.sinks.csv_file import CSVSink, read_csv
from mlscompanion.tracker.sinks.group import SinkGroup
from mlscompanion.tracker.sinks.live import LiveSink, notebook_mode
from mlscompanion.tracker.sinks.tensorboard import TensorBoardSink

__all__ = ["Sink", "check_sink", "CSVSink", "read_csv", "LiveSink", "notebook_mode", "SinkGroup", "TensorBoardSink"]
