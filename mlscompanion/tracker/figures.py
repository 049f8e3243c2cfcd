"""How different the units of one layer are, computed where the weights live.

Example:

>>> figures = UnitFigures(layer.kernel.shape)
>>> vector = figures(layer.kernel.value, layer.bias.value)   # stays on the device
>>> figures.decode(keras.ops.convert_to_numpy(vector))["effective_width"]
2

A unit is its incoming weights plus its bias: ``kernel[..., j]`` flattened,
then ``bias[j]`` (a Dense column, a conv filter). Other layers say where
their units lie with a ``layout`` (see ``unit_rows``), chosen per kind of
layer in ``mlscompanion.tracker.layers``. Every figure is computed
with ``keras.ops`` in one compiled function per layer shape
(``jax.jit``, ``tf.function(jit_compile=True)``, or plain torch under
``no_grad``), and comes back as one small vector: nothing is copied to the
host until the caller converts it.

Two kinds of figures, by cost (``n`` units with ``d`` weights each):

- always, ``O(n·d)``: ``effective_width`` (units sorted along a fixed random
  direction; neighbours whose every weight differs by at most ``tol`` are
  one unit), ``rms_distance`` (root mean squared distance over all pairs,
  ``sqrt(2n/(n-1) · mean ||u - mean u||²)``) and ``mean_cosine`` (from the sum
  of the normalized units);
- with ``pairs=True``, ``O(n²·d)``: ``min_distance``,
  ``mean_distance``, ``max_distance``, ``max_cosine`` and, for layers of at
  most ``pair_limit`` units, ``pair_distances``. Otherwise they are NaN.

``mean_abs_correlation`` (with a probe) is the mean of ``|r|`` over pairs of
units, ``r`` the Pearson correlation of their activations across the probe's
samples. An output with positions (a conv feature map, an RNN sequence)
gives one correlation per position and pair: the mean is over every
(position, pair) where both units vary across the samples.

``dead_fraction`` and ``saturated_fraction`` (with a probe) are the shares
of the described units dead or saturated on the probe's samples, by the
rule of ``unit_states.py``; NaN for an activation that can be neither, or
without a probe.

``effective_width`` counts groups of units linked through sorted
neighbours: it is exact for bit-identical units and for the tied and
untied units of the labs; a near-identical pair (every weight within
``tol``) is missed only if a third unit projects between them.
"""

import math

import numpy as np

from mlscompanion._keras import keras, ops
from mlscompanion.tracker.compiled import compile_for_backend, compiled_once
from mlscompanion.tracker.unit_states import activation_marks, probe_fractions

__all__ = ["UnitFigures", "SCALARS", "DENSE_LAYOUT", "unit_rows", "compile_for_backend"]

#: The figures of one record, in the order of the vector ``UnitFigures`` returns.
SCALARS = (
    "effective_width",
    "rms_distance",
    "mean_cosine",
    "min_distance",
    "mean_distance",
    "max_distance",
    "max_cosine",
    "mean_abs_correlation",
    "dead_fraction",
    "saturated_fraction",
)
_NAN = float("nan")
# Layers with units² x weights up to this (16 MiB of float32) get their
# distances from the differences, wider ones from a Gram matrix.
_DIRECT_LIMIT = 1 << 22
# The compiled bodies' arguments that are Python values (one trace each).
_STATIC = ("layout", "pairs")


#: The layout of a kernel and a bias with the units on their last axis.
DENSE_LAYOUT = ((-1, 1), (-1, 1))


def unit_rows(weights, layout):
    """One row per unit, gathered from several weights.

    ``layout[i] = (axis, gates)`` says where the units lie in ``weights[i]``:
    along ``axis`` it holds ``gates`` blocks of ``units`` entries, and entry
    ``g * units + j`` belongs to unit ``j`` (``gates=1``: entry ``j``), with
    everything on the other axes. Unit ``j``'s row is those entries of every
    weight; their order is the same for every unit, and no figure depends on
    it.

    Example:

    >>> kernel, recurrent = np.ones((3, 8)), np.ones((2, 8))    # an LSTM of 2 units
    >>> unit_rows((kernel, recurrent), ((-1, 4), (-1, 4))).shape
    (2, 20)
    """
    pieces = []
    for weight, (axis, gates) in zip(weights, layout):
        weight = ops.cast(weight, "float32")
        rank = len(weight.shape)
        if axis % rank != rank - 1:  # units axis last
            order = [i for i in range(rank) if i != axis % rank] + [axis % rank]
            weight = ops.transpose(weight, order)
        units = weight.shape[-1] // gates
        blocks = ops.reshape(weight, (-1, gates, units))
        pieces.append(ops.reshape(ops.transpose(blocks, (2, 0, 1)), (units, -1)))
    return pieces[0] if len(pieces) == 1 else ops.concatenate(pieces, axis=1)


def _off_diagonal_summary(matrix, valid):
    """(min, mean, max) of ``matrix`` where ``valid`` (a 0/1 float mask)."""
    count = ops.sum(valid)
    big = ops.cast(3.0e38, matrix.dtype)
    low = ops.min(ops.where(valid > 0, matrix, big))
    high = ops.max(ops.where(valid > 0, matrix, -big))
    mean = ops.sum(ops.where(valid > 0, matrix, 0.0)) / ops.maximum(count, 1.0)
    nan = ops.cast(_NAN, matrix.dtype)
    some = count > 0
    return ops.where(some, low, nan), ops.where(some, mean, nan), ops.where(some, high, nan)


def _width_rms_cosine(U, direction, tol):
    """The O(n·d) figures: effective width, RMS pair distance, mean cosine."""
    n = U.shape[0]
    # effective width: sort along a fixed direction, compare neighbours
    key = ops.sum(U * direction[None, :], axis=1)
    ordered = ops.take(U, ops.argsort(key), axis=0)
    gaps = ops.max(ops.abs(ordered[1:] - ordered[:-1]), axis=1)
    width = 1.0 + ops.sum(ops.cast(gaps > tol, "float32"))
    # root mean squared pair distance, from the centred units
    centred = U - ops.mean(U, axis=0, keepdims=True)
    msd = 2.0 * n / (n - 1) * ops.mean(ops.sum(centred * centred, axis=1))
    # mean cosine over pairs of non-zero units, from their normalized sum
    norms = ops.sqrt(ops.sum(U * U, axis=1))
    unit_rows = U / ops.where(norms > 0, norms, 1.0)[:, None]
    total = ops.sum(unit_rows, axis=0)
    m = ops.sum(ops.cast(norms > 0, "float32"))
    mean_cos = (ops.sum(total * total) - m) / ops.maximum(m * (m - 1.0), 1.0)
    mean_cos = ops.where(m >= 2, ops.clip(mean_cos, -1.0, 1.0), _NAN)
    return width, ops.sqrt(msd), mean_cos, centred


def _pair_figures(U, centred, pair_index):
    """The O(n²·d) figures: min/mean/max distance, max cosine, the pair list."""
    n, d = U.shape
    off_diagonal = 1.0 - ops.eye(n, dtype="float32")
    gram = ops.matmul(centred, ops.transpose(centred))
    if n * n * d <= _DIRECT_LIMIT:
        # small layers: from the differences themselves, exact to float32
        # round-off however close two units are
        diff = U[:, None, :] - U[None, :, :]
        dist = ops.sqrt(ops.sum(diff * diff, axis=-1))
    else:
        # from the Gram matrix of the centred units: O(n²) memory; a
        # distance is off by about 3e-4 x the spread of the units (float32
        # cancellation), and exactly 0 for identical units.
        sq = ops.diagonal(gram)
        dist = ops.sqrt(ops.maximum(sq[:, None] + sq[None, :] - 2.0 * gram, 0.0))
    low, mean, high = _off_diagonal_summary(dist, off_diagonal)
    # cosine from the plain Gram matrix: U = C + 1·mu, so
    # U·Uᵀ = C·Cᵀ + a 1ᵀ + 1 aᵀ + |mu|², with a = C·mu.
    mu = ops.mean(U, axis=0)
    a = ops.sum(centred * mu[None, :], axis=1)
    plain = gram + a[:, None] + a[None, :] + ops.sum(mu * mu)
    norms = ops.sqrt(ops.sum(U * U, axis=1))  # from U: exactly 0 for a zero unit
    outer = norms[:, None] * norms[None, :]
    valid = off_diagonal * ops.cast(outer > 0, "float32")
    cosine = ops.clip(plain / ops.where(outer > 0, outer, 1.0), -1.0, 1.0)
    _, _, max_cos = _off_diagonal_summary(cosine, valid)
    pairs = None if pair_index is None else ops.take(ops.reshape(dist, (-1,)), pair_index)
    return [low, mean, high, max_cos], pairs


def _correlation(activations, sample):
    """Mean |Pearson correlation| between units' activations across samples.

    ``activations``: samples x positions... x units (a Dense output has no
    positions). One correlation matrix per position; the mean is over every
    (position, pair of units) where both units vary across the samples.
    """
    A = ops.cast(activations, "float32")
    A = ops.reshape(A, (A.shape[0], -1, A.shape[-1]))  # samples x positions x units
    A = ops.transpose(ops.take(A, sample, axis=2), (1, 0, 2))  # positions first
    n = A.shape[-1]
    centred = A - ops.mean(A, axis=1, keepdims=True)
    cov = ops.matmul(ops.transpose(centred, (0, 2, 1)), centred)  # positions x n x n
    std = ops.sqrt(ops.maximum(ops.diagonal(cov, axis1=1, axis2=2), 0.0))
    outer = std[:, :, None] * std[:, None, :]
    valid = (1.0 - ops.eye(n, dtype="float32"))[None] * ops.cast(outer > 0, "float32")
    corr = ops.abs(ops.clip(cov / ops.where(outer > 0, outer, 1.0), -1.0, 1.0))
    return _off_diagonal_summary(corr, valid)[1]


def _figures(weights, direction, tol, sample, pair_index, activations, marks, layout, pairs):
    """Every figure as one float32 vector (the body that gets compiled)."""
    U = ops.take(unit_rows(weights, layout), sample, axis=0)
    finite = ops.all(ops.isfinite(U))
    width, rms, mean_cos, centred = _width_rms_cosine(U, direction, tol)
    nan = ops.cast(_NAN, "float32")
    if pairs:
        pair_scalars, pair_list = _pair_figures(U, centred, pair_index)
    else:
        pair_scalars = [nan] * 4
        pair_list = None if pair_index is None else ops.full(pair_index.shape, _NAN, "float32")
    correlation = nan if activations is None else _correlation(activations, sample)
    dead, saturated = ((nan, nan) if activations is None
                       else probe_fractions(activations, sample, marks))
    head = [width, rms, mean_cos] + pair_scalars
    head = ops.stack([ops.cast(ops.where(finite, value, nan), "float32") for value in head]
                     + [ops.cast(value, "float32")  # float32 under any floatx
                        for value in (correlation, dead, saturated)])
    if pair_list is None:
        return head
    return ops.concatenate([head, ops.where(finite, pair_list, nan)])


def _figures_of_many(weights, direction, tol, sample, pair_index, activations, marks, layout,
                     pairs):
    """The figures of several snapshots of one layer, one after another in
    one vector (flat, so a fetch joins it to other records without a reshape).

    Each of ``weights`` (and ``activations``, unless None) is stacked along
    a new first axis, one entry per snapshot. ``ops.vectorized_map`` batches
    ``_figures`` over that axis: each row is what ``_figures`` gives for
    its snapshot, in one call.
    """
    def one(args):
        w, a = args
        return _figures(tuple(w), direction, tol, sample, pair_index, a, marks, layout=layout,
                        pairs=pairs)

    if activations is None:
        rows = ops.vectorized_map(lambda w: one((w, None)), tuple(weights))
    else:
        rows = ops.vectorized_map(one, (tuple(weights), activations))
    return ops.reshape(rows, (-1,))


class UnitFigures:
    """The figures of one layer: units, sample and constants, built once.

    Example:

    >>> figures = UnitFigures(kernel.shape, tol=1e-6)
    >>> vector = figures(kernel, bias, pairs=True)
    >>> figures.decode(keras.ops.convert_to_numpy(vector), pairs=True)

    Any other layer says where its units lie with ``layout`` (see
    ``unit_rows``; ``mlscompanion.tracker.layers`` has one per kind of
    layer) and is computed with ``compute``:

    >>> figures = UnitFigures((kernel.shape, recurrent.shape), layout=((-1, 4), (-1, 4)))
    >>> vector = figures.compute((kernel, recurrent))

    The computation is one function compiled per process and backend; it
    traces once per layer shape (and per ``pairs`` / probe or not).

    Args:
        kernel_shape: shape of the layer's kernel; units on the last axis.
            With ``layout``: the shapes of the weights that hold the units,
            one per entry of ``layout``.
        tol: units whose every weight differs by at most ``tol`` are the same.
        pair_limit: return each pair's distance for layers of at most this
            many units (with ``pairs=True``).
        sample: optional sorted indices of the units to describe.
        seed: seed of the fixed random direction used to sort units.
        layout: ``((axis, gates), ...)``, one per weight (see ``unit_rows``);
            default: a kernel and a bias with the units on their last axis.
        activation: the name of the layer's activation (``"relu"``,
            ``"sigmoid"``, ...): says whether its units can be dead or
            saturated (``dead_fraction``, ``saturated_fraction``).
    """

    def __init__(self, kernel_shape, tol=1e-6, pair_limit=32, sample=None, seed=0,
                 layout=None, activation=None):
        if layout is None:
            kernel_shape = tuple(int(size) for size in kernel_shape)
            shapes, layout = (kernel_shape, (kernel_shape[-1],)), DENSE_LAYOUT
        else:
            shapes = tuple(tuple(int(size) for size in shape) for shape in kernel_shape)
            layout = tuple((int(axis), int(gates)) for axis, gates in layout)
        self.shapes, self.layout = shapes, layout
        axis, gates = layout[0]
        total = shapes[0][axis] // gates
        sample = np.arange(total) if sample is None else np.asarray(sample)
        self.sample = sample if len(sample) < total else None
        self.units = len(sample)
        # every entry of every weight belongs to exactly one unit
        self.weight_count = sum(math.prod(shape) for shape in shapes)
        self.features = self.weight_count // total
        self.tol = float(tol)
        self.keep_pairs = self.units <= pair_limit
        self.n_pairs = self.units * (self.units - 1) // 2 if self.keep_pairs else 0
        rng = np.random.default_rng(seed)
        # Built once: no Python list or NumPy array becomes a tensor per call.
        self._direction = ops.convert_to_tensor(
            rng.uniform(0.5, 1.5, self.features) * rng.choice([-1.0, 1.0], self.features),
            dtype="float32")
        self._tol = ops.convert_to_tensor(self.tol, dtype="float32")
        self._sample = ops.convert_to_tensor(sample.astype("int32"))
        rows, cols = np.triu_indices(self.units, k=1)
        self._pair_index = (ops.convert_to_tensor((rows * self.units + cols).astype("int32"))
                            if self.keep_pairs else None)
        self._zero_bias = ops.zeros((total,), "float32")
        self.activation = activation
        self._marks = ops.convert_to_tensor(activation_marks(activation))

    @property
    def size(self):
        """Length of the vector a call returns."""
        return len(SCALARS) + self.n_pairs

    def __call__(self, kernel, bias=None, activations=None, pairs=False):
        """The figures of a kernel and a bias as one float32 vector on the device.

        ``pairs=True`` adds the figures that need every pair of units; see
        ``decode``.
        """
        if bias is None:  # a zero column changes no distance or cosine
            bias = self._zero_bias
        return self.compute((kernel, bias), activations, pairs=pairs)

    def compute(self, weights, activations=None, pairs=False):
        """The figures of ``weights`` (laid out as ``layout`` says) on the device.

        ``activations``: the layer's output on a probe, units on the last axis.
        """
        weights = tuple(weights)
        signature = (tuple(tuple(w.shape) for w in weights), self.units, self.layout,
                     bool(pairs), None if activations is None else tuple(activations.shape))
        return compiled_once(_figures, signature, static=_STATIC)(
            weights, self._direction, self._tol, self._sample, self._pair_index,
            activations, self._marks, layout=self.layout, pairs=bool(pairs))

    def compute_many(self, weights, activations=None, pairs=False):
        """The figures of several snapshots of the weights, one vector of
        ``size`` figures per snapshot, one after another.

        ``weights``: the weights ``compute`` takes, each stacked along a new
        first axis (one entry per snapshot); ``activations``: None or
        stacked the same way. One compiled call for them all (traced once per
        count): the tracker's way to pay a call's overhead once per
        ``fetch_every`` record points instead of once per record.
        """
        weights = tuple(weights)
        signature = ("many", tuple(tuple(w.shape) for w in weights), self.units, self.layout,
                     bool(pairs), None if activations is None else tuple(activations.shape))
        return compiled_once(_figures_of_many, signature, static=_STATIC)(
            weights, self._direction, self._tol, self._sample, self._pair_index,
            activations, self._marks, layout=self.layout, pairs=bool(pairs))

    def decode(self, vector, pairs=False):
        """A dict of plain Python numbers from one vector fetched to the host
        (an array, or a list of floats).

        ``pairs`` says whether the record was taken with ``pairs=True``.
        """
        values = vector.tolist() if isinstance(vector, np.ndarray) else list(vector)
        figures = dict(zip(SCALARS, values))
        width = figures["effective_width"]
        figures["effective_width"] = int(width) if math.isfinite(width) else _NAN
        keep = self.keep_pairs and pairs
        figures["pair_distances"] = values[len(SCALARS):] if keep else None
        return figures

