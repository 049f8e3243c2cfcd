"""The tracker's device-side figures against an independent NumPy oracle.

The oracle is written here from the definitions, in float64, with loops
over pairs where that is clearest; the package computes the same figures
with ``keras.ops`` in float32, compiled, on whatever device holds the
weights.
"""

import itertools
import math

import keras
import numpy as np
import pytest

from mlscompanion import callbacks as callbacks_module
from mlscompanion.callbacks import NeuronDifferentiation
from mlscompanion import unit_figures
from mlscompanion.unit_figures import SCALARS, UnitFigures
from tests.helpers import coffee

RTOL = 1e-4


def oracle(kernel, bias, activations=None, tol=1e-6):
    """Every figure from its definition (float64, pair loops)."""
    U = np.concatenate([kernel.reshape(-1, kernel.shape[-1]).T.astype("float64"),
                        bias.astype("float64")[:, None]], axis=1)
    n = len(U)
    pairs = list(itertools.combinations(range(n), 2))
    dist = np.array([np.linalg.norm(U[i] - U[j]) for i, j in pairs])
    cos = np.array([U[i] @ U[j] / (np.linalg.norm(U[i]) * np.linalg.norm(U[j])) for i, j in pairs])
    # effective width: connected groups of units whose every weight is within tol
    group = list(range(n))
    for i, j in pairs:
        if np.max(np.abs(U[i] - U[j])) <= tol:
            a, b = group[i], group[j]
            group = [a if g == b else g for g in group]
    figures = {
        "effective_width": len(set(group)),
        "rms_distance": math.sqrt(np.mean(dist ** 2)),
        "min_distance": dist.min(), "mean_distance": dist.mean(), "max_distance": dist.max(),
        "mean_cosine": cos.mean(), "max_cosine": cos.max(), "pair_distances": dist,
        "mean_abs_correlation": float("nan"),
    }
    if activations is not None:
        corr = np.corrcoef(activations.astype("float64"), rowvar=False)
        figures["mean_abs_correlation"] = np.mean([abs(corr[i, j]) for i, j in pairs])
    return figures


def device_figures(kernel, bias, activations=None, tol=1e-6, pairs=True, pair_limit=32):
    figures = UnitFigures(kernel.shape, tol=tol, pair_limit=pair_limit)
    vector = figures(kernel, bias, activations, pairs=pairs)
    return figures.decode(keras.ops.convert_to_numpy(vector), pairs=pairs)


def layer(kind, units=6, fan_in=5, seed=0):
    """Kernel and bias of a layer whose units are random, tied in pairs, or all identical."""
    rng = np.random.default_rng(seed)
    kernel = rng.normal(size=(fan_in, units)).astype("float32")
    bias = rng.normal(size=units).astype("float32")
    if kind == "tied":  # units 0=1, 2=3: what TieUnits([[0, 1], [2, 3]]) leaves
        kernel[:, 1], kernel[:, 3] = kernel[:, 0], kernel[:, 2]
        bias[1], bias[3] = bias[0], bias[2]
    elif kind == "identical":
        kernel[:] = kernel[:, :1]
        bias[:] = bias[0]
    return kernel, bias


@pytest.mark.parametrize("kind, width", [("random", 6), ("tied", 4), ("identical", 1)])
def test_every_figure_agrees_with_the_numpy_oracle(kind, width):
    kernel, bias = layer(kind)
    activations = np.random.default_rng(3).normal(size=(40, 6)).astype("float32")
    got = device_figures(kernel, bias, activations)
    want = oracle(kernel, bias, activations)
    assert got["effective_width"] == want["effective_width"] == width
    for name in ("rms_distance", "min_distance", "mean_distance", "max_distance",
                 "mean_cosine", "max_cosine", "mean_abs_correlation"):
        assert got[name] == pytest.approx(want[name], rel=RTOL, abs=1e-6), name
    np.testing.assert_allclose(got["pair_distances"], want["pair_distances"], rtol=RTOL, atol=1e-6)


def test_identical_units_are_exactly_zero_apart():
    kernel, bias = layer("tied")
    got = device_figures(kernel, bias)
    assert got["min_distance"] == 0.0
    assert got["pair_distances"][0] == 0.0  # the pair (0, 1)


def test_width_counts_units_within_tol_as_one():
    kernel, bias = layer("tied")
    kernel[0, 1] += 1e-4  # unit 1 now differs from unit 0 by 1e-4 in one weight
    assert device_figures(kernel, bias, tol=1e-3)["effective_width"] == 4
    assert device_figures(kernel, bias, tol=1e-5)["effective_width"] == 5
    assert oracle(kernel, bias, tol=1e-5)["effective_width"] == 5


def test_a_wide_layer_takes_the_gram_path_and_still_agrees():
    kernel, bias = layer("tied", units=300, fan_in=100, seed=4)  # 300² x 101 > 2**22
    got = device_figures(kernel, bias, pair_limit=32)
    want = oracle(kernel, bias)
    assert got["effective_width"] == want["effective_width"] == 298
    assert got["pair_distances"] is None
    assert got["min_distance"] == 0.0  # tied units: exactly 0 on the Gram path too
    for name in ("rms_distance", "mean_distance", "max_distance", "mean_cosine", "max_cosine"):
        assert got[name] == pytest.approx(want[name], rel=RTOL), name


def test_a_conv_kernel_has_one_unit_per_filter():
    rng = np.random.default_rng(5)
    kernel = rng.normal(size=(3, 3, 2, 4)).astype("float32")  # 4 filters of 3x3x2
    kernel[..., 3] = kernel[..., 0]
    bias = np.zeros(4, "float32")
    got = device_figures(kernel, bias)
    assert got["effective_width"] == oracle(kernel, bias)["effective_width"] == 3


def test_cheap_records_leave_the_pair_figures_out_and_agree_on_the_rest():
    kernel, bias = layer("random")
    cheap = device_figures(kernel, bias, pairs=False)
    full = device_figures(kernel, bias, pairs=True)
    for name in ("effective_width", "rms_distance", "mean_cosine"):
        assert cheap[name] == full[name]
    assert all(math.isnan(cheap[name]) for name in
               ("min_distance", "mean_distance", "max_distance", "max_cosine"))
    assert cheap["pair_distances"] is None


def test_nan_weights_give_nan_figures():
    kernel, bias = layer("random")
    kernel[0, 0] = np.nan
    got = device_figures(kernel, bias)
    assert all(math.isnan(got[name]) for name in SCALARS)


def test_a_constant_unit_leaves_the_correlation_of_the_others():
    activations = np.random.default_rng(6).normal(size=(30, 3)).astype("float32")
    activations[:, 2] = 1.0  # a dead unit: its correlation is undefined
    kernel, bias = layer("random", units=3)
    got = device_figures(kernel, bias, activations)
    corr = np.corrcoef(activations[:, :2].astype("float64"), rowvar=False)
    assert got["mean_abs_correlation"] == pytest.approx(abs(corr[0, 1]), rel=RTOL)


@pytest.mark.tf_only
def test_compiled_once_per_layer_shape():
    """Trackers' figures for layers of one shape share one function, traced once."""
    for seed in range(4):
        figures = UnitFigures((5, 7), seed=seed % 2)
        kernel, bias = layer("random", units=7, seed=seed)
        figures(keras.ops.convert_to_tensor(kernel), keras.ops.convert_to_tensor(bias))
    compiled = [fn for (_, signature), fn in unit_figures._COMPILED.items()
                if signature and signature[0] == ((5, 7), (7,))]
    assert len(compiled) == 1
    assert compiled[0].experimental_get_tracing_count() == 1


class _HostCopies:
    """Stands in for ``keras.ops`` in the callbacks module and counts host copies."""

    def __init__(self):
        self.count = 0

    def __getattr__(self, name):
        return getattr(keras.ops, name)

    def convert_to_numpy(self, x):
        self.count += 1
        return keras.ops.convert_to_numpy(x)


def test_batch_records_copy_nothing_to_the_host(monkeypatch):
    """Every batch recorded, yet host copies happen only at fetches and epoch bounds."""
    x, y = coffee(reps=1)  # 200 rows: 7 batches of 32
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3, name="layer1"),
                              keras.layers.Dense(1)])
    model.compile(loss="mse", optimizer="sgd")
    counter = _HostCopies()
    monkeypatch.setattr(callbacks_module, "ops", counter)
    tracker = NeuronDifferentiation(layers=["layer1"], every=1, fetch_every=100)
    model.fit(x, y, epochs=2, batch_size=32, verbose=0, callbacks=[tracker])
    assert [r["step"] for r in tracker.history] == list(range(15))
    # per epoch: the step read at its start and at its end, and one fetch
    assert counter.count == 2 * 3
