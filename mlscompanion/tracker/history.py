"""Views of a ``NeuronDifferentiation`` history: a table, plots, a GIF, a CSV.

Example:

>>> tracker = NeuronDifferentiation.from_csv("units.csv")
>>> tracker.to_frame().tail()
>>> tracker.plot_units("layer1")

``HistoryViews`` is a mixin: it needs only a ``history`` attribute (a list of
record dicts, the columns in ``mlscompanion.tracker.records``) and draws with
``mlscompanion.tracker.plots`` and ``mlscompanion.tracker.units_plot``.
"""

from mlscompanion.tracker.records import RECORD_FIELDS
from mlscompanion.tracker.sinks.csv_file import read_csv

__all__ = ["HistoryViews"]


class HistoryViews:
    """Reads, tabulates and plots ``self.history``; mixed into the tracker.

    Example:

    >>> tracker = NeuronDifferentiation.from_csv("units.csv")  # a HistoryViews
    >>> tracker.plot()
    >>> tracker.animate("layer1.gif", layer="layer1")

    A class that mixes it in has a ``history`` list of records that can be
    set (``from_csv`` builds ``cls()`` and sets its ``history``).
    """

    @staticmethod
    def read_csv(path):
        """Read records written with ``csv_path`` back as a list of dicts."""
        return read_csv(path)

    @classmethod
    def from_csv(cls, path):
        """A tracker holding the history read from ``path`` (for plotting).

        Example:

        >>> NeuronDifferentiation.from_csv("units.csv").plot()
        """
        tracker = cls()
        tracker.history = read_csv(path)
        return tracker

    def to_frame(self):
        """The history as a pandas DataFrame (requires pandas)."""
        try:
            import pandas as pd
        except ImportError:
            raise ImportError(
                "to_frame() needs pandas: pip install pandas. "
                "tracker.history holds the same records as plain dicts."
            ) from None
        return pd.DataFrame(self.history, columns=list(RECORD_FIELDS))

    def plot(self, x="step"):
        """A matplotlib Figure: distance between units and effective width over time."""
        from mlscompanion.tracker.plots import plot_differentiation

        return plot_differentiation(self.history, x=x)

    def plot_units(self, layer=None, steps=None):
        """A matplotlib Figure: the distance between every pair of a layer's units.

        Heatmaps at a few steps (default: first, middle and last record), for
        layers of at most ``pair_limit`` units. See
        ``mlscompanion.tracker.units_plot.plot_units``.

        Example:

        >>> tracker.plot_units("layer1", steps=[0, 100, 1000])
        """
        from mlscompanion.tracker.units_plot import plot_units

        return plot_units(self.history, layer=layer, steps=steps)

    def animate(self, path, layer=None, fps=4, max_frames=60):
        """Write a GIF of a layer's pair-distance matrix over training; returns ``path``.

        See ``mlscompanion.tracker.units_plot.animate_units``.

        Example:

        >>> tracker.animate("layer1.gif", layer="layer1")
        """
        from mlscompanion.tracker.units_plot import animate_units

        return animate_units(self.history, path, layer=layer, fps=fps,
                             max_frames=max_frames)
