"""Pure NumPy measures of how different the units of a layer are.

A unit is described by its incoming weights and its bias: for a Dense layer
with kernel (inputs x units) and bias (units,), unit j is the vector
``[kernel[:, j], bias[j]]``. All pairwise figures come from one Gram matrix
(computed in float64), so they stay cheap for wide layers: no Python loop
runs over pairs of units, and a units x units matrix is the largest array
made (about ``8 * units**2`` bytes each; three of them at the peak of
``callbacks.describe_units``).

Example:

>>> U = unit_vectors(np.array([[1.0, 1.0, 0.0]]), np.zeros(3))
>>> effective_width(U)   # units 0 and 1 are the same
2
"""

import numpy as np

from mlscompanion import _validation

__all__ = [
    "unit_vectors",
    "pairwise_distances",
    "cosine_similarity",
    "effective_width",
    "activation_correlation",
    "upper_triangle",
    "pair_summary",
]

# Entries compared per chunk when checking candidate pairs (bounds memory).
_CHUNK_ENTRIES = 1 << 22


def _as_matrix(U, name="U", what="units x features"):
    array = np.asarray(U, dtype="float64")
    if array.ndim != 2:
        raise ValueError(
            f"`{name}` must be a 2-D array ({what}); got shape {array.shape}."
        )
    return array


def unit_vectors(kernel, bias=None):
    """Return one row per unit: its incoming weights followed by its bias.

    Example:

    >>> unit_vectors(np.array([[1.0, 2.0]]), np.array([0.5, 0.0])).tolist()
    [[1.0, 0.5], [2.0, 0.0]]
    """
    kernel = np.asarray(kernel, dtype="float64")
    if kernel.ndim != 2:
        raise ValueError(
            f"`kernel` must be 2-D (inputs x units); got shape {kernel.shape}."
        )
    rows = kernel.T
    if bias is not None:
        bias = np.asarray(bias, dtype="float64").reshape(-1)
        if bias.shape[0] != rows.shape[0]:
            raise ValueError(
                f"`bias` has {bias.shape[0]} entries but the kernel has "
                f"{rows.shape[0]} units."
            )
        rows = np.concatenate([rows, bias[:, None]], axis=1)
    return np.ascontiguousarray(rows)


def _gram(U):
    U = _as_matrix(U)
    return U @ U.T


def pairwise_distances(U, gram=None):
    """Euclidean distance between every pair of rows of ``U`` (units x units).

    Example:

    >>> pairwise_distances(np.array([[0.0, 0.0], [3.0, 4.0]])).tolist()
    [[0.0, 5.0], [5.0, 0.0]]
    """
    G = _gram(U) if gram is None else gram
    sq = np.diag(G).copy()
    d2 = -2.0 * G  # one units x units array, updated in place below
    d2 += sq[:, None]
    d2 += sq[None, :]
    np.maximum(d2, 0.0, out=d2)
    np.fill_diagonal(d2, 0.0)
    return np.sqrt(d2, out=d2)


def cosine_similarity(U, gram=None):
    """Cosine similarity between every pair of rows (NaN for a zero row).

    Example:

    >>> cosine_similarity(np.array([[1.0, 0.0], [2.0, 0.0]]))[0, 1]
    1.0
    """
    G = _gram(U) if gram is None else gram
    norms = np.sqrt(np.diag(G))
    with np.errstate(divide="ignore", invalid="ignore"):
        cos = G / norms[:, None]
        cos /= norms[None, :]
    return np.clip(cos, -1.0, 1.0, out=cos)


def _max_abs_gaps(U, first, second):
    """``max(|U[first[k]] - U[second[k]]|)`` for each k, in bounded chunks."""
    gaps = np.zeros(len(first))
    if U.shape[1] == 0:
        return gaps
    step = max(1, _CHUNK_ENTRIES // U.shape[1])
    for start in range(0, len(first), step):
        a = U[first[start:start + step]]
        a -= U[second[start:start + step]]
        gaps[start:start + step] = np.max(np.abs(a, out=a), axis=1)
    return gaps


def _count_groups(U, tol, candidates):
    """Count the connected groups of rows linked by ``max|a - b| <= tol``.

    Only pairs flagged in ``candidates`` (a symmetric boolean matrix) can be
    linked. Each group is grown breadth-first from one unit, checking the
    new frontier against all still-unassigned candidates at once, so a
    layer of thousands of identical units costs one vectorized pass, not a
    Python loop over millions of pairs.
    """
    n = U.shape[0]
    np.fill_diagonal(candidates, False)
    linked = candidates.any(axis=1)
    count = int(n - linked.sum())  # a unit without candidates is its own group
    unassigned = linked.copy()
    for root in np.flatnonzero(linked):
        if not unassigned[root]:
            continue
        unassigned[root] = False
        frontier = np.array([root])
        while frontier.size:
            rows, cols = np.nonzero(candidates[frontier] & unassigned)
            same = _max_abs_gaps(U, frontier[rows], cols) <= tol
            frontier = np.unique(cols[same])
            unassigned[frontier] = False
        count += 1
    return count


def effective_width(U, tol=1e-6, distances=None):
    """Number of distinct units: rows are "the same" when every entry differs
    by at most ``tol``; the count is the number of groups of same units
    (connected components, so a chain of near-equal units counts once).

    Euclidean distances (from the Gram matrix) pre-select candidate pairs;
    the exact max-abs test is run, vectorized, on candidates only.

    Example:

    >>> effective_width(np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]]))
    2
    """
    U = _as_matrix(U)
    tol = _validation.check_tol(tol)
    n, dims = U.shape
    if n == 0:
        return 0
    if not np.all(np.isfinite(U)):
        return float("nan")
    if distances is None:
        distances = pairwise_distances(U)
    # max|a-b| <= tol implies ||a-b|| <= tol*sqrt(dims). The distance from
    # the Gram matrix is off by at most sqrt(2 (dims+2) eps) * max norm
    # (round-off of |a|^2 + |b|^2 - 2 a.b); candidates are then confirmed
    # exactly, so a generous bound only costs a few extra checks.
    scale = float(np.sqrt(np.max(np.einsum("ij,ij->i", U, U))))
    slack = np.sqrt(2.0 * (dims + 2) * np.finfo("float64").eps) * max(scale, 1.0)
    candidates = distances <= tol * np.sqrt(dims) + slack
    return _count_groups(U, tol, candidates)


def activation_correlation(A):
    """Pearson correlation between the columns (units) of activations ``A``
    (samples x units). A unit whose activation is constant has NaN rows.

    Example:

    >>> activation_correlation(np.array([[0.0, 1.0], [1.0, 0.0]]))[0, 1]
    -1.0
    """
    A = _as_matrix(A, "A", "samples x units")
    centered = A - A.mean(axis=0)
    cov = centered.T @ centered
    std = np.sqrt(np.diag(cov))
    with np.errstate(divide="ignore", invalid="ignore"):
        corr = cov / std[:, None]
        corr /= std[None, :]
    return np.clip(corr, -1.0, 1.0, out=corr)


def upper_triangle(M):
    """The entries above the diagonal, pair (0,1), (0,2), ..., (1,2), ...

    Example:

    >>> upper_triangle(np.array([[0, 1, 2], [1, 0, 3], [2, 3, 0]])).tolist()
    [1, 2, 3]
    """
    M = np.asarray(M)
    if M.ndim != 2 or M.shape[0] != M.shape[1]:
        raise ValueError(
            f"`M` must be a square matrix (units x units); got shape {M.shape}."
        )
    return M[np.triu_indices(M.shape[0], k=1)]


def pair_summary(M, absolute=False):
    """``(min, mean, max)`` of the finite entries off the diagonal of a
    symmetric matrix ``M`` (NaN when there are none).

    Equals the summary of ``upper_triangle(M)`` without copying the
    triangle, so it stays cheap for wide layers.

    Example:

    >>> pair_summary(np.array([[0.0, 2.0], [2.0, 0.0]]))
    (2.0, 2.0, 2.0)
    """
    M = np.asarray(M, dtype="float64")
    if M.ndim != 2 or M.shape[0] != M.shape[1]:
        raise ValueError(
            f"`M` must be a square matrix (units x units); got shape {M.shape}."
        )
    values = np.abs(M) if absolute else M.copy()  # the only copy made
    np.fill_diagonal(values, np.nan)
    bad = ~np.isfinite(values)
    count = values.size - np.count_nonzero(bad)
    if count == 0:
        nan = float("nan")
        return nan, nan, nan
    values[bad] = np.nan  # nanmin / nanmax skip them
    low, high = float(np.nanmin(values)), float(np.nanmax(values))
    values[bad] = 0.0  # np.nansum would copy the matrix
    return low, float(values.sum() / count), high
