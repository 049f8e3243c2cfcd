"""Property tests (hypothesis) for the tie constraints and the unit measures.

For random shapes, values and valid groups, each constraint is a projection:
applying it twice changes nothing (bit for bit), tied entries come out
bit-identical, each group keeps its mean, and untied entries are untouched.
Invalid groups always raise ValueError naming `groups`. Runs on every
Keras backend (the constraints are keras.ops only).
"""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from mlscompanion import initializers, similarity
from mlscompanion.constraints import TieEntries, TieInputs, TieUnits
from tests.helpers import as_np

# Seeded (derandomize) so CI runs the same examples every time.
PROPERTY = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

values = st.floats(-1e3, 1e3, width=32, allow_subnormal=False)


def same_bits(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


@st.composite
def groups_of(draw, size):
    """Disjoint groups (>= 2 members each, shuffled) of indices in range(size)."""
    order = draw(st.permutations(range(size)))
    labels = draw(st.lists(st.integers(-1, max(1, size // 2)), min_size=size, max_size=size))
    labels[order[0]] = labels[order[1]] = 0  # at least one group
    groups = []
    for label in sorted(set(labels) - {-1}):
        members = [i for i, lab in enumerate(labels) if lab == label]
        if len(members) >= 2:
            groups.append(draw(st.permutations(members)))
    return [list(g) for g in groups]


@st.composite
def axis_case(draw, min_rank, axis):
    rank = draw(st.integers(min_rank, 3))
    shape = list(draw(st.lists(st.integers(1, 5), min_size=rank, max_size=rank)))
    shape[axis] = draw(st.integers(2, 7))
    w = draw(hnp.arrays(np.float32, tuple(shape), elements=values))
    return w, draw(groups_of(shape[axis]))


@st.composite
def entry_case(draw):
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=1, max_size=3)))
    if np.prod(shape) < 2:  # a group needs two entries
        shape = shape[:-1] + (2,)
    w = draw(hnp.arrays(np.float32, shape, elements=values))
    flat_groups = draw(groups_of(w.size))
    groups = [[tuple(int(i) for i in np.unravel_index(f, shape)) for f in g] for g in flat_groups]
    return w, groups


def check_projection(w, projected, slices_of):
    """The four properties, given ``slices_of(group) -> list of index tuples``."""
    p = as_np(projected)
    assert p.dtype == w.dtype and p.shape == w.shape
    touched = np.zeros(w.shape, bool)
    scale = max(1.0, float(np.max(np.abs(w))))
    for members in slices_of:
        first = p[members[0]]
        for m in members[1:]:
            assert same_bits(p[m], first)  # tied entries bit-identical
        mean = np.mean([w[m].astype("float64") for m in members], axis=0)
        np.testing.assert_allclose(first, mean, rtol=1e-5, atol=1e-5 * scale)  # mean kept
        for m in members:
            touched[m] = True
    assert same_bits(p[~touched], w[~touched])  # untied entries untouched
    return p


@PROPERTY
@given(axis_case(min_rank=1, axis=-1))
def test_tie_units_is_an_exact_projection(case):
    w, groups = case
    tie = TieUnits(groups)
    p = check_projection(w, tie(w), [[(..., u) for u in g] for g in groups])
    assert same_bits(as_np(tie(p)), p)  # idempotent, bit for bit


@PROPERTY
@given(axis_case(min_rank=2, axis=-2))
def test_tie_inputs_is_an_exact_projection(case):
    w, groups = case
    tie = TieInputs(groups)
    p = check_projection(w, tie(w), [[(..., i, slice(None)) for i in g] for g in groups])
    assert same_bits(as_np(tie(p)), p)


@PROPERTY
@given(entry_case())
def test_tie_entries_is_an_exact_projection(case):
    w, groups = case
    tie = TieEntries(groups)
    p = check_projection(w, tie(w), groups)
    assert same_bits(as_np(tie(p)), p)


@PROPERTY
@given(axis_case(min_rank=2, axis=-1), st.integers(0, 2**31 - 1))
def test_tied_units_initializer_starts_on_the_constraint(case, seed):
    w, groups = case
    start = as_np(initializers.TiedUnits(groups, seed=seed)(w.shape, dtype="float32"))
    assert same_bits(as_np(TieUnits(groups)(start)), start)


# ----- invalid groups ---------------------------------------------------------

def invalid_groups(size):
    """Group lists that are wrong in one of the ways the docs list."""
    index = st.integers(0, size - 1)
    return st.one_of(
        st.just([]),                                            # no group
        index.map(lambda i: [[i]]),                             # one member
        index.map(lambda i: [[i, i]]),                          # a unit twice
        st.integers(1, size - 1).map(lambda i: [[0, i], [i, 0]]),  # overlap
        st.integers(-5, -1).map(lambda i: [[i, 0]]),            # negative
        st.sampled_from([[[0.0, 1]], [["0", 1]], [[True, 1]], [[None, 1]]]),  # not ints
        st.sampled_from([3, "01", None, [3], [None]]),          # not a list of lists
    )


@PROPERTY
@given(st.integers(2, 6).flatmap(lambda n: st.tuples(st.just(n), invalid_groups(n))),
       st.sampled_from([TieUnits, TieInputs, initializers.TiedUnits]))
def test_invalid_groups_always_raise_value_error(case, cls):
    _, groups = case
    with pytest.raises(ValueError, match="groups"):
        cls(groups)


@PROPERTY
@given(st.integers(2, 6).flatmap(lambda n: st.tuples(st.just(n), st.integers(n, n + 5))))
def test_out_of_range_groups_raise_when_applied(case):
    units, bad = case
    w = np.zeros((3, units), "float32")
    for tie in (TieUnits([[0, bad]]), TieEntries([[(0, 0), (0, bad)]])):
        with pytest.raises(ValueError, match="groups"):
            tie(w)
    with pytest.raises(ValueError, match="groups"):
        TieInputs([[0, bad]])(w.T)


@PROPERTY
@given(st.sampled_from([[], [[(0, 0)]], [[(0, 0), (0, 0)]], [[(0, -1), (0, 0)]],
                        [[(0, 0), (0, 1)], [(0, 1), (1, 1)]], [["a", (0, 0)]], 7]))
def test_invalid_entry_groups_always_raise_value_error(groups):
    with pytest.raises(ValueError, match="groups"):
        TieEntries(groups)


# ----- the measures behind the tracker ----------------------------------------

def brute_force_width(U, tol):
    """Reference: union-find over every pair with the max-abs test."""
    parent = list(range(len(U)))

    def find(i):
        while parent[i] != i:
            i = parent[i]
        return i

    for i in range(len(U)):
        for j in range(i + 1, len(U)):
            if np.max(np.abs(U[i] - U[j])) <= tol:
                parent[find(i)] = find(j)
    return len({find(i) for i in range(len(U))})


@st.composite
def units_with_near_copies(draw):
    n = draw(st.integers(1, 10))
    dims = draw(st.integers(1, 4))
    base = draw(hnp.arrays(np.float64, (draw(st.integers(1, n)), dims),
                           elements=st.floats(-10, 10)))
    picks = draw(st.lists(st.integers(0, len(base) - 1), min_size=n, max_size=n))
    noise = draw(hnp.arrays(np.float64, (n, dims), elements=st.sampled_from([0.0, 5e-7, -5e-7, 2e-6])))
    return base[picks] + noise


@PROPERTY
@given(units_with_near_copies(), st.sampled_from([0.0, 1e-6, 3e-6]))
def test_effective_width_matches_brute_force(U, tol):
    assert similarity.effective_width(U, tol=tol) == brute_force_width(U, tol)


@PROPERTY
@given(hnp.arrays(np.float64, st.tuples(st.integers(2, 8), st.integers(1, 4)),
                  elements=st.floats(-10, 10)))
def test_pair_summary_equals_the_upper_triangle_summary(U):
    D = similarity.pairwise_distances(U)
    pairs = similarity.upper_triangle(D)
    np.testing.assert_allclose(similarity.pair_summary(D),
                               (pairs.min(), pairs.mean(), pairs.max()), rtol=1e-12, atol=1e-12)
