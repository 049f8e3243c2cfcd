"""The probe: inputs on which the tracker reads its layers' activations.

Example:

>>> probe = Probe([x_a, x_b])                      # checked at once (arrays)
>>> forward = probe.bind(model, probe_model)       # matched to model.inputs, on the device
>>> activations = forward()                        # one tensor per output, every sample

A probe is anything the model takes as ``x``:

- an array (NumPy, a backend tensor, nested lists of numbers) for a model
  with one input;
- a list or tuple of arrays (one per input, in the order of
  ``model.inputs``), or a dict of arrays keyed by input name;
- a ``tf.data.Dataset`` or ``keras.utils.PyDataset`` of batches: its first
  ``samples`` samples, ``x`` taken from ``(x, y)`` or
  ``(x, y, sample_weight)`` batches as ``fit`` reads them.

Arrays are used whole. The samples are copied to the device once, in
batches of ``batch_size``; each forward pass runs batch by batch and joins
the activations on the device.
"""

import itertools
import sys
import warnings

import numpy as np

from mlscompanion._keras import PyDataset, keras, ops, tree
from mlscompanion import _internals, _validation

__all__ = ["Probe", "BatchedForward", "activation_model"]

_KINDS = ("an array, a list/tuple/dict of arrays (one per model input), "
          "a tf.data.Dataset or a keras.utils.PyDataset")


def _is_dataset(data):
    tf = sys.modules.get("tensorflow")  # a tf.data.Dataset means TF is imported
    if tf is not None and isinstance(data, tf.data.Dataset):
        return True
    return isinstance(data, PyDataset)


def _as_array(value, where):
    if hasattr(value, "detach"):  # a torch tensor
        value = value.detach().cpu().numpy()
    try:
        array = np.asarray(value)
    except (ValueError, TypeError) as error:
        raise ValueError(
            f"`probe` must be {_KINDS}. {where} is not one array ({error})."
        ) from None
    numeric = np.issubdtype(array.dtype, np.number) or array.dtype == bool
    if array.ndim < 1 or array.shape[0] < 2 or not numeric:
        inside = "" if where == "probe" else f" as {where}"
        raise ValueError(
            f"`probe` must be {_KINDS}, of numbers with at least 2 samples "
            f"(rows). Received an array of shape {array.shape} and dtype "
            f"{array.dtype}{inside}."
        )
    return array


def _as_arrays(data):
    """The probe as an array, a list of arrays or a dict of arrays (host)."""
    if isinstance(data, dict):
        for key in data:
            if not isinstance(key, str):
                raise ValueError(
                    "A dict `probe` must be keyed by input name (str). "
                    f"Received the key {key!r}."
                )
        arrays = {key: _as_array(value, f"probe[{key!r}]") for key, value in data.items()}
    elif isinstance(data, (list, tuple)) and any(hasattr(item, "shape") for item in data):
        arrays = [_as_array(value, f"probe[{i}]") for i, value in enumerate(data)]
    else:
        return _as_array(data, "probe")
    sizes = {len(array) for array in tree.flatten(arrays)}
    if len(sizes) > 1:
        raise ValueError(
            "The arrays of `probe` must hold the same number of samples. "
            f"Received shapes {_shapes(arrays)}."
        )
    return arrays


def _shapes(arrays):
    if isinstance(arrays, dict):
        return "{" + ", ".join(f"{k!r}: {tuple(v.shape)}" for k, v in arrays.items()) + "}"
    if isinstance(arrays, list):
        return "[" + ", ".join(str(tuple(v.shape)) for v in arrays) + "]"
    return str(tuple(arrays.shape))


def _batches(dataset):
    """The batches of a dataset, as NumPy structures."""
    if isinstance(dataset, PyDataset):
        count = dataset.num_batches
        indices = itertools.count() if count is None else range(count)
        for index in indices:
            yield tree.map_structure(np.asarray, dataset[index])
    else:
        yield from dataset.as_numpy_iterator()


def _first_samples(dataset, samples):
    """The first ``samples`` samples of a dataset's x, joined into arrays."""
    parts, count = [], 0
    for batch in _batches(dataset):
        x = keras.utils.unpack_x_y_sample_weight(
            tuple(batch) if isinstance(batch, list) else batch)[0]
        parts.append(x)
        count += len(tree.flatten(x)[0])
        if count >= samples:
            break
    if count < 2:
        raise ValueError(
            f"`probe` must give at least 2 samples; the dataset gave {count}."
        )
    joined = tree.map_structure(
        lambda *leaves: np.concatenate(leaves)[:samples], *parts)
    if isinstance(joined, tuple):
        joined = list(joined)
    return _as_arrays(joined)


def _expected(model):
    return ", ".join(f"{tensor.name!r} of shape {tuple(tensor.shape)}"
                     for tensor in model.inputs)


def _fits(array, tensor):
    want = tuple(tensor.shape)
    return len(array.shape) == len(want) and all(
        size is None or size == got for size, got in zip(want[1:], array.shape[1:]))


def _output_in(chain, tensors):
    """``tensors`` of the graph of ``chain[-1]``, as tensors of the outer graph."""
    for inner in reversed(chain):
        cut = keras.Model(inner.inputs, tensors)
        # where the enclosing graph calls it
        args, kwargs = _internals.call_arguments(_internals.layer_calls(inner)[0])
        tensors = cut(*args, **kwargs)
        tensors = list(tensors) if isinstance(tensors, (list, tuple)) else [tensors]
    return tensors


def activation_model(model, tracked):
    """A model from ``model.inputs`` to each tracked layer's activations.

    ``tracked``: ``TrackedLayer`` objects, also of models nested in
    ``model``. Returns ``(probe_model, slots, failed)``: ``slots[i]`` is the
    output index of ``tracked[i]`` (None when its activations cannot be
    read, e.g. a layer called twice), ``failed`` says why for those;
    ``probe_model`` is None when no layer can be read.
    """
    outputs, slots, failed = [], [], []
    for layer in tracked:
        try:
            output = _output_in(layer.chain, [layer.layer.output])[0]
            outputs.append(layer.activations(output))
            slots.append(len(outputs) - 1)
        except Exception as error:  # a shared layer has no single output
            failed.append(f"{layer.name} ({error})")
            slots.append(None)
    probe_model = keras.Model(model.inputs, outputs) if outputs else None
    return probe_model, slots, failed


class BatchedForward:
    """Runs a model on the probe's batches; returns one tensor per output.

    Args:
        model: a Keras model (the tracker's probe model).
        batches: the model's inputs, batch by batch, already on the device.
    """

    def __init__(self, model, batches):
        self.model = model
        self.batches = batches

    def _run(self, batch):
        outputs = self.model(batch, training=False)
        return list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]

    def __call__(self):
        per_batch = [self._run(batch) for batch in self.batches]
        if len(per_batch) == 1:
            return per_batch[0]
        return [ops.concatenate(list(parts), axis=0) for parts in zip(*per_batch)]


class Probe:
    """A probe, checked when it is given and matched to a model at setup.

    Args:
        data: the probe (see the module docstring for what it may be).
        samples: how many samples to read from a dataset (arrays are used
            whole).
        batch_size: samples per forward pass.
    """

    def __init__(self, data, samples=256, batch_size=256):
        self.samples = _validation.check_int(samples, "probe_samples", minimum=2)
        self.batch_size = _validation.check_int(batch_size, "probe_batch_size")
        self._dataset = data if _is_dataset(data) else None
        self._arrays = None if self._dataset is not None else _as_arrays(data)

    @property
    def arrays(self):
        """The probe's samples on the host (a dataset is read the first time)."""
        if self._arrays is None:
            self._arrays = _first_samples(self._dataset, self.samples)
        return self._arrays

    def inputs_for(self, model):
        """The probe's arrays in the order of ``model.inputs``; ValueError if they do not fit."""
        arrays, inputs = self.arrays, list(model.inputs)
        if isinstance(arrays, dict):
            struct = getattr(model, "input", None)
            keys = (list(struct) if isinstance(struct, dict)
                    else [tensor.name for tensor in inputs])
            if set(keys) != set(arrays):
                raise ValueError(self._mismatch(model, "its keys are not the input names"))
            if isinstance(struct, dict):
                by_tensor = {id(struct[key]): arrays[key] for key in keys}
                flat = [by_tensor[id(tensor)] for tensor in inputs]
            else:
                flat = [arrays[tensor.name] for tensor in inputs]
        else:
            flat = arrays if isinstance(arrays, list) else [arrays]
        if len(flat) != len(inputs):
            raise ValueError(self._mismatch(model, f"it holds {len(flat)} array(s)"))
        for array, tensor in zip(flat, inputs):
            if not _fits(array, tensor):
                raise ValueError(self._mismatch(
                    model, f"an array of shape {tuple(array.shape)} for input {tensor.name!r}"))
        return flat

    def _mismatch(self, model, what):
        return (
            f"`probe` does not fit the model's inputs: the model expects "
            f"{len(model.inputs)} input(s), {_expected(model)} (None: any size); "
            f"received {_shapes(self.arrays)} ({what})."
        )

    def bind(self, model, probe_model):
        """A ``BatchedForward`` of ``probe_model`` (built on ``model.inputs``) on the probe.

        Raises ValueError if the probe does not fit ``model``, here rather
        than at the first record.
        """
        flat = self.inputs_for(model)
        dtypes = [tensor.dtype for tensor in model.inputs]
        batches = []
        for start in range(0, len(flat[0]), self.batch_size):
            batch = [ops.convert_to_tensor(array[start:start + self.batch_size], dtype=dtype)
                     for array, dtype in zip(flat, dtypes)]
            batches.append(batch if len(batch) > 1 else batch[0])
        forward = BatchedForward(probe_model, batches)
        try:
            forward._run(batches[0])
        except Exception as error:
            raise ValueError(self._mismatch(model, f"the model raised: {error}")) from error
        return forward

    def forward(self, model, tracked):
        """``(forward, slots)``: a ``BatchedForward`` to the activations of the
        ``tracked`` layers on the probe, and per tracked layer the index of
        its output (None: not read). ``(None, [])`` when no layer can be read.

        Warns (and records no correlation) for layers whose activations
        cannot be read; raises ValueError if the probe does not fit ``model``.
        """
        if not tracked:
            return None, []
        if not getattr(model, "inputs", None):
            warnings.warn(
                "NeuronDifferentiation cannot read the layers' activations of "
                "this model (it has no inputs graph); activation correlation is "
                "not recorded. Build the model with keras.Input(...) to enable it.",
                stacklevel=4,
            )
            return None, []
        probe_model, slots, failed = activation_model(model, tracked)
        if failed:
            warnings.warn(
                "NeuronDifferentiation cannot read the activations of "
                + "; ".join(failed) + "; their activation correlation is not recorded.",
                stacklevel=4,
            )
        if probe_model is None:
            return None, slots
        return self.bind(model, probe_model), slots
