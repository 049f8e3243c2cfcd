"""Which layer takes a layer's units as its inputs (for ``tie_neurons``).

Example:

>>> next_layer(model, model.get_layer("layer1")).name
'layer2'

In a ``Sequential`` model the data flows down the list of layers. In a
functional model it follows the graph: from the layer's output to the one
layer that takes it, and so on. A path that splits (the output feeds two
layers), merges (``Concatenate``, ``Add``: the units' indices no longer
stand alone) or passes a shared layer (called more than once, so its
weights serve other inputs too) cannot say which weights to tie, and raises.
"""


from mlscompanion._keras import keras, tree
from mlscompanion import _internals

__all__ = ["next_layer", "CONV"]

CONV = (keras.layers.Conv1D, keras.layers.Conv2D, keras.layers.Conv3D)

# Layers between a conv layer and the next one that keep channel j at index j.
_KEEP_CHANNELS = tuple(getattr(keras.layers, name) for name in (
    "Activation", "ReLU", "LeakyReLU", "ELU", "Dropout", "SpatialDropout1D",
    "SpatialDropout2D", "SpatialDropout3D", "GaussianNoise", "GaussianDropout",
    "AlphaDropout", "BatchNormalization", "MaxPooling1D", "MaxPooling2D",
    "MaxPooling3D", "AveragePooling1D", "AveragePooling2D", "AveragePooling3D",
    "ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D", "Cropping1D", "Cropping2D",
    "Cropping3D", "UpSampling1D", "UpSampling2D", "UpSampling3D",
))
_GLOBAL_POOLING = (
    keras.layers.GlobalAveragePooling1D, keras.layers.GlobalAveragePooling2D,
    keras.layers.GlobalAveragePooling3D, keras.layers.GlobalMaxPooling1D,
    keras.layers.GlobalMaxPooling2D, keras.layers.GlobalMaxPooling3D,
)


def next_layer(model, layer):
    """The layer whose inputs are ``layer``'s units, or None if none follows.

    After a Dense layer: the next layer with a kernel. After a Conv1D/2D/3D
    layer: the next Conv layer, or a Dense layer after global pooling, with
    only layers that keep channel j at index j between; anything else raises.
    """
    if isinstance(layer, CONV):
        return _next_after_conv(layer, _later_layers(model, layer))
    for later in _later_layers(model, layer):
        if getattr(later, "kernel", None) is not None:
            return later
    return None


def _later_layers(model, layer):
    """The layers ``layer``'s output flows through, in order (a generator)."""
    layers = list(model.layers)
    if layer not in layers:
        raise ValueError(f"Layer {layer.name!r} is not a layer of the given model.")
    if isinstance(model, keras.Sequential):
        yield from layers[layers.index(layer) + 1:]
        return
    current = layer
    while True:
        output = _output(current)
        takers = [other for other in layers
                  if other is not current and any(t is output for t in _inputs(other))]
        if not takers:
            return
        if len(takers) > 1:
            raise ValueError(
                f"tie_neurons cannot tell which layer takes {layer.name!r}'s units: "
                f"the output of {current.name!r} feeds several layers "
                f"({', '.join(repr(t.name) for t in takers)}). Pass outgoing=False "
                "and tie each next layer yourself (TieInputs, TieEntries)."
            )
        current = takers[0]
        if len(_calls(current)) > 1:
            raise ValueError(_cannot_follow_graph(current, (
                f"it is called {len(_calls(current))} times (a shared layer), so "
                "tying its inputs would tie them for every call")))
        if len(_inputs(current)) > 1:
            raise ValueError(
                f"tie_neurons cannot tie the next layer's inputs after {layer.name!r}: "
                f"{current.name!r} ({type(current).__name__}) merges several inputs, "
                "so the units' indices change on the way. Pass outgoing=False and "
                "tie the next layer yourself (TieInputs, TieEntries)."
            )
        yield current


def _calls(layer):
    """Each call of ``layer`` in a functional graph (Keras' nodes; Keras has no
    public way to list them: ``layer.input`` and ``.output`` are the first call's)."""
    return _internals.layer_calls(layer)


def _cannot_follow_graph(layer, why):
    return (f"tie_neurons cannot follow the model's graph at {layer.name!r}: {why}. "
            "Pass outgoing=False and tie the next layer yourself (TieInputs, TieEntries).")


def _output(layer):
    """``layer``'s one output (a layer called several times has none)."""
    calls = _calls(layer)
    if len(calls) != 1:
        raise ValueError(_cannot_follow_graph(layer, (
            f"it is called {len(calls)} times (a shared layer), so it has no single output"
            if calls else "the model does not record how its layers connect (the layers of a "
            "subclassed model, or a layer never called on a keras.Input)")))
    return layer.output


def _inputs(layer):
    """The tensors ``layer`` takes, over all its calls."""
    return [tensor for call in _calls(layer) for tensor in tree.flatten(call.input_tensors)]


def _next_after_conv(layer, later_layers):
    pooled = False
    for later in later_layers:
        if isinstance(later, CONV):
            if later.groups != 1:
                raise ValueError(
                    f"tie_neurons cannot tie the inputs of {later.name!r}, the layer "
                    f"after {layer.name!r}: it is a grouped convolution "
                    f"(groups={later.groups}). Use outgoing=False and tie it by hand."
                )
            return later
        if isinstance(later, keras.layers.Dense) and pooled:
            return later
        if isinstance(later, _GLOBAL_POOLING):
            pooled = True
        elif isinstance(later, keras.layers.Flatten) and pooled:
            continue
        elif not isinstance(later, _KEEP_CHANNELS):
            raise ValueError(_cannot_follow(layer, later, pooled))
    return None


def _cannot_follow(layer, later, pooled):
    kind = type(later).__name__
    if isinstance(later, keras.layers.Flatten):
        why = ("Flatten interleaves positions and channels, so filter j feeds "
               "many Dense inputs. Put a GlobalAveragePooling or GlobalMaxPooling "
               "layer before the Dense layer instead")
    elif isinstance(later, keras.layers.Dense) and not pooled:
        why = ("a Dense layer on a feature map is handled only after global "
               "pooling (GlobalAveragePooling or GlobalMaxPooling)")
    else:
        why = ("it handles a Conv1D/2D/3D layer, or a Dense layer after global "
               "pooling, with only activations, dropout, pooling, padding, "
               "cropping, upsampling or BatchNormalization between")
    return (
        f"tie_neurons cannot tie the next layer's inputs after {layer.name!r}: "
        f"it cannot handle {later.name!r} ({kind}); {why}. Pass outgoing=False "
        "and tie the next layer yourself (TieInputs, TieEntries)."
    )
