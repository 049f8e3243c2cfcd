"""Record points kept on the device until they are fetched, then computed together.

Example:

>>> window = RecordWindow(size=16)
>>> window.add(meta, figures, tracked.weights(), pairs=False)   # no host copy
>>> window.fetch()        # [(meta, {figure: value})], in the order added

Under TensorFlow one call of the compiled figures costs about 0.75 ms
however small the layer (the dispatch of a ``tf.function``; measured on
two CPU cores), against a train step of about 1 ms for the course's
models. So there a record point of a small layer only keeps a copy of the
weights on their device (a variable read, about 15 µs), and the fetch
computes ``size`` copies of one layer in one call
(``UnitFigures.compute_many``). Under JAX a call costs about 0.05 ms, as
much as the copies would, and PyTorch runs its ops eagerly either way: there,
and for layers whose ``size`` copies would pass ``WINDOW_MAX_ENTRIES``
weights (262,144 weights a layer at the default 16; their arithmetic
outweighs the call, and whose copies would hold memory), the figures are
computed at once, still on the device. Either way the fetch brings every
record to the host in one transfer, and the figures are the same.
"""

import keras
from keras import ops

__all__ = ["RecordWindow", "snapshot", "KEEPS_COPIES", "WINDOW_MAX_ENTRIES"]

#: The backends whose record points wait as copies of the weights.
KEEPS_COPIES = ("tensorflow",)

#: A layer waits as copies while ``size`` copies of it hold at most this
#: many weights (16 MiB of float32): at the default ``size`` of 16, layers
#: of up to 262,144 weights.
WINDOW_MAX_ENTRIES = 1 << 22


def snapshot(value):
    """``value`` as it is now, on its device, unchanged by later training steps.

    TensorFlow: a read of the variable (of its first replica's copy under a
    ``tf.distribute`` strategy, where the replicas agree). PyTorch: a copy (the optimizer
    updates weights in place). JAX: a copy, because ``fit`` hands the
    weights' buffers to the next step, which frees them.
    """
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        if isinstance(value, tf.distribute.DistributedValues):  # one value per replica
            return value.value()
        if isinstance(value, tf.Variable):  # the plain read, without value()'s bookkeeping
            return tf.raw_ops.ReadVariableOp(resource=value.handle, dtype=value.dtype)
        return value
    if backend == "torch":
        import torch

        with torch.no_grad():
            return ops.copy(value)
    return ops.copy(value)


class RecordWindow:
    """The records of up to ``size`` record points, waiting on the device.

    Args:
        size: how many copies of one layer are computed in one call (a
            fetch with fewer waiting pads the call with the last copy).
    """

    def __init__(self, size=16):
        self.size = int(size)
        self._entries = []  # [meta, figures, pairs, weights, activations, vector]

    def __len__(self):
        return len(self._entries)

    def add(self, meta, figures, weights, activations=None, pairs=False):
        """Keep one layer's record point: a copy of ``weights`` (small
        layers) or its figures computed now (wide ones); nothing is fetched.

        ``meta``: the record's other columns, returned with its figures.
        """
        if (keras.backend.backend() in KEEPS_COPIES
                and figures.weight_count * self.size <= WINDOW_MAX_ENTRIES):
            copies = tuple(snapshot(weight) for weight in weights)
            self._entries.append([meta, figures, pairs, copies, activations, None])
        else:
            vector = figures.compute(weights, activations, pairs=pairs)
            self._entries.append([meta, figures, pairs, None, None, vector])

    def _compute(self, entries):
        """Fill in each entry's figures: ``size`` copies of a layer per call.

        A last, shorter chunk is padded with its last copy, so each layer
        traces one call of ``size`` copies and the leftovers of an epoch
        cost one call, not one each.
        """
        groups = {}
        for entry in entries:
            if entry[5] is None:
                groups.setdefault((id(entry[1]), entry[2]), []).append(entry)
        for group in groups.values():
            if self.size == 1:
                for entry in group:
                    entry[5] = entry[1].compute(entry[3], entry[4], pairs=entry[2])
                continue
            for start in range(0, len(group), self.size):
                chunk = group[start:start + self.size]
                padded = chunk + [chunk[-1]] * (self.size - len(chunk))
                meta, figures, pairs, _, activations, _ = chunk[0]
                weights = [ops.stack(copies) for copies in zip(*(entry[3] for entry in padded))]
                rows = figures.compute_many(
                    weights,
                    None if activations is None else ops.stack([entry[4] for entry in padded]),
                    pairs=pairs)
                for entry, row in zip(chunk, ops.unstack(rows, num=self.size, axis=0)):
                    entry[5] = row

    def fetch(self):
        """Compute what waits, bring it to the host in one transfer, and
        return ``[(meta, figures)]`` in the order the entries were added
        (``figures``: the dict of ``UnitFigures.decode``). Empties the window."""
        entries, self._entries = self._entries, []
        if not entries:
            return []
        self._compute(entries)
        host = ops.convert_to_numpy(ops.concatenate([entry[5] for entry in entries], axis=0))
        records, offset = [], 0
        for meta, figures, pairs, *_ in entries:
            records.append((meta, figures.decode(host[offset:offset + figures.size], pairs=pairs)))
            offset += figures.size
        return records

