"""``Sink``: what a place that receives a tracker's records implements.

Example (a sink of your own):

>>> class Printer(Sink):
...     def send(self, records): print(len(records), "records")
>>> model.fit(x, y, callbacks=[NeuronDifferentiation(sinks=[Printer()])])

A sink has four methods, called in this order during each ``fit``:
``open(history)`` when the fit begins (``history``: the records the tracker
already holds, a list of dicts), ``send(records)`` each time records are
fetched (a list of record dicts, in step order, each record sent once),
``flush()`` when an epoch ends, ``close()`` when the fit ends. A record's
columns are listed in ``mlscompanion.tracker.records``. Subclassing ``Sink``
is optional: any object with these methods works; ``Sink`` gives empty
``open``, ``flush`` and ``close``.
"""

__all__ = ["Sink", "SINK_METHODS", "check_sink"]

#: The methods every sink has.
SINK_METHODS = ("open", "send", "flush", "close")


class Sink:
    """Receives a tracker's records; override ``send`` (and what else you need).

    Example:

    >>> class Printer(mlscompanion.sinks.Sink):
    ...     def send(self, records): print(len(records), "records")
    >>> tracker = mlscompanion.callbacks.NeuronDifferentiation(layers=["layer1"], sinks=[Printer()])
    >>> history = model.fit(x, y, epochs=1, callbacks=[tracker], verbose=0)
    2 records
    """

    def open(self, history):
        """A fit begins; ``history`` holds the records kept so far."""

    def send(self, records):
        """Records were fetched (a list of record dicts, in step order)."""
        raise NotImplementedError(f"{type(self).__name__} must define send(records)")

    def flush(self):
        """An epoch ended."""

    def close(self):
        """The fit ended."""


def check_sink(sink, name="sinks"):
    """Return ``sink`` if it has every method of ``Sink``, else raise TypeError.

    Example:

    >>> check_sink(object())
    Traceback (most recent call last):
    ...
    TypeError: ...
    """
    missing = [method for method in SINK_METHODS if not callable(getattr(sink, method, None))]
    if missing:
        raise TypeError(
            f"`{name}` must hold sinks with the methods {', '.join(SINK_METHODS)} "
            f"(subclass mlscompanion.sinks.Sink). Received: {sink!r}, which has no "
            f"{', '.join(missing)}.")
    return sink
