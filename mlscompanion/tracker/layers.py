"""What a unit is, for each kind of layer the tracker describes.

Example:

>>> tracked = describe_layer(model.get_layer("conv"))     # None: no units to describe
>>> figures = UnitFigures(tracked.shapes, layout=tracked.layout)
>>> vector = figures.compute(tracked.weights())            # on the device

A unit is every weight that belongs to one output feature, read where the
weights live (``keras.ops`` only, no host copy):

- ``Dense`` (and any layer with a 2-D ``kernel``): unit ``j`` is the column
  ``kernel[:, j]`` plus ``bias[j]``.
- ``Conv1D``/``Conv2D``/``Conv3D``: unit ``j`` is filter ``j``,
  ``kernel[..., j]`` (every position and input channel) plus ``bias[j]``.
- ``Conv1DTranspose``/``Conv2DTranspose``/``Conv3DTranspose``: their kernel
  is ``(..., filters, channels_in)``, so filter ``j`` is ``kernel[..., j, :]``
  plus ``bias[j]``.
- ``EinsumDense``: unit ``j`` is index ``j`` of the kernel's last axis (an
  output feature): ``kernel[..., j]``, plus the bias entries of that feature
  when ``bias_axes`` holds its letter (a bias over other axes only is shared
  by all units and left out). A kernel whose last axis is summed away (not
  in the output) has no units.
- ``SimpleRNN``: hidden unit ``j`` is ``kernel[:, j]``,
  ``recurrent_kernel[:, j]`` and ``bias[j]``.
- ``LSTM`` (gates i, f, c, o) and ``GRU`` (gates z, r, h): hidden unit ``j``
  is, for every gate ``g``, ``kernel[:, g*units + j]``,
  ``recurrent_kernel[:, g*units + j]`` and ``bias[g*units + j]``; a GRU with
  ``reset_after=True`` has a ``(2, 3*units)`` bias and unit ``j`` takes both
  rows, ``bias[:, g*units + j]``.

Embedding, normalization, pooling, depthwise and separable convolutions,
``Bidirectional`` and quantized layers have no units in this sense.

Activations (for the probe's correlation) are the layer's output with the
units on the last axis: a conv layer's channel axis (axis 1 for
``data_format="channels_first"``), an RNN's hidden state (its first output
when ``return_state=True``); the other axes but the first are positions.
"""

import warnings

import numpy as np

from mlscompanion._keras import Variable, backend_variable, keras, ops

__all__ = ["TrackedLayer", "describe_layer", "layers_of", "RNN_GATES"]

#: Gate blocks per hidden unit, by recurrent layer.
RNN_GATES = {keras.layers.SimpleRNN: 1, keras.layers.GRU: 3, keras.layers.LSTM: 4}

#: The backends whose variables keep one tensor that training updates in place.
UPDATED_IN_PLACE = ("tensorflow", "torch")

_CONV = (keras.layers.Conv1D, keras.layers.Conv2D, keras.layers.Conv3D)
_CONV_TRANSPOSE = (keras.layers.Conv1DTranspose, keras.layers.Conv2DTranspose,
                   keras.layers.Conv3DTranspose)


def _value(weight):
    """The tensor of a variable (a LoRA kernel is already a tensor)."""
    return getattr(weight, "value", weight)


class TrackedLayer:
    """One layer as the tracker sees it: its units' weights and activations.

    Args:
        layer: the Keras layer (its ``name`` names the records).
        owner: the object that holds the weights (the layer, or an RNN's cell).
        names: attribute names of the weights on ``owner``, read at each
            record (a variable's current value stays on its device).
        layout: where the units lie in each weight (see
            ``mlscompanion.tracker.figures.unit_rows``).
        unit_axis: the axis of the layer's output that holds the units.
        chain: the models nested in the tracked model that hold the layer,
            outermost first (empty: a layer of the tracked model itself).
    """

    def __init__(self, layer, owner, names, layout, unit_axis=-1, chain=()):
        self.layer = layer
        self.name = layer.name
        self.chain = tuple(chain)
        self._owner = owner
        self._names = tuple(names)
        self.layout = tuple(layout)
        self.unit_axis = unit_axis
        self.shapes = tuple(tuple(int(size) for size in getattr(owner, name).shape)
                            for name in self._names)
        axis, gates = self.layout[0]
        self.units = self.shapes[0][axis] // gates

    def weights(self):
        """The weights holding the units, as tensors on their device."""
        return tuple(_value(getattr(self._owner, name)) for name in self._names)

    def variables(self):
        """The backend variables ``weights()`` returns, for a caller that
        reads them many times while the layer cannot change (the tracker,
        during ``fit``); None where reading again gives a new object:
        a computed kernel (LoRA), or a backend that replaces a variable's
        array at each update (JAX, NumPy).

        TensorFlow and PyTorch update a variable in place, so the object
        stays the same, and skipping Keras' attribute lookups at each read
        matters when a record is taken every batch."""
        if keras.backend.backend() not in UPDATED_IN_PLACE:
            return None
        sources = self.keras_variables()
        return None if sources is None else tuple(map(backend_variable, sources))

    def keras_variables(self):
        """The Keras variables ``weights()`` reads; None where a weight is
        computed (a LoRA kernel)."""
        sources = tuple(getattr(self._owner, name) for name in self._names)
        if not all(isinstance(source, Variable) for source in sources):
            return None
        return sources

    def activations(self, output):
        """The layer's output (symbolic or not) with the units on the last axis."""
        if isinstance(output, (list, tuple)):  # an RNN with return_state=True
            output = output[0]
        rank = len(output.shape)
        if self.unit_axis % rank == rank - 1:
            return output
        return ops.moveaxis(output, self.unit_axis, -1)


def _with_bias(layer, kernel_axis=-1):
    names, layout = ["kernel"], [(kernel_axis, 1)]
    if getattr(layer, "bias", None) is not None:
        names.append("bias")
        layout.append((-1, 1))
    return names, layout


def _channel_axis(layer):
    return 1 if getattr(layer, "data_format", "channels_last") == "channels_first" else -1


def _einsum(layer):
    """An EinsumDense layer's units: the last axis of its kernel."""
    equation = layer.equation.replace("...", "0")
    operands, output = equation.split("->")
    kernel_spec = operands.split(",")[1]
    letter = kernel_spec[-1]
    spec = output.replace("0", "")
    if letter not in spec:
        return None
    position = spec.index(letter)
    # the output's axes are the spec's, after (or before) the elided ones
    unit_axis = position if output.endswith("0") else position - len(spec)
    names, layout = ["kernel"], [(-1, 1)]
    bias_axes = layer.bias_axes or ""
    if getattr(layer, "bias", None) is not None and letter in bias_axes:
        first = min(spec.index(char) for char in bias_axes)
        names.append("bias")
        layout.append((position - first, 1))
    return TrackedLayer(layer, layer, names, layout, unit_axis)


def layers_of(model, chain=()):
    """``(layer, chain)`` for every layer of ``model`` and of the models in it.

    ``chain``: the nested models from ``model`` down to the layer's owner.
    Only models are opened (not an RNN's cell or a wrapper's inner layer).
    """
    found = []
    for layer in model.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        found.append((layer, chain))
        if isinstance(layer, keras.Model):
            found.extend(layers_of(layer, chain + (layer,)))
    return found


def describe_layer(layer, chain=()):
    """A ``TrackedLayer`` for ``layer``, or None if it has no units to describe.

    The layer must be built. ``units`` may be 1: the caller decides what to
    track. ``chain``: the nested models holding it (see ``layers_of``).
    """
    tracked = _describe(layer)
    if tracked is not None:
        tracked.chain = tuple(chain)
    return tracked


def _describe(layer):
    if getattr(layer, "quantization_mode", None) is not None:
        return None
    rnn = [gates for kind, gates in RNN_GATES.items() if isinstance(layer, kind)]
    if rnn:
        cell = layer.cell
        if getattr(cell, "kernel", None) is None:
            return None
        gates = rnn[0]
        names = ["kernel", "recurrent_kernel"]
        if getattr(cell, "bias", None) is not None:
            names.append("bias")
        return TrackedLayer(layer, cell, names, [(-1, gates)] * len(names))
    if getattr(layer, "kernel", None) is None:
        return None
    if isinstance(layer, _CONV_TRANSPOSE):
        names, layout = _with_bias(layer, kernel_axis=-2)
        return TrackedLayer(layer, layer, names, layout, _channel_axis(layer))
    if isinstance(layer, _CONV):
        names, layout = _with_bias(layer)
        return TrackedLayer(layer, layer, names, layout, _channel_axis(layer))
    if isinstance(layer, keras.layers.EinsumDense):
        return _einsum(layer)
    if len(layer.kernel.shape) == 2:
        names, layout = _with_bias(layer)
        return TrackedLayer(layer, layer, names, layout)
    return None


def _trackable(layer, chain=()):
    """The layer's ``TrackedLayer`` and why it is not tracked ("" if it is)."""
    tracked = describe_layer(layer, chain)
    if tracked is None:
        return None, f"{type(layer).__name__}: no units the tracker describes"
    if tracked.units < 2:
        return None, f"{tracked.units} unit"
    return tracked, ""


def resolve_layers(model, layers=None):
    """The ``TrackedLayer`` of each layer of ``model`` to track.

    Example:

    >>> [t.name for t in resolve_layers(model, ["layer1"])]
    ['layer1']

    ``layers``: names or layer objects (also of nested models); None: every
    layer with at least 2 units that can be described, silently. Named
    layers that cannot be described are listed in one warning.
    """
    candidates = layers_of(model)
    chain_of = {id(layer): chain for layer, chain in candidates}
    if layers is None:
        chosen = [layer for layer, _ in candidates]
    else:
        by_name = {}
        for layer, _ in candidates:  # the outermost of two equal names wins
            by_name.setdefault(layer.name, layer)
        chosen = []
        for item in layers:
            if isinstance(item, str):
                if item not in by_name:
                    raise ValueError(
                        f"NeuronDifferentiation: no layer named {item!r} in "
                        f"the model. Layers: {sorted(by_name)}"
                    )
                chosen.append(by_name[item])
            elif id(item) not in chain_of:
                raise ValueError(
                    f"NeuronDifferentiation: the layer {item.name!r} given in "
                    "`layers` is not a layer of the model (nor of a model "
                    f"inside it). Layers: {sorted(by_name)}"
                )
            else:
                chosen.append(item)
    tracked, skipped = [], []
    for layer in chosen:
        description, reason = _trackable(layer, chain_of[id(layer)])
        if description is None:
            skipped.append(f"{layer.name} ({reason})")
        else:
            tracked.append(description)
    if skipped and layers is not None:
        warnings.warn(
            "NeuronDifferentiation skips layers without 2 or more units "
            "it can describe: " + ", ".join(skipped),
            stacklevel=4,
        )
    if not tracked:
        warnings.warn(
            "NeuronDifferentiation found no layer to track (a Dense, Conv, "
            "EinsumDense or RNN layer with 2 or more units); it will "
            "record nothing.",
            stacklevel=4,
        )
    return tracked


def sample_units(units, max_units=None, seed=0):
    """Sorted indices of a fixed random sample of ``max_units`` of ``units``
    (None: describe them all)."""
    if max_units is None or units <= max_units:
        return None
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(units, size=max_units, replace=False))
