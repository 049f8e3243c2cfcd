"""Record points kept on the device until they are fetched, then computed together.

Example:

>>> window = RecordWindow(size=16)
>>> window.add(meta, figures, tracked.weights(), pairs=False)   # no host copy
>>> window.fetch()        # [(meta, {figure: value})], in the order added

One call of the compiled figures has a fixed cost (a ``tf.function``
dispatch under TensorFlow; under PyTorch, Keras' overhead per op) that does
not grow with the layer and is of the order of a small model's train step.
So a record point of a small layer only keeps a copy of the weights on
their device (a variable read; a copy under PyTorch), and its copies are
computed ``chunk(figures)`` at a time in one call
(``UnitFigures.compute_many``): up to ``size`` copies, and at most
``WINDOW_MAX_ENTRIES`` weights. Under JAX a call costs about what the copies
would: there, and on a CPU for layers of which 16 copies would pass
``WINDOW_MAX_ENTRIES`` (their arithmetic outweighs the call), the figures
are computed at once, still on the device. On an accelerator a wide layer's
arithmetic is small against a call, so it waits as copies whenever 2 of
them fit. Either way the fetch brings every record to the host in one
transfer, and the figures are the same. The costs are measured by
``benchmarks/bench_hooks.py``, ``benchmarks/bench_overhead.py`` and
``tools/gpu_check.sh`` (figures in ``benchmarks/README.md``).
"""


from mlscompanion._keras import keras, ops
from mlscompanion.devices import on_accelerator

__all__ = ["RecordWindow", "snapshot", "stack_copies", "KEEPS_COPIES",
           "WINDOW_MAX_ENTRIES", "UNWATCHED_SIZE", "MIN_CHUNK"]

#: The backends whose record points wait as copies of the weights (a call
#: of the figures costs them far more than a copy).
KEEPS_COPIES = ("tensorflow", "torch")

#: The copies of one layer that wait hold at most this many weights (16 MiB
#: of float32): 16 copies of a layer of 262,144 weights, 256 of one of 16,384.
WINDOW_MAX_ENTRIES = 1 << 22

#: On a CPU a layer waits as copies only if this many of them fit (fewer
#: if the window is smaller): wider layers are computed at once. On an
#: accelerator any layer of which 2 copies fit waits.
MIN_CHUNK = 16

#: The window's size when nothing reads the records before the epoch ends
#: (no CSV, TensorBoard or live view): a call per 256 copies of a small layer.
UNWATCHED_SIZE = 256


def snapshot(value):
    """``value`` as it is now, on its device, unchanged by later training steps.

    TensorFlow: a read of the variable (of its first replica's copy under a
    ``tf.distribute`` strategy, where the replicas agree). PyTorch: a copy (the optimizer
    updates weights in place), without autograd history, by torch itself
    (``ops.copy`` adds Keras' checks, which cost more than the copy of a
    small layer). JAX: a copy, because ``fit`` hands the weights' buffers
    to the next step, which frees them.
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

        if isinstance(value, torch.Tensor):
            return value.detach().clone()
    return ops.copy(value)


def stack_copies(copies):
    """``copies`` (snapshots of one weight, one dtype) stacked on a new first
    axis, on their device. Under TensorFlow one ``Pack`` op: ``ops.stack``
    first checks each copy's dtype, which for many small copies costs more
    than the stacking itself (``benchmarks/bench_hooks.py``)."""
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        return tf.raw_ops.Pack(values=copies, axis=0)
    return ops.stack(copies)


class _Entry:
    """One layer's record point: its copies until computed, then its figures:
    ``block`` is a vector of ``figures.size`` figures, or a chunk's vector of
    several records with this entry's ``row``-th in it."""

    __slots__ = ("meta", "figures", "pairs", "copies", "activations", "block", "row")

    def __init__(self, meta, figures, pairs, activations):
        self.meta, self.figures, self.pairs = meta, figures, pairs
        self.activations = activations
        self.copies = self.block = None
        self.row = 0


class RecordWindow:
    """The records of up to ``size`` record points, waiting on the device.

    Args:
        size: how many record points wait before the tracker fetches, and
            the most copies of one layer computed in one call.
    """

    def __init__(self, size):
        self.size = int(size)
        self._entries = []
        self._waiting = {}  # (figures, pairs) -> the entries whose copies wait
        self._chunks = {}  # figures -> its chunk, until the next fetch

    def __len__(self):
        return len(self._entries)

    def chunk(self, figures, accelerator=False):
        """How many copies of the layer ``figures`` describes one call computes
        (fewer than 2: each record is computed at once).

        As many as fit in ``WINDOW_MAX_ENTRIES``, up to ``size``. On a CPU
        (``accelerator`` False) a layer of which fewer than ``MIN_CHUNK``
        (or ``size``) copies fit is computed at once: its arithmetic
        outweighs a call, and padding its last chunk would waste it. On an
        accelerator the arithmetic is small against a call (whose ops are
        dispatched one by one under PyTorch), so 2 copies are enough."""
        if keras.backend.backend() not in KEEPS_COPIES:
            return 1
        fits = WINDOW_MAX_ENTRIES // figures.weight_count
        least = 2 if accelerator else min(self.size, MIN_CHUNK)
        return min(self.size, fits) if fits >= least else 1

    def _chunk_of(self, figures, weights):
        """``chunk`` for the layer ``figures`` describes, whose ``weights``
        tell where it lives; kept until the next fetch."""
        if figures not in self._chunks:
            self._chunks[figures] = self.chunk(figures, on_accelerator(weights[0]))
        return self._chunks[figures]

    def add(self, meta, figures, weights, activations=None, pairs=False, now=False):
        """Keep one layer's record point: a copy of ``weights``, computed with
        the next ``chunk - 1`` copies of that layer, or (``now``, wide layers)
        its figures computed at once. Nothing is fetched.

        ``meta``: the record's other columns, returned with its figures.
        ``now``: a record that is fetched next anyway: computed at once,
        unless copies of its layer wait, which it joins (one call, not two).
        """
        entry = _Entry(meta, figures, pairs, activations)
        self._entries.append(entry)
        chunk = self._chunk_of(figures, weights)
        if chunk < 2 or (now and (figures, pairs) not in self._waiting):
            self._compute_alone(entry, weights)
            return
        entry.copies = tuple(map(snapshot, weights))
        group = self._waiting.setdefault((figures, pairs), [])
        group.append(entry)
        if len(group) == chunk:
            self._compute(group, chunk)
            del self._waiting[(figures, pairs)]

    @staticmethod
    def _compute_alone(entry, weights):
        """Fill in one entry's figures with a call of its own."""
        entry.block = entry.figures.compute(weights, entry.activations, pairs=entry.pairs)
        entry.copies = entry.activations = None

    def _compute(self, group, chunk):
        """Fill in the figures of ``group`` (copies of one layer) in one call
        of ``chunk`` copies; a shorter group is padded with its last copy, so
        each layer traces one call and an epoch's leftovers cost one call. A
        group of one (e.g. ``history`` read every batch) gets a call of its own."""
        if len(group) == 1:
            self._compute_alone(group[0], group[0].copies)
            return
        padded = group + [group[-1]] * (chunk - len(group))
        first = group[0]
        weights = [stack_copies(copies) for copies in zip(*(entry.copies for entry in padded))]
        activations = (None if first.activations is None
                       else stack_copies([entry.activations for entry in padded]))
        block = first.figures.compute_many(weights, activations, pairs=first.pairs)
        for row, entry in enumerate(group):
            entry.block, entry.row, entry.copies, entry.activations = block, row, None, None

    def fetch(self):
        """Compute what waits, bring it to the host in one transfer, and
        return ``[(meta, figures)]`` in the order the entries were added
        (``figures``: the dict of ``UnitFigures.decode``). Empties the window."""
        entries, self._entries = self._entries, []
        waiting, self._waiting = self._waiting, {}
        chunks, self._chunks = self._chunks, {}
        for group in waiting.values():
            chunk = chunks[group[0].figures]
            for start in range(0, len(group), chunk):
                self._compute(group[start:start + chunk], chunk)
        if not entries:
            return []
        starts, blocks, offset = {}, [], 0  # each block once
        for entry in entries:
            if id(entry.block) not in starts:
                starts[id(entry.block)] = offset
                blocks.append(entry.block)
                offset += int(entry.block.shape[0])
        host = ops.convert_to_numpy(blocks[0] if len(blocks) == 1
                                    else ops.concatenate(blocks, axis=0)).tolist()
        records = []
        for entry in entries:
            size = entry.figures.size
            start = starts[id(entry.block)] + entry.row * size
            records.append((entry.meta, entry.figures.decode(host[start:start + size],
                                                             pairs=entry.pairs)))
        return records
