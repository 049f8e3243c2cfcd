"""The tracker: ``NeuronDifferentiation`` and everything it is made of.

Example:

>>> tracker = mlscompanion.tracker.NeuronDifferentiation(layers=["layer1"])
>>> model.fit(x, y, epochs=10, callbacks=[tracker])
>>> tracker.plot(); tracker.plot_units("layer1")

Where each part lives (one concept per module):

- ``callback``: the life cycle in ``fit`` (when to record, where records go);
- ``layers``: what a unit is for each layer type; ``probes``: activations on
  a fixed batch;
- ``figures``: the per-layer figures, computed on the device, with
  ``compiled`` (one compiled function per signature) and ``unit_states``
  (dead and saturated units); ``describe``: the same for one layer's
  weights, without a fit;
- ``record_window``: record points waiting to be fetched; ``records``: the
  columns of a record; ``record_log``: the records held;
- ``layer_weights``: where a tracked layer's weights are read during ``fit``,
  with ``jax_state``: reading the weights of a JAX model without a sync;
- ``unit_maps``, ``map_recorder`` and ``maps_figure``: each unit's output
  over the input plane, kept during ``fit`` and drawn;
- ``history``: ``from_csv``, ``to_frame``, ``plot`` and the other views;
- ``plots`` and ``units_plot``: the tracker's pictures;
- ``sinks``: where fetched records go (CSV, TensorBoard, a live figure, yours).
"""

from mlscompanion.tracker.callback import RECORD_FIELDS, NeuronDifferentiation
from mlscompanion.tracker.describe import describe_units

__all__ = ["NeuronDifferentiation", "RECORD_FIELDS", "describe_units"]
