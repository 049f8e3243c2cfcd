"""Pure NumPy measures of how different the units of a layer are.

A unit is described by its incoming weights and its bias: for a Dense layer
with kernel (inputs x units) and bias (units,), unit j is the vector
``[kernel[:, j], bias[j]]``. All pairwise figures come from one Gram matrix
(computed in float64), so they stay cheap for wide layers.

Example:

>>> U = unit_vectors(np.array([[1.0, 1.0, 0.0]]), np.zeros(3))
>>> effective_width(U)   # units 0 and 1 are the same
2
"""

import numpy as np

__all__ = [
    "unit_vectors",
    "pairwise_distances",
    "cosine_similarity",
    "effective_width",
    "activation_correlation",
    "upper_triangle",
]


def unit_vectors(kernel, bias=None):
    """Return one row per unit: its incoming weights followed by its bias."""
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
    U = np.asarray(U, dtype="float64")
    return U @ U.T


def pairwise_distances(U, gram=None):
    """Euclidean distance between every pair of rows of ``U`` (units x units)."""
    G = _gram(U) if gram is None else gram
    sq = np.diag(G)
    d2 = sq[:, None] + sq[None, :] - 2.0 * G
    np.maximum(d2, 0.0, out=d2)
    np.fill_diagonal(d2, 0.0)
    return np.sqrt(d2)


def cosine_similarity(U, gram=None):
    """Cosine similarity between every pair of rows (NaN for a zero row)."""
    G = _gram(U) if gram is None else gram
    norms = np.sqrt(np.diag(G))
    with np.errstate(divide="ignore", invalid="ignore"):
        cos = G / (norms[:, None] * norms[None, :])
    return np.clip(cos, -1.0, 1.0)


def effective_width(U, tol=1e-6, distances=None):
    """Number of distinct units: rows are "the same" when every entry differs
    by at most ``tol``; the count is the number of groups of same units
    (connected components, so a chain of near-equal units counts once).

    Euclidean distances (from the Gram matrix) pre-select candidate pairs;
    the exact max-abs test is run on candidates only.
    """
    U = np.asarray(U, dtype="float64")
    n = U.shape[0]
    if n == 0:
        return 0
    if not np.all(np.isfinite(U)):
        return float("nan")
    if distances is None:
        distances = pairwise_distances(U)
    # max|a-b| <= tol implies ||a-b|| <= tol*sqrt(d); add slack for the
    # Gram round-off, then confirm exactly.
    scale = np.sqrt(np.max(np.abs(np.diag(_gram(U))))) if n else 0.0
    bound = tol * np.sqrt(U.shape[1]) + 1e-7 * max(scale, 1.0)
    ii, jj = np.nonzero(np.triu(distances <= bound, k=1))
    parent = list(range(n))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j in zip(ii.tolist(), jj.tolist()):
        if np.max(np.abs(U[i] - U[j])) <= tol:
            parent[find(i)] = find(j)
    return len({find(i) for i in range(n)})


def activation_correlation(A):
    """Pearson correlation between the columns (units) of activations ``A``
    (samples x units). A unit whose activation is constant has NaN rows."""
    A = np.asarray(A, dtype="float64")
    if A.ndim != 2:
        raise ValueError(
            f"Activations must be 2-D (samples x units); got shape {A.shape}."
        )
    centered = A - A.mean(axis=0)
    cov = centered.T @ centered
    std = np.sqrt(np.diag(cov))
    with np.errstate(divide="ignore", invalid="ignore"):
        corr = cov / (std[:, None] * std[None, :])
    return np.clip(corr, -1.0, 1.0)


def upper_triangle(M):
    """The entries above the diagonal, pair (0,1), (0,2), ..., (1,2), ..."""
    M = np.asarray(M)
    return M[np.triu_indices(M.shape[0], k=1)]
