"""Every place a ``NeuronDifferentiation`` run sends its records, as one object.

Example:

>>> sinks = SinkGroup([MySink()])        # your sinks (see ``Sink``), any number
>>> sinks.open_csv("units.csv")          # once: the CSV stays open across fits
>>> sinks.open(history, log_dir="logs")  # each fit: TensorBoard, the live view, yours

The tracker decides when records are fetched; the group hands them to the
CSV file (``CSVSink``), TensorBoard (``TensorBoardSink``), the live view
(``LiveSink``) and the sinks it was given, in that order, and tells them
when an epoch or a fit is over.
"""

import os
import warnings

from mlscompanion import _validation
from mlscompanion.tracker.sinks.base import check_sink
from mlscompanion.tracker.sinks.csv_file import CSVSink
from mlscompanion.tracker.sinks.live import LiveSink
from mlscompanion.tracker.sinks.tensorboard import TensorBoardSink, require_tensorboard

__all__ = ["SinkGroup"]


class SinkGroup:
    """The CSV file, TensorBoard, live view and other sinks of one tracker.

    Example:

    >>> tracker = mlscompanion.callbacks.NeuronDifferentiation(layers=["layer1"])
    >>> history = model.fit(x, y, epochs=2, callbacks=[tracker], verbose=0)
    >>> class Count(mlscompanion.sinks.Sink):
    ...     def open(self, history): self.n = 0
    ...     def send(self, records): self.n += len(records)
    >>> count = Count()
    >>> sinks = SinkGroup([count])
    >>> sinks.open(history=[])               # a fit begins
    >>> sinks.send(tracker.history); sinks.flush(); sinks.close()
    >>> count.n == len(tracker.history)
    True

    The CSV is opened once (``open_csv``) and stays open across fits, so a
    second ``fit`` appends to the same file; TensorBoard and the live view
    are opened for each fit (``open``) and closed when it ends (``close``),
    and so are the sinks given to the group (``Sink``: ``open``, ``send``,
    ``flush``, ``close``), which last across fits.

    Args:
        sinks: any number of objects with the methods of ``Sink``.

    Attributes:
        csv: the ``CSVSink``, or None.
        tensorboard: the ``TensorBoardSink`` of the current fit, or None.
        live: the ``LiveSink`` of the current fit, or None.
        extra: the sinks given to the group.
    """

    def __init__(self, sinks=()):
        self.csv = None
        self.tensorboard = None
        self.live = None
        self.extra = self.check_sinks(sinks)
        self._fit_open = False

    @staticmethod
    def check_sinks(sinks):
        """``sinks`` as a list, each checked by ``check_sink`` (TypeError)."""
        if sinks is None:
            return []
        if isinstance(sinks, (str, bytes)) or not hasattr(sinks, "__iter__"):
            raise TypeError(f"`sinks` must be a list of sinks. Received: sinks={sinks!r}")
        return [check_sink(sink) for sink in sinks]

    @staticmethod
    def check(csv_path=None, append=False, live=False, log_dir=None):
        """Raise ValueError for options no sink can take (before ``fit``)."""
        _validation.check_path(csv_path, "csv_path", "a file path")
        if append and csv_path is None:
            raise ValueError(
                "`append=True` needs `csv_path`: it continues an existing CSV "
                "file. Give csv_path='units.csv'."
            )
        if not isinstance(live, (bool, LiveSink)):
            raise ValueError(
                "`live` must be True, False or a mlscompanion.tracker.sinks.LiveSink. "
                f"Received: live={live!r}"
            )
        _validation.check_path(log_dir, "log_dir", "a folder path")
        if log_dir is not None:
            require_tensorboard()  # a missing package is reported now, not mid-fit

    def open_csv(self, path, append=False):
        """Open the CSV file at ``path`` unless one is open; return the new
        ``CSVSink`` (its ``previous`` records and ``dropped_partial_line``
        say what an earlier run left), or None when nothing was opened."""
        if path is None or self.csv is not None:
            return None
        self.csv = CSVSink(path, append=append)
        if self.csv.dropped_partial_line:
            warnings.warn(
                f"NeuronDifferentiation: {os.fspath(path)} ended in a line "
                "cut short (the run was killed while writing it); that "
                "line was dropped.",
                stacklevel=5,
            )
        return self.csv

    def open(self, history, log_dir=None, live=False):
        """A fit begins: close the last fit's sinks, then open TensorBoard in
        ``log_dir/units`` and the live view (``live``: True for a new
        ``LiveSink``, or your own), which starts from ``history``, as do the
        group's other sinks."""
        self.close()
        if log_dir is not None:
            self.tensorboard = TensorBoardSink(os.path.join(log_dir, "units"))
        if live:
            self.live = LiveSink() if live is True else live
            self.live.open(history)
        for sink in self.extra:
            sink.open(list(history))
        self._fit_open = True

    def _open_sinks(self):
        return [sink for sink in (self.csv, self.tensorboard, self.live)
                if sink is not None] + self.extra

    @property
    def watched(self):
        """True when a sink reads the records as they are fetched."""
        return bool(self._open_sinks())

    def live_ready(self):
        """True when the live view may redraw now (fetch records for it)."""
        return self.live is not None and self.live.ready()

    def send(self, records):
        """Hand fetched ``records`` (a list of record dicts) to every sink."""
        for sink in self._open_sinks():
            sink.send(records)

    def send_maps(self, maps):
        """Hand a unit maps update (a ``UnitMaps``) to every sink that shows
        maps: those with a ``send_maps`` method (TensorBoard, the live view)."""
        for sink in self._open_sinks():
            send_maps = getattr(sink, "send_maps", None)
            if callable(send_maps):
                send_maps(maps)

    def flush(self):
        """An epoch is over: TensorBoard flushes, the live view redraws or
        prints its line. The tracker calls it when the next epoch begins and
        at the end of training, after Keras' progress bar finished its line."""
        for sink in self._open_sinks():
            sink.flush()

    def close(self):
        """A fit is over: close TensorBoard, the live view and the other
        sinks (the CSV stays)."""
        for sink in (self.tensorboard, self.live):
            if sink is not None:
                sink.close()
        self.tensorboard = self.live = None
        if self._fit_open:
            for sink in self.extra:
                sink.close()
        self._fit_open = False

    def rewrite(self, history):
        """Replace the CSV's records by ``history`` (a rollback to a backup)."""
        self.csv.rewrite(history)
