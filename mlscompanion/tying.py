"""Tie a model's neurons or single weights in one call, in the forum's w-notation.

Weights are numbered unit by unit, layer by layer (the forum's "Individual neurons"
thread, docs/questions.md): in a 2-2-1
network w1, w2 go into unit 1 (from x1, x2), w3, w4 into unit 2, and w5, w6
into the output unit (from units 1 and 2); biases b1, b2, b3 likewise.

Example:

>>> mlscompanion.weight_names(model).names   # a 2-2-1 model
['w1', 'w2', 'w3', 'w4', 'w5', 'w6', 'b1', 'b2', 'b3']
>>> attached = mlscompanion.tie_weights(model, ["w1", "w3"], ["w2", "w4"], ["w5", "w6"])
>>> attached = mlscompanion.tie_neurons(model.get_layer("layer1"), [[0, 1]], model=model)

``tie_neurons`` also ties the filters of a Conv1D/2D/3D layer (``kernel[..., j]``
and ``bias[j]``) and the next layer's matching input channels.

Both attach constraints (kept after every optimizer step) AND project the
current weights at once, since Keras never applies constraints at
initialization. They work before ``compile``, after it, and between two
``fit`` calls.
"""

import re
import warnings
from dataclasses import dataclass

import numpy as np

from mlscompanion._keras import keras, ops
from mlscompanion import _internals, _validation
from mlscompanion.next_layer import CONV, next_layer
from mlscompanion.constraints import TieEntries, TieInputs, TieUnits

__all__ = ["weight_names", "tie_weights", "tie_neurons", "WeightTable", "NamedWeight"]


@dataclass(frozen=True)
class NamedWeight:
    """One weight in w-notation: ``kernel[input, unit]`` or ``bias[unit]`` of ``layer``.

    Example:

    >>> w5 = mlscompanion.weight_names(model)["w5"]   # a 2-2-1 model
    >>> w5.layer, w5.kind, w5.index, w5.value
    ('layer2', 'kernel', (0, 0), 0.5)
    """

    name: str
    layer: str
    kind: str
    unit: int
    input: object
    value: float

    @property
    def index(self):
        return (self.input, self.unit) if self.kind == "kernel" else (self.unit,)


class WeightTable:
    """The rows of ``weight_names``: iterate, index by position or by name.

    Example:

    >>> table = mlscompanion.weight_names(model)   # a 2-2-1 model
    >>> len(table), table[0].name, "w6" in table, round(table.values()["w4"], 6)
    (9, 'w1', True, 0.4)
    """

    def __init__(self, rows):
        self.rows = list(rows)
        self._by_name = {row.name: row for row in self.rows}

    def __iter__(self):
        return iter(self.rows)

    def __len__(self):
        return len(self.rows)

    def __contains__(self, name):
        return name in self._by_name

    def __getitem__(self, key):
        if isinstance(key, str):
            if key not in self._by_name:
                raise KeyError(_unknown_names([key], self))
            return self._by_name[key]
        return self.rows[key]

    @property
    def names(self):
        return [row.name for row in self.rows]

    def values(self):
        """``{name: value}`` for every weight."""
        return {row.name: row.value for row in self.rows}

    def to_frame(self):
        import pandas as pd

        return pd.DataFrame([row.__dict__ for row in self.rows])

    def __str__(self):
        header = f"{'name':<6}{'layer':<14}{'kind':<8}{'unit':>5}{'input':>7}{'value':>13}"
        lines = [header, "-" * len(header)]
        for r in self.rows:
            inp = "" if r.input is None else r.input
            lines.append(
                f"{r.name:<6}{r.layer[:13]:<14}{r.kind:<8}{r.unit:>5}{inp!s:>7}{r.value:>13.6f}"
            )
        lines.append("(unit and input are 0-based indices, as in TieUnits([[0, 1]]))")
        return "\n".join(lines)

    __repr__ = __str__


def _dense_layers(model):
    layers = [
        layer
        for layer in model.layers
        if getattr(layer, "kernel", None) is not None and len(layer.kernel.shape) == 2
    ]
    if not layers:
        raise ValueError(
            "The model has no built Dense layer to name. Build it first: start "
            "a Sequential with keras.Input((n_features,)) or call model.build()."
        )
    return layers


def weight_names(model):
    """Name every kernel weight w1..wN and bias b1..bM (forum notation).

    Example:

    >>> table = mlscompanion.weight_names(model)   # a 2-2-1 model
    >>> print(table)
    name  layer         kind     unit  input        value
    -----------------------------------------------------
    w1    layer1        kernel      0      0     0.100000
    w2    layer1        kernel      0      1     0.300000
    w3    layer1        kernel      1      0     0.200000
    w4    layer1        kernel      1      1     0.400000
    w5    layer2        kernel      0      0     0.500000
    w6    layer2        kernel      0      1     0.600000
    b1    layer1        bias        0            0.000000
    b2    layer1        bias        1            0.000000
    b3    layer2        bias        0            0.000000
    (unit and input are 0-based indices, as in TieUnits([[0, 1]]))
    >>> table["w5"].value
    0.5
    """
    rows = []
    w = b = 0
    for layer in _dense_layers(model):
        kernel = ops.convert_to_numpy(layer.kernel)
        bias = getattr(layer, "bias", None)
        bias = None if bias is None else ops.convert_to_numpy(bias)
        n_in, units = kernel.shape
        for unit in range(units):
            for inp in range(n_in):
                w += 1
                rows.append(NamedWeight(f"w{w}", layer.name, "kernel", unit, inp, float(kernel[inp, unit])))
        if bias is not None:
            for unit in range(units):
                b += 1
                rows.append(NamedWeight(f"b{b}", layer.name, "bias", unit, None, float(bias[unit])))
    rows.sort(key=lambda r: (r.name[0] != "w", int(r.name[1:])))
    return WeightTable(rows)


def _unknown_names(names, table):
    valid = table.names
    shown = ", ".join(valid[:40]) + (" ..." if len(valid) > 40 else "")
    return f"Unknown weight name(s) {names}. Valid names for this model: {shown}"


# ----- attaching constraints -------------------------------------------------

def _as_entry_groups(constraint, shape):
    """Express a tie constraint as groups of index tuples on ``shape``."""
    if isinstance(constraint, TieEntries):
        return [list(g) for g in constraint.groups]
    if isinstance(constraint, (TieUnits, TieInputs)):
        axis = (-1 if isinstance(constraint, TieUnits) else -2) % len(shape)
        rest = list(np.ndindex(*(shape[:axis] + shape[axis + 1:])))
        return [[idx[:axis] + (i,) + idx[axis:] for i in g] for g in constraint.groups for idx in rest]
    raise TypeError(type(constraint).__name__)


def _merge_groups(*group_lists):
    parent = {}

    def find(x):
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for groups in group_lists:
        for group in groups:
            for member in group[1:]:
                parent[find(member)] = find(group[0])
    merged = {}
    for member in parent:
        merged.setdefault(find(member), []).append(member)
    return [sorted(g) for g in merged.values() if len(g) > 1]


def _attach(layer, kind, constraint):
    """Set (or merge into) the constraint of ``layer.<kind>`` and project it now."""
    variable = getattr(layer, kind)
    existing = variable.constraint
    if existing is not None:
        if not isinstance(existing, (TieUnits, TieInputs, TieEntries)):
            raise ValueError(
                f"Layer {layer.name!r} already has a {kind} constraint "
                f"({type(existing).__name__}); mlscompanion can only combine its "
                "own tie constraints. Remove it (layer."
                f"{kind}_constraint = None) or tie by hand."
            )
        shape = tuple(variable.shape)
        constraint = TieEntries(
            _merge_groups(_as_entry_groups(existing, shape), _as_entry_groups(constraint, shape))
        )
    constraint(variable)  # validates against the shape before anything changes
    setattr(layer, f"{kind}_constraint", constraint)
    _internals.set_variable_constraint(variable, constraint)
    variable.assign(constraint(variable))
    return constraint


def _refresh(model):
    """Make the next fit/evaluate retrace, so the new constraints are applied."""
    if model is not None:
        for attr in ("train_function", "test_function", "predict_function"):
            if hasattr(model, attr):
                setattr(model, attr, None)


def _check_built(layer):
    kernel = getattr(layer, "kernel", None)
    name = getattr(layer, "name", layer)
    if isinstance(layer, CONV) and kernel is not None:
        if layer.groups != 1:
            raise ValueError(
                f"Layer {name!r} is a grouped convolution (groups={layer.groups}); "
                "tie_neurons ties the filters of ungrouped Conv1D/2D/3D layers only."
            )
        return
    if kernel is not None and len(kernel.shape) != 2:
        raise ValueError(
            f"Layer {name!r} ({type(layer).__name__}) has a kernel of shape "
            f"{tuple(kernel.shape)}; tie_neurons ties the units of a Dense layer "
            "or the filters of a Conv1D/2D/3D layer. Tie other layers with the "
            "constraints (TieUnits, TieInputs, TieEntries) on the right axis."
        )
    if kernel is None:
        raise ValueError(
            f"Layer {name!r} has no built 2-D kernel (Dense) or Conv1D/2D/3D "
            "kernel. Pass a built layer (give the model keras.Input(...) first)."
        )


def tie_neurons(layer, groups, model=None, outgoing=True):
    """Keep the units in each group identical: incoming weights, bias and
    (with ``model`` and ``outgoing=True``) their weights into the next layer.

    On a Conv1D/2D/3D layer the units are the filters (``kernel[..., j]`` and
    ``bias[j]``); the next layer's inputs are then the input channels of the
    next Conv layer (``kernel[..., j, :]``) or, after global pooling, the
    rows of a Dense layer. Between the two, only layers that keep channel j
    at index j may stand (activations, dropout, pooling, padding, cropping,
    upsampling, BatchNormalization); anything else (Flatten, Reshape, ...)
    raises before anything is tied. In a functional model the next layer is
    the one the layer's output flows into (``mlscompanion.next_layer``); an
    output that feeds several layers, or a merge on the way, raises too.

    Example:

    >>> attached = mlscompanion.tie_neurons(model.get_layer("layer1"), [[0, 1]], model=model)
    >>> table = mlscompanion.weight_names(model)
    >>> table["w1"].value == table["w3"].value, table["w5"].value == table["w6"].value
    (True, True)

    Args:
        layer: a built Dense or Conv1D/2D/3D layer.
        groups: groups of unit (filter) indices, e.g. ``[[0, 1]]``.
        model: the model holding ``layer``; needed for the outgoing weights
            and when the model has been fit already.
        outgoing: also tie the next layer's inputs from these units (w5=w6).

    Returns the list of ``(layer_name, weight_kind, constraint)`` attached.
    """
    _check_built(layer)
    groups = _validation.check_index_groups(groups)
    units = layer.kernel.shape[-1]
    _validation.check_groups_fit(groups, units, "unit", layer.kernel.shape)
    nxt = None
    if outgoing and model is None:
        warnings.warn(
            "tie_neurons: outgoing weights not tied because no model was "
            "given; pass model=... so the next layer's weights (w5=w6) are "
            "tied too, or outgoing=False to silence this.",
            stacklevel=2,
        )
    elif outgoing:
        nxt = next_layer(model, layer)
        if nxt is not None and nxt.kernel.shape[-2] != units:
            raise ValueError(
                f"The layer after {layer.name!r}, {nxt.name!r}, has a "
                f"kernel of shape {tuple(nxt.kernel.shape)} that does not "
                f"take {layer.name!r}'s {units} units as inputs; use "
                "outgoing=False or tie_weights for this architecture."
            )
    attached = [(layer.name, "kernel", _attach(layer, "kernel", TieUnits(groups)))]
    if getattr(layer, "bias", None) is not None:
        attached.append((layer.name, "bias", _attach(layer, "bias", TieUnits(groups))))
    if nxt is not None:
        attached.append((nxt.name, "kernel", _attach(nxt, "kernel", TieInputs(groups))))
    _refresh(model)
    return attached


_NAME = re.compile(r"^([wb])([1-9][0-9]*)$")


def tie_weights(model, *groups_of_names):
    """Tie single weights by their forum names; each group must lie in one weight.

    Example:

    >>> attached = mlscompanion.tie_weights(model, ["w1", "w3"], ["w2", "w4"], ["w5", "w6"])
    >>> [(layer, kind) for layer, kind, constraint in attached]
    [('layer1', 'kernel'), ('layer2', 'kernel')]
    >>> round(mlscompanion.weight_names(model)["w5"].value, 6)   # (0.5 + 0.6) / 2
    0.55

    Returns the list of ``(layer_name, weight_kind, constraint)`` attached.
    """
    if not groups_of_names:
        raise ValueError(
            "tie_weights needs at least one group of names, e.g. "
            "tie_weights(model, ['w1', 'w3'])."
        )
    table = weight_names(model)
    per_variable = {}
    for group in groups_of_names:
        if isinstance(group, str) or not hasattr(group, "__iter__"):
            raise ValueError(
                f"Each group must be a list of weight names such as ['w1', 'w3']. "
                f"Received: {group!r}"
            )
        group = list(group)
        unknown = [n for n in group if not isinstance(n, str) or n not in table]
        if unknown:
            raise ValueError(_unknown_names(unknown, table))
        if len(set(group)) < 2:
            raise ValueError(
                f"Group {group} ties fewer than 2 distinct weights; give at least two names."
            )
        rows = [table[n] for n in group]
        targets = {(r.layer, r.kind) for r in rows}
        if len(targets) > 1:
            raise ValueError(
                f"Group {group} mixes weights of different layers or kernel and "
                f"bias ({sorted(targets)}); a group can only tie entries of one "
                "weight, since Keras constrains each weight separately."
            )
        per_variable.setdefault(targets.pop(), []).append([r.index for r in rows])
    attached = []
    by_name = {layer.name: layer for layer in model.layers}
    for (layer_name, kind), groups in per_variable.items():
        merged = _merge_groups(groups)
        layer = by_name[layer_name]
        attached.append((layer_name, kind, _attach(layer, kind, TieEntries(merged))))
    _refresh(model)
    return attached
