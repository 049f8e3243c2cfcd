"""Unit maps: every unit's output over a plane of two input features.

Example:

>>> maps = unit_maps(model, X, y, feature_names=("temperature", "duration"))
>>> maps.layer("layer1").tiles.shape          # units x tile_grid x tile_grid
(3, 25, 25)

The picture TensorFlow Playground draws for its own networks, for any
Keras model: each unit of each layer evaluated over a grid of two input
features, in the learner's raw units. The grid spans the data along the two
features with a margin; every other feature is held at its median over the
data, or at the value given in ``hold``. A ``Normalization`` layer inside the
model is honoured because raw values are fed; one applied outside the model
is given as ``transform`` (a callable from raw rows to model inputs).

One ``UnitMapper`` builds one multi-output ``keras.Model`` (to each layer
whose output has one value per unit and sample, and to the model's output)
and one batch of inputs on the device: the ``grid`` x ``grid`` points of the
output map, the ``tile_grid`` x ``tile_grid`` points of the tiles and up to
``max_points`` data rows. Each call is one forward pass over that batch.

Marks, per unit, over the whole plane and the data rows:

- dead: a ReLU (``relu``, ``relu6``, ``ReLU()`` without negative slope)
  whose output is exactly 0 everywhere;
- saturated: a ``sigmoid``/``hard_sigmoid`` or ``tanh`` unit whose output
  stays within 1 % of the range (0.01, resp. 0.02) of ONE bound everywhere.
  A sharp step (near 0 on one side, near 1 on the other) is not saturated;
- tied: units whose incoming weights and bias are bit-identical (the exact
  key of ``mlscompanion.unit_figures``); for a layer without weights (an
  ``Activation``), units whose outputs are bit-identical and not constant.
"""

from dataclasses import dataclass, field

import numpy as np

from mlscompanion._keras import keras, ops
from mlscompanion._validation import check_int
from mlscompanion.tracker.unit_states import BOUNDED_ACTIVATIONS, DEAD_ACTIVATIONS, unit_states

__all__ = ["unit_maps", "UnitMapper", "UnitMaps", "LayerMap", "activation_name"]

#: Layers without trainable weights that still have one output per unit.
_ACTIVATION_LAYERS = (keras.layers.Activation, keras.layers.ReLU, keras.layers.LeakyReLU,
                      keras.layers.ELU, keras.layers.Softmax)


@dataclass
class LayerMap:
    """One layer's units over the plane, and their marks."""

    name: str
    activation: str  # the activation's name ("sigmoid", "relu", "linear", ...)
    tiles: np.ndarray  # units x tile_grid x tile_grid
    dead: np.ndarray  # bool per unit
    saturated: np.ndarray  # bool per unit
    tied: list  # groups of unit indices with identical weights (or outputs)
    kernel: np.ndarray = None  # (inputs, units) for a 2-D kernel, else None
    bias: np.ndarray = None  # (units,) or None

    @property
    def units(self):
        return self.tiles.shape[0]

    def fractions(self):
        """The share of units dead, saturated, and either."""
        n = max(self.units, 1)
        return {"dead": float(self.dead.sum()) / n,
                "saturated": float(self.saturated.sum()) / n,
                "dead_or_saturated": float((self.dead | self.saturated).sum()) / n}


@dataclass
class UnitMaps:
    """The maps of every layer at one moment, on one plane."""

    features: tuple  # the two feature indices (horizontal, vertical)
    feature_names: tuple
    axes: tuple  # (xs, ys) of the tiles, raw units
    output_axes: tuple  # (xs, ys) of the output map
    output: np.ndarray  # the model output's units x grid x grid
    output_activation: str
    layers: list  # LayerMap per layer, in the model's order
    point: np.ndarray  # the held input (flat, raw); features[0], [1] vary
    x: np.ndarray  # the data rows' two features (n x 2), for the scatter
    y: np.ndarray = None  # their labels (n,), or None
    step: int = None
    meta: dict = field(default_factory=dict)

    def layer(self, name):
        """The ``LayerMap`` of the layer called ``name``."""
        for layer_map in self.layers:
            if layer_map.name == name:
                return layer_map
        raise ValueError(f"`layer` must be one of {[m.name for m in self.layers]}. "
                         f"Received: layer={name!r}")

    def fractions(self):
        """``{layer: {"dead": ..., "saturated": ..., "dead_or_saturated": ...}}``."""
        return {m.name: m.fractions() for m in self.layers}


def activation_name(layer):
    """The name of ``layer``'s activation (``"linear"`` where it has none)."""
    if isinstance(layer, keras.layers.ReLU):
        plain = not layer.negative_slope and layer.max_value is None
        return "relu" if plain else ("relu6" if not layer.negative_slope else "leaky_relu")
    activation = getattr(layer, "activation", None)
    if activation is None:
        return "linear"
    return getattr(activation, "__name__", type(activation).__name__)


def _has_unit_output(layer):
    if isinstance(layer, (keras.layers.InputLayer, keras.Model)):
        return False
    if not (layer.trainable_weights or isinstance(layer, _ACTIVATION_LAYERS)):
        return False
    try:
        output = layer.output
    except (AttributeError, ValueError):  # never called, or called twice
        return False
    return not isinstance(output, (list, tuple, dict)) and len(output.shape) == 2


def _unit_layers(model):
    return [layer for layer in model.layers if _has_unit_output(layer)]


def _plain_kernel(layer):
    """``(kernel, bias)`` as (inputs, units) and (units,) arrays, or (None, None)."""
    kernel = getattr(layer, "kernel", None)
    if kernel is None or len(kernel.shape) < 2:
        return None, None
    kernel = np.asarray(ops.convert_to_numpy(kernel))
    units = kernel.shape[-1]
    bias = getattr(layer, "bias", None)
    bias = None if bias is None else np.asarray(ops.convert_to_numpy(bias))
    if bias is not None and bias.shape != (units,):
        bias = None
    return kernel.reshape(-1, units), bias


def _groups_by_key(rows):
    """Groups (of at least two) of rows with bit-identical bytes."""
    found = {}
    for index, row in enumerate(rows):
        found.setdefault(np.ascontiguousarray(row).tobytes(), []).append(index)
    return [group for group in found.values() if len(group) > 1]


def _tied(kernel, bias, values):
    if kernel is not None:
        rows = kernel.T if bias is None else np.concatenate([kernel.T, bias[:, None]], axis=1)
        return _groups_by_key(rows)
    varying = values.min(axis=1) != values.max(axis=1)
    return [g for g in _groups_by_key(values) if varying[g[0]]]


def _marks(activation, values):
    """``(dead, saturated)`` per unit from ``values`` (units x everywhere)."""
    dead, saturated = (np.asarray(ops.convert_to_numpy(mask)) for mask in
                       unit_states(values.T, activation))
    return (dead & (activation in DEAD_ACTIVATIONS),
            saturated & (activation in BOUNDED_ACTIVATIONS))


def _as_numpy(value):
    """An array, a list or a backend tensor (also on an accelerator) as NumPy."""
    if isinstance(value, np.ndarray) or not hasattr(value, "shape"):
        return np.asarray(value)
    return np.asarray(ops.convert_to_numpy(value))


def _check_features(features, hold, width, image):
    if features is None:
        if image:
            raise ValueError(
                "`features` is needed for a model whose input is an image or a "
                "sequence: give features=(i, j), two indices into the flattened "
                "input of one sample. Received: features=None")
        if width != 2:
            raise ValueError(
                f"`features` is needed for a model with {width} input features: give "
                "features=(i, j), the two features that span the plane (the others "
                "are held at their median). Received: features=None")
        features = (0, 1)
    if (not isinstance(features, (tuple, list)) or len(features) != 2
            or not all(isinstance(i, (int, np.integer)) and not isinstance(i, bool)
                       for i in features)):
        raise ValueError(f"`features` must be two feature indices (i, j). "
                         f"Received: features={features!r}")
    i, j = int(features[0]), int(features[1])
    for index in (i, j):
        if not 0 <= index < width:
            raise ValueError(f"`features` holds the index {index}, out of range for "
                             f"{width} input features (0 to {width - 1}). "
                             f"Received: features={features!r}")
    if i == j:
        raise ValueError(f"`features` must be two different indices. Received: features={features!r}")
    hold = {} if hold is None else hold
    if not isinstance(hold, dict):
        raise ValueError(f"`hold` must be a dict {{feature index: value}}. Received: hold={hold!r}")
    for index in hold:
        if not isinstance(index, (int, np.integer)) or not 0 <= index < width or index in (i, j):
            raise ValueError(
                f"`hold` must map indices of held features (0 to {width - 1}, not the "
                f"plotted {i} and {j}) to values. Received the key {index!r} in hold={hold!r}")
        if isinstance(hold[index], bool) or not isinstance(hold[index], (int, float, np.number)):
            raise ValueError(f"`hold` must map feature indices to numbers. Received the "
                             f"value {hold[index]!r} in hold={hold!r}")
    return (i, j), {int(k): float(v) for k, v in hold.items()}


def _check_arguments(model, grid, tile_grid, max_points, transform, margin):
    """Raise early on a bad model or option; return ``grid``, ``tile_grid``, ``max_points``."""
    if not isinstance(model, keras.Model) or len(getattr(model, "inputs", None) or []) != 1:
        raise ValueError(
            "`model` must be a built Keras model with one input (start it with "
            f"keras.Input(...)). Received: model={model!r}")
    grid = check_int(grid, "grid", minimum=2)
    tile_grid = grid if tile_grid is None else check_int(tile_grid, "tile_grid", minimum=2)
    max_points = check_int(max_points, "max_points")
    if transform is not None and not callable(transform):
        raise ValueError(f"`transform` must be a callable from raw rows to model inputs. "
                         f"Received: transform={transform!r}")
    if not (isinstance(margin, (int, float)) and margin >= 0):
        raise ValueError(f"`margin` must be a number >= 0. Received: margin={margin!r}")
    return grid, tile_grid, max_points


def _check_rows(x, want, transform):
    """``x`` as float32 rows, checked against the model's input shape ``want``."""
    x = _as_numpy(x).astype("float32")
    if x.ndim < 2 or len(x) < 1:
        raise ValueError(f"`x` must be data rows (n x features). Received shape {x.shape}.")
    if transform is None and (len(want) != x.ndim - 1 or any(
            w is not None and w != got for w, got in zip(want, x.shape[1:]))):
        raise ValueError(
            f"`x` has rows of shape {x.shape[1:]}, but the model takes inputs of "
            f"shape {want}. Give raw rows the model takes (or transform=...).")
    return x


def _check_labels(y, rows):
    """``y`` as a flat array of one label per row, else raise."""
    y = _as_numpy(y)
    if y.size != rows:
        raise ValueError(f"`y` must hold one label per row of `x` ({rows}). "
                         f"Received shape {y.shape}.")
    return y.reshape(rows)


class UnitMapper:
    """Computes ``UnitMaps`` of one model: built once, one forward pass per call.

    Example:

    >>> mapper = UnitMapper(model, X, y, transform=normalize)
    >>> maps = mapper()          # now; call again after training for the new maps

    Args:
        model: a built Keras model with one input (``keras.Input`` given).
        x: data rows in raw units (n x features, or n x the input's shape).
        y: optional labels (one per row), drawn on the output map.
        features: ``(i, j)``, the features spanning the plane (indices into
            a sample's flattened input); needed beyond 2 features.
        hold: ``{index: value}`` for held features (default: the median).
        grid: points per side of the output map (Playground: 100).
        tile_grid: points per side of the tiles (default 25; None: ``grid``).
        transform: callable from raw rows to model inputs, for a
            preprocessing applied outside the model.
        margin: the plane reaches this share of the data's span beyond it.
        max_points: data rows kept (a sample drawn with ``seed``) for the
            marks and the scatter.
        seed: seed of that sample.
        feature_names: names of the two plotted features, for the figure.
    """

    def __init__(self, model, x, y=None, features=None, hold=None, grid=100, tile_grid=25,
                 transform=None, margin=0.1, max_points=1000, seed=0, feature_names=None):
        self.grid, self.tile_grid, self.max_points = _check_arguments(
            model, grid, tile_grid, max_points, transform, margin)
        want = tuple(model.inputs[0].shape[1:])
        x = _check_rows(x, want, transform)
        self.sample_shape = x.shape[1:]
        flat = x.reshape(len(x), -1)
        self.features, hold = _check_features(features, hold, flat.shape[1], x.ndim > 2)
        i, j = self.features
        self.point = np.median(flat, axis=0).astype("float32")
        for index, value in hold.items():
            self.point[index] = value
        self.axes = self._axes(flat[:, [i, j]], self.tile_grid, margin)
        self.output_axes = self._axes(flat[:, [i, j]], self.grid, margin)
        keep = np.arange(len(x))
        if len(x) > self.max_points:
            keep = np.sort(np.random.default_rng(seed).choice(len(x), self.max_points, replace=False))
        self.x = flat[keep][:, [i, j]]
        self.y = None if y is None else _check_labels(y, len(x))[keep]
        self.feature_names = tuple(feature_names or (f"x{i}", f"x{j}"))
        if len(self.feature_names) != 2:
            raise ValueError(f"`feature_names` must name the two plotted features. "
                             f"Received: feature_names={feature_names!r}")
        self.transform = transform
        batch = np.concatenate([self._plane(self.output_axes), self._plane(self.axes), flat[keep]])
        batch = batch.reshape((-1,) + self.sample_shape)
        if transform is not None:
            batch = transform(batch)
            got = tuple(ops.shape(batch)[1:])
            if len(got) != len(want) or any(w is not None and w != g for w, g in zip(want, got)):
                raise ValueError(f"`transform` gives inputs of shape {got}, but the model "
                                 f"takes {want}.")
        self._inputs = ops.convert_to_tensor(batch, dtype=model.inputs[0].dtype)
        self._layers = _unit_layers(model)
        if not self._layers:
            raise ValueError(
                f"`model` ({model.name!r}) has no layer with one output per unit "
                "(Dense, EinsumDense, an activation layer, ... giving samples x units); "
                "unit maps need at least one.")
        self._all_outputs = keras.Model(model.inputs,
                                  [layer.output for layer in self._layers] + [model.outputs[0]])
        self._output_activation = activation_name(model.layers[-1])
        self._sizes = (self.grid ** 2, self.tile_grid ** 2)

    @staticmethod
    def _axes(plane, steps, margin):
        axes = []
        for column in plane.T:
            low, high = float(column.min()), float(column.max())
            span = high - low if high > low else 1.0
            axes.append(np.linspace(low - margin * span, high + margin * span, steps,
                                    dtype="float32"))
        return tuple(axes)

    def _plane(self, axes):
        """Every (xs, ys) grid point as a full input row: row r*steps + c is (xs[c], ys[r])."""
        xx, yy = np.meshgrid(*axes)
        rows = np.repeat(self.point[None, :], xx.size, axis=0)
        rows[:, self.features[0]] = xx.ravel()
        rows[:, self.features[1]] = yy.ravel()
        return rows

    @property
    def inputs(self):
        """The batch fed to the model: output grid, tile grid, data rows."""
        return self._inputs

    def forward(self):
        """The raw outputs of the one forward pass (backend tensors)."""
        if keras.backend.backend() == "torch":
            import torch

            with torch.no_grad():
                return self._all_outputs(self._inputs, training=False)
        return self._all_outputs(self._inputs, training=False)

    def __call__(self, step=None):
        """The maps now: one forward pass, one copy to the host."""
        outputs = [np.asarray(ops.convert_to_numpy(o)).reshape(o.shape[0], -1)
                   for o in self.forward()]
        big, tiles = self._sizes
        g, t = self.grid, self.tile_grid
        layer_maps = []
        for layer, values in zip(self._layers, outputs[:-1]):
            values = values.T  # units x everywhere
            activation = activation_name(layer)
            kernel, bias = _plain_kernel(layer)
            dead, saturated = _marks(activation, values)
            layer_maps.append(LayerMap(
                layer.name, activation, values[:, big:big + tiles].reshape(-1, t, t),
                dead, saturated, _tied(kernel, bias, values), kernel, bias))
        output = outputs[-1].T[:, :big].reshape(-1, g, g)
        return UnitMaps(self.features, self.feature_names, self.axes, self.output_axes, output,
                        self._output_activation, layer_maps, self.point.copy(), self.x, self.y,
                        step)


def unit_maps(model, x, y=None, **options):
    """The ``UnitMaps`` of ``model`` now (see ``UnitMapper`` for the options).

    Example:

    >>> maps = unit_maps(model, X, y)
    >>> tiles, (xs, ys) = maps.layer("layer1").tiles, maps.axes
    """
    return UnitMapper(model, x, y, **options)()
