"""``mlscompanion.callbacks.NeuronDifferentiation``: the tracker's public path.

The tracker lives in ``mlscompanion.tracker``; this module keeps the short
names learners import working.

>>> from mlscompanion.callbacks import NeuronDifferentiation
>>> history = model.fit(x, y, callbacks=[NeuronDifferentiation()], verbose=0)
"""

from mlscompanion.tracker.callback import RECORD_FIELDS, NeuronDifferentiation
from mlscompanion.tracker.describe import describe_units

__all__ = ["NeuronDifferentiation", "RECORD_FIELDS", "describe_units"]
