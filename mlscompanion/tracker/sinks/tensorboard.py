"""``NeuronDifferentiation`` records as TensorBoard scalars and histograms.

Example:

>>> tracker = NeuronDifferentiation(log_dir="logs")      # writes logs/units
>>> model.fit(x, y, callbacks=[tracker, keras.callbacks.TensorBoard("logs")])
>>> # tensorboard --logdir logs   -> runs "train", "validation" and "units"

Each record becomes one event at its optimizer step: a scalar per figure,
tagged ``<layer>/<figure>`` (``layer1/effective_width``,
``layer1/min_distance``, ...; NaN figures are skipped), and, for layers that
keep them, a histogram of the pair distances (``layer1/pair_distances``).
With ``maps=True`` each unit maps update is an image tagged ``unit_maps``
at its step (the figure of ``tracker.plot_maps``, as a PNG).

Written with the ``tensorboard`` package alone (``pip install
mlscompanion[tensorboard]``): its protocol buffers, summary builders and
record framing, into a plain local file. TensorFlow is never imported, so
the sink costs nothing extra under the JAX or PyTorch backend.
"""

import itertools
import math
import os
import socket
import time

from mlscompanion.tracker.records import FIGURE_FIELDS

__all__ = ["TensorBoardSink", "SCALAR_FIELDS", "require_tensorboard"]

#: The record fields written as scalars (their names are the tags' last part).
SCALAR_FIELDS = FIGURE_FIELDS

_file_numbers = itertools.count()


def require_tensorboard():
    """The pieces of the ``tensorboard`` package the sink writes with.

    Raises an ``ImportError`` naming the extra to install when it is missing.
    """
    try:
        from tensorboard.compat.proto import event_pb2, summary_pb2
        from tensorboard.plugins.histogram.summary_v2 import histogram_pb
        from tensorboard.plugins.scalar.summary_v2 import scalar_pb
        from tensorboard.summary.writer.record_writer import RecordWriter
    except ImportError:
        raise ImportError(
            "NeuronDifferentiation(log_dir=...) writes TensorBoard files with "
            "the `tensorboard` package, which is not installed: "
            "pip install mlscompanion[tensorboard]  (or: pip install tensorboard)"
        ) from None
    return event_pb2, summary_pb2, scalar_pb, histogram_pb, RecordWriter


class TensorBoardSink:
    """Writes records to a TensorBoard event file in ``log_dir``.

    Example:

    >>> tracker = mlscompanion.callbacks.NeuronDifferentiation(layers=["layer1"])
    >>> history = model.fit(x, y, epochs=2, callbacks=[tracker], verbose=0)
    >>> sink = TensorBoardSink("logs/units")   # needs the tensorboard package
    >>> sink.send(tracker.history)
    >>> sink.close()
    >>> import os; len(os.listdir("logs/units"))   # one event file
    1

    Args:
        log_dir: the run's folder (created if needed); a local path.
    """

    def __init__(self, log_dir):
        (self._event_pb2, self._summary_pb2, self._scalar_pb, self._histogram_pb,
         RecordWriter) = require_tensorboard()
        self.log_dir = os.fspath(log_dir)
        os.makedirs(self.log_dir, exist_ok=True)
        # TensorBoard reads files whose name holds "tfevents", in name order.
        name = (f"events.out.tfevents.{int(time.time()):010d}.{socket.gethostname()}."
                f"{os.getpid()}.{next(_file_numbers)}.mlscompanion")
        self.path = os.path.join(self.log_dir, name)
        self._writer = RecordWriter(open(self.path, "wb"))
        self._write(self._event_pb2.Event(wall_time=time.time(),
                                          file_version="brain.Event:2"))
        self.flush()

    def _write(self, event):
        self._writer.write(event.SerializeToString())

    def send(self, records):
        """One event per record: its finite figures and its pair distances."""
        for record in records:
            summary = self._summary_pb2.Summary()
            layer = record["layer"]
            for field in SCALAR_FIELDS:
                value = record.get(field)
                if value is not None and math.isfinite(value):
                    summary.value.extend(self._scalar_pb(f"{layer}/{field}", float(value)).value)
            pairs = record.get("pair_distances")
            if pairs:
                finite = [value for value in pairs if math.isfinite(value)]
                if finite:
                    summary.value.extend(
                        self._histogram_pb(f"{layer}/pair_distances", finite).value)
            if summary.value:
                self._write(self._event_pb2.Event(
                    wall_time=time.time(), step=int(record["step"]), summary=summary))

    def send_maps(self, maps, dpi=72):
        """One image event: the unit maps figure of ``maps`` (a ``UnitMaps``)."""
        from mlscompanion.tracker.maps_figure import figure_png

        png, (width, height) = figure_png(maps, dpi=dpi)
        image = self._summary_pb2.Summary.Image(
            height=height, width=width, colorspace=4, encoded_image_string=png)
        summary = self._summary_pb2.Summary(
            value=[self._summary_pb2.Summary.Value(tag="unit_maps", image=image)])
        self._write(self._event_pb2.Event(
            wall_time=time.time(), step=int(maps.step or 0), summary=summary))

    def flush(self):
        """Make everything sent so far readable by TensorBoard (at epoch ends)."""
        self._writer.flush()

    def close(self):
        if not self._writer.closed:
            self._writer.close()

    def get_config(self):
        return {"log_dir": self.log_dir}
