"""The unit maps of a model over training, kept per step for a callback.

Example:

>>> recorder = UnitMapRecorder(X, y, features=(0, 1))
>>> recorder.record(model, step=0)            # one forward pass
>>> tiles, (xs, ys) = recorder.unit_maps("layer1")

The computation is ``mlscompanion.tracker.unit_maps``; the pictures are
``mlscompanion.tracker.maps_figure``. Every recorded ``UnitMaps`` is kept
(one per record: the tiles of every layer and the output map).
"""

from mlscompanion.tracker.unit_maps import UnitMapper

__all__ = ["UnitMapRecorder"]


class UnitMapRecorder:
    """Keeps the unit maps of a model over training (for a callback).

    Example:

    >>> recorder = UnitMapRecorder(X, y, features=(0, 1))
    >>> recorder.record(model, step=0)            # builds the mapper once
    >>> tiles, axes = recorder.unit_maps("layer1")

    ``options`` are those of ``UnitMapper`` (not ``model``, ``x``, ``y``).
    """

    def __init__(self, x, y=None, **options):
        self.x, self.y, self.options = x, y, options
        self.maps = {}  # step -> UnitMaps
        self._mapper = None
        self._source = None

    @classmethod
    def from_options(cls, maps, maps_data):
        """The recorder a tracker's ``maps``/``maps_data`` arguments ask for, or None.

        ``maps``: False, True, a dict of ``UnitMapper`` options, or a
        recorder; ``maps_data``: ``x`` or ``(x, y)`` in raw units.
        """
        if isinstance(maps, cls):
            return maps
        if maps is False or maps is None:
            return None
        if maps is not True and not isinstance(maps, dict):
            raise ValueError("`maps` must be True, False, a dict of unit map options "
                             f"(features, hold, grid, transform, ...). Received: maps={maps!r}")
        if maps_data is None:
            raise ValueError("`maps_data` is needed with maps: the data rows in raw units, "
                             "x or (x, y), that span the plane. Received: maps_data=None")
        x, y = maps_data if isinstance(maps_data, tuple) and len(maps_data) == 2 else (maps_data, None)
        return cls(x, y, **({} if maps is True else maps))

    @staticmethod
    def require(recorder):
        """``recorder``, or a ValueError saying how to turn the maps on."""
        if recorder is None:
            raise ValueError("No unit maps: create the tracker with maps=True and "
                             "maps_data=(x, y), the data in raw units.")
        return recorder

    def record(self, model, step):
        """Take the maps of ``model`` at ``step`` (one forward pass)."""
        if self._mapper is None or self._source is not model:
            self._mapper = UnitMapper(model, self.x, self.y, **self.options)
            self._source = model
        self.maps[int(step)] = self._mapper(int(step))
        return self.maps[int(step)]

    def get(self, step=None):
        """The ``UnitMaps`` at ``step`` (the nearest recorded; None: the last)."""
        if not self.maps:
            raise ValueError("No unit maps recorded yet: train with maps=True first.")
        steps = sorted(self.maps)
        if step is None:
            return self.maps[steps[-1]]
        return self.maps[min(steps, key=lambda s: (abs(s - step), s))]

    def unit_maps(self, layer, step=None):
        """``(tiles, (xs, ys))``: ``layer``'s units over the plane at ``step``."""
        maps = self.get(step)
        return maps.layer(layer).tiles, maps.axes

    def plot(self, step=None, **kwargs):
        """The Playground-style figure at ``step`` (see ``plot_unit_maps``)."""
        from mlscompanion.tracker.maps_figure import plot_unit_maps

        return plot_unit_maps(self.get(step), **kwargs)

    def animate(self, path, fps=2, max_frames=60, dpi=72, **kwargs):
        """Write a GIF of the maps over training (see ``animate_unit_maps``)."""
        from mlscompanion.tracker.maps_figure import animate_unit_maps

        return animate_unit_maps([self.maps[s] for s in sorted(self.maps)], path, fps=fps,
                                 max_frames=max_frames, dpi=dpi, **kwargs)


class MapViews:
    """The tracker's unit-map methods, for a callback whose ``_maps`` is a
    ``UnitMapRecorder`` (or None when ``maps`` was not asked for)."""

    _maps = None

    def unit_maps(self, layer, step=None):
        """``(tiles, (xs, ys))``: ``layer``'s units (units x G x G) over the plane.

        Example:

        >>> tiles, (xs, ys) = tracker.unit_maps("layer1")       # the last record
        """
        return UnitMapRecorder.require(self._maps).unit_maps(layer, step)

    def plot_maps(self, step=None, **kwargs):
        """The unit maps at ``step`` (default: the last) in Playground's layout.

        Example:

        >>> tracker.plot_maps().savefig("maps.png")
        """
        return UnitMapRecorder.require(self._maps).plot(step, **kwargs)

    def animate(self, path, layer=None, fps=4, max_frames=60, what="units"):
        """Write a GIF: a layer's pair distances (``what="units"``) or the unit maps.

        Example:

        >>> tracker.animate("maps.gif", what="maps")
        """
        if what == "maps":
            return UnitMapRecorder.require(self._maps).animate(path, fps=fps, max_frames=max_frames)
        if what != "units":
            raise ValueError(f'`what` must be "units" or "maps". Received: what={what!r}')
        return super().animate(path, layer=layer, fps=fps, max_frames=max_frames)
