"""A live view of a ``NeuronDifferentiation`` run: one figure that updates in place.

Example:

>>> tracker = NeuronDifferentiation(live=True)     # builds a LiveSink per fit
>>> model.fit(x, y, epochs=10, callbacks=[tracker])
>>> LiveSink(interval=2.0)                         # or pass your own: live=LiveSink(...)

In a notebook (Jupyter: IPython shell ``ZMQInteractiveShell``; Colab:
``Shell``) the tracker's plot is shown once with
``IPython.display.display(..., display_id=True)`` and then replaced through
that display handle (``handle.update``): the cell keeps ONE picture, however
many records arrive. Elsewhere (a script, a terminal) nothing is drawn and
one compact line is printed per epoch, e.g.
``units at step 375: layer1 width 3/3, min distance 0.412``.

Redraws are throttled: at most one per ``interval`` seconds, and never so
often that drawing takes more than ``budget`` of the time (after a draw that
took ``c`` seconds the next waits at least ``c / budget``). Records arriving
in between are drawn by the next redraw; the last state is always drawn when
training ends. The clock is an attribute (``clock=time.monotonic``) so tests
drive the throttle without waiting.

With ``maps=True`` the unit maps are the picture's main panel: each maps
update (the start and every epoch end) is drawn as ``tracker.plot_maps``
draws it, titled with the latest figures of each layer (script mode prints
the same line as without maps).

The tracker fetches records from the device in windows (``fetch_every``);
with a live view it also fetches whenever ``ready()`` says a redraw may
happen, so the picture is never older than one throttle interval.
"""

import io
import sys
import time

from mlscompanion import _validation

__all__ = ["LiveSink", "notebook_mode"]

# IPython shell classes that show rich output: Jupyter's kernel and Colab's.
_NOTEBOOK_SHELLS = ("ZMQInteractiveShell", "Shell")


def notebook_mode():
    """True inside a Jupyter or Colab notebook, False in a script or terminal.

    Example:

    >>> mlscompanion.sinks.notebook_mode()   # here: a test run, not a notebook
    False
    """
    ipython = sys.modules.get("IPython")
    if ipython is None:  # not imported: we cannot be in a notebook kernel
        return False
    shell = ipython.get_ipython()
    return type(shell).__name__ in _NOTEBOOK_SHELLS


def _summary_line(records):
    """One line: each layer's latest effective width and smallest pair distance."""
    latest = {}
    for record in records:
        latest[record["layer"]] = record
    parts = []
    for name, record in latest.items():
        distance, label = record["min_distance"], "min distance"
        if distance != distance:  # NaN: a wide layer between epoch ends
            distance, label = record["rms_distance"], "rms distance"
        parts.append(f"{name} width {record['effective_width']}/"
                     f"{record['sampled_units']}, {label} {distance:.3g}")
    step = max(record["step"] for record in latest.values())
    return f"units at step {step}: " + "; ".join(parts)


class LiveSink:
    """Shows a tracker's history while ``fit`` runs (see the module docstring).

    Example:

    >>> import io
    >>> sink = LiveSink(interval=1.0, notebook=False, stream=io.StringIO())
    >>> tracker = mlscompanion.callbacks.NeuronDifferentiation(live=sink)
    >>> history = model.fit(x, y, epochs=2, callbacks=[tracker], verbose=0)
    >>> print(sink.stream.getvalue())   # outside a notebook: a line per epoch
    units at step 1: ...
    units at step 2: ...

    Args:
        interval: at least this many seconds between two redraws.
        budget: the largest share of the time spent on throttled redraws
            (0.03: 3%; the first and the last draw of a fit come on top).
        notebook: draw (True) or print one line per epoch (False); default:
            detected once, when the sink is made (``notebook_mode()``).
        display: the function that shows a new picture and returns a handle
            with ``update``; default ``IPython.display.display``.
        dpi: resolution of the picture.
        clock: a function returning seconds (``time.monotonic``).
        stream: where script mode prints (default ``sys.stdout``).
    """

    def __init__(self, interval=1.0, budget=0.03, notebook=None, display=None,
                 dpi=72, clock=time.monotonic, stream=None):
        _validation.check_number(interval, "interval", minimum=0,
                                 what="a number of seconds >= 0")
        _validation.check_number(budget, "budget", above=0, maximum=1,
                                 what="a share of the time in (0, 1]")
        self.interval = float(interval)
        self.budget = float(budget)
        self.notebook = notebook_mode() if notebook is None else bool(notebook)
        self.display = display
        self.dpi = dpi
        self.clock = clock
        self.stream = stream
        self.records = []
        self.draws = 0
        self._handle = None
        self._figure = None
        self._next_draw = None  # clock time of the next allowed redraw
        self._drawn = 0  # records shown by the last redraw or line
        self.maps = None  # the latest unit maps (a UnitMaps), if the tracker makes them
        self._maps_drawn = True

    def open(self, history=()):
        """A new ``fit`` begins: a new picture, starting from ``history``."""
        self.records = list(history)
        self.draws = 0
        self.draw_seconds = 0.0
        self._handle = None
        self._figure = None
        self._next_draw = None
        self._drawn = len(self.records)
        self.maps = None
        self._maps_drawn = True

    def ready(self):
        """True when a redraw may happen now (the tracker then fetches records)."""
        return self.notebook and (self._next_draw is None or self.clock() >= self._next_draw)

    def send(self, records):
        """Keep ``records``; redraw if the throttle allows."""
        self.records.extend(records)
        if records and self.ready():
            self._draw()

    def send_maps(self, maps):
        """A unit maps update (a ``UnitMaps``): it becomes the main panel."""
        self.maps = maps
        self._maps_drawn = False
        if self.notebook and self.ready():
            self._draw()

    def flush(self):
        """An epoch is over: redraw if allowed (notebook) or print one line (script).

        The tracker calls it once Keras' progress bar has finished the
        epoch's line (when the next epoch begins, and at the end of training).
        """
        if len(self.records) == self._drawn and self._maps_drawn:
            return
        if not self.notebook:
            if len(self.records) == self._drawn:
                return
            print(_summary_line(self.records[self._drawn:]), file=self.stream or sys.stdout)
            self._drawn = len(self.records)
        elif self.ready():
            self._draw()

    def close(self):
        """Training ended: draw the last state if it is not shown yet."""
        if self.notebook and (len(self.records) > self._drawn or not self._maps_drawn):
            self._draw()
        self._handle = None
        self._figure = None

    def _draw(self):
        from IPython.display import Image

        from mlscompanion.tracker.plots import plot_differentiation

        start = self.clock()
        if self.maps is not None:
            from mlscompanion.tracker.maps_figure import plot_unit_maps

            title = f"unit maps at step {self.maps.step}"
            if self.records:
                title = _summary_line(self.records)
            self._figure = plot_unit_maps(self.maps, title=title)
            self._maps_drawn = True
        else:
            self._figure = plot_differentiation(self.records, fig=self._figure)
        fig = self._figure
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=self.dpi)
        picture = Image(data=buffer.getvalue(), format="png")
        self.draws += 1
        # The draw count in the output's metadata shows, in a saved notebook,
        # that one picture was updated in place.
        metadata = {"mlscompanion": {"live_draws": self.draws}}
        if self._handle is None:
            display = self.display
            if display is None:
                from IPython.display import display
            self._handle = display(picture, display_id=True, metadata=metadata)
        else:
            self._handle.update(picture, metadata=metadata)
        self._drawn = len(self.records)
        end = self.clock()
        self.draw_seconds += end - start
        self._next_draw = end + max(self.interval, (end - start) / self.budget)

    def get_config(self):
        return {"interval": self.interval, "budget": self.budget,
                "notebook": self.notebook, "dpi": self.dpi}
