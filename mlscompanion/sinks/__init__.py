"""``mlscompanion.sinks``: the tracker's sinks under their public path.

They live in ``mlscompanion.tracker.sinks``; this module keeps the names
learners import working.

>>> from mlscompanion.sinks import CSVSink
>>> sink = CSVSink("units.csv")
"""

from mlscompanion.tracker.sinks import *  # noqa: F401,F403
from mlscompanion.tracker.sinks import __all__  # noqa: F401
