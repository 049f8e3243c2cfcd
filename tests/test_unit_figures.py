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

from mlscompanion.tracker import callback as callbacks_module
from mlscompanion.tracker import record_window
from mlscompanion.tracker.callback import NeuronDifferentiation
from mlscompanion.tracker import compiled
from mlscompanion.tracker import figures as unit_figures
from mlscompanion.tracker.figures import SCALARS, UnitFigures
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
    functions = [fn for (_, signature), fn in compiled._COMPILED.items()
                 if signature and signature[0] == ((5, 7), (7,))]
    assert len(functions) == 1
    assert functions[0].experimental_get_tracing_count() == 1


class _HostCopies:
    """Stands in for ``keras.ops`` in the tracker's modules and counts host copies."""

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
    monkeypatch.setattr(record_window, "ops", counter)
    tracker = NeuronDifferentiation(layers=["layer1"], every=1, fetch_every=100)
    model.fit(x, y, epochs=2, batch_size=32, verbose=0, callbacks=[tracker])
    assert [r["step"] for r in tracker.history] == list(range(15))
    # per epoch: the step read at its start and at its end, and one fetch
    assert counter.count == 2 * 3


# --- Behaviours the mutation run showed untested (docs/testing.md) -----------


def figures_vector(kernel, bias=None, activations=None, pairs=True, **kwargs):
    figures = UnitFigures(kernel.shape, **kwargs)
    return figures, keras.ops.convert_to_numpy(figures(kernel, bias, activations, pairs=pairs))


@pytest.mark.parametrize("pairs", [True, False])
def test_the_vector_is_as_long_as_size(pairs):
    """``size`` entries, with or without pair figures, above and below ``pair_limit``."""
    kernel, bias = layer("random", units=4)
    activations = np.random.default_rng(7).normal(size=(20, 4)).astype("float32")
    for pair_limit, n_pairs in ((32, 6), (3, 0)):
        figures, vector = figures_vector(kernel, bias, activations, pairs=pairs,
                                         pair_limit=pair_limit)
        assert vector.dtype == np.float32
        assert vector.shape == (figures.size,) == (len(SCALARS) + n_pairs,)


def test_cheap_records_keep_the_correlation_in_its_place():
    kernel, bias = layer("random", units=4)
    activations = np.random.default_rng(8).normal(size=(30, 4)).astype("float32")
    cheap = device_figures(kernel, bias, activations, pairs=False)
    want = oracle(kernel, bias, activations)
    assert cheap["mean_abs_correlation"] == pytest.approx(want["mean_abs_correlation"], rel=RTOL)


def test_decode_leaves_pair_distances_out_unless_asked():
    kernel, bias = layer("random", units=3)
    figures, vector = figures_vector(kernel, bias, pairs=False)
    decoded = figures.decode(vector)
    assert decoded["pair_distances"] is None
    assert type(decoded["effective_width"]) is int and decoded["effective_width"] == 3


def test_decode_takes_the_list_of_a_fetched_block_as_it_takes_the_array():
    kernel, bias = layer("random", units=3)
    figures, vector = figures_vector(kernel, bias, pairs=True)
    from_list = figures.decode(vector.tolist(), pairs=True)
    from_array = figures.decode(vector, pairs=True)
    np.testing.assert_equal(from_list, from_array)  # NaN == NaN here
    for decoded in (from_list, from_array):  # plain Python numbers, never NumPy scalars
        pairs = decoded.pop("pair_distances")
        assert all(type(value) is float for value in pairs) and len(pairs) == 3
        assert all(type(value) in (int, float) for value in decoded.values())
        assert type(decoded["effective_width"]) is int


def test_a_call_without_pairs_or_bias_is_the_cheap_record_of_a_zero_bias():
    rng = np.random.default_rng(9)
    kernel = rng.normal(size=(3, 3, 2, 4)).astype("float32")  # conv: shape[1] != units
    figures = UnitFigures(kernel.shape)
    default = figures.decode(keras.ops.convert_to_numpy(figures(kernel)))
    zero = figures.decode(keras.ops.convert_to_numpy(figures(kernel, np.zeros(4, "float32"))))
    assert default["rms_distance"] == zero["rms_distance"] > 0
    assert math.isnan(default["min_distance"])  # pairs=False unless asked


def test_units_exactly_tol_apart_are_one_unit():
    """'every weight differs by at most tol': a gap equal to tol joins the units."""
    kernel = np.array([[0.0, 0.5, 3.0]], "float32")
    assert device_figures(kernel, np.zeros(3, "float32"), tol=0.5)["effective_width"] == 2


@pytest.mark.parametrize("fan_in", range(1, 17))
def test_width_is_exact_for_tied_units_at_every_fan_in(fan_in):
    """The sorting direction has no zero weight, whatever the number of features."""
    rng = np.random.default_rng(fan_in)
    kernel = rng.normal(size=(fan_in, 2)).astype("float32")[:, [0, 1, 0, 1, 0, 1]]
    bias = np.zeros(6, "float32")
    assert device_figures(kernel, bias)["effective_width"] == 2


def test_zero_units_are_left_out_of_the_cosines():
    """A dead (all-zero) unit has no direction: cosines are over the other units."""
    u = np.array([1.0, 2.0, -1.0], "float32")
    units = np.stack([u, -2.0 * u, np.zeros(3, "float32")], axis=1)  # 3 units of 2 weights + bias
    kernel, bias = units[:2], units[2]
    got = device_figures(kernel, bias)
    assert got["max_cosine"] == pytest.approx(-1.0, abs=1e-6)
    assert got["mean_cosine"] == pytest.approx(-1.0, abs=1e-6)
    # with only one unit left that has a direction, no cosine is defined
    alone = device_figures(kernel[:, [0, 2]], bias[[0, 2]])
    assert math.isnan(alone["max_cosine"]) and math.isnan(alone["mean_cosine"])


def test_two_unit_layers_have_a_mean_cosine():
    kernel, bias = layer("random", units=2)
    got, want = device_figures(kernel, bias), oracle(kernel, bias)
    assert got["mean_cosine"] == pytest.approx(want["mean_cosine"], rel=RTOL)


def test_small_units_and_small_activations_agree_with_the_oracle():
    """Norms and standard deviations well below 1 (no clamping at 1)."""
    kernel, bias = layer("random", units=5)
    kernel, bias = kernel * 0.01, bias * 0.01
    activations = 0.01 * np.random.default_rng(10).normal(size=(40, 5)).astype("float32")
    got, want = device_figures(kernel, bias, activations), oracle(kernel, bias, activations)
    for name in ("max_cosine", "mean_cosine", "mean_abs_correlation"):
        assert got[name] == pytest.approx(want[name], rel=1e-3), name


def test_cosines_and_correlations_stay_within_one_for_parallel_units():
    """Rounding never pushes a cosine or |correlation| past 1 (or below -1)."""
    rng = np.random.default_rng(11)
    for _ in range(5):
        u = rng.normal(size=7).astype("float32")
        scales = np.array([1.0, 3.1, 7.3, -0.7, -11.9], "float32")
        units = u[:, None] * scales[None, :]
        a = rng.normal(size=(50, 1)).astype("float32")
        got = device_figures(units[:-1], units[-1], a * scales[None, :])
        assert -1.0 <= got["mean_cosine"] <= 1.0 and got["max_cosine"] <= 1.0
        assert got["mean_abs_correlation"] <= 1.0
        assert got["max_cosine"] == pytest.approx(1.0, abs=1e-6)


def test_rounding_never_pushes_a_cosine_or_correlation_past_one():
    """Identical and opposite units (and activations) sit exactly at +-1: clipped there."""
    for seed in range(20):
        rng = np.random.default_rng(100 + seed)
        u = rng.normal(size=(5, 1)).astype("float32")
        a = rng.normal(size=(30, 1)).astype("float32")
        same = device_figures(u[:-1] * np.ones(4, "float32"), u[-1] * np.ones(4, "float32"),
                              a * np.ones(4, "float32"))
        assert same["mean_cosine"] <= 1.0 and same["max_cosine"] <= 1.0
        assert same["mean_abs_correlation"] <= 1.0
        signs = np.array([1.0, -1.0], "float32")
        opposite = device_figures(u[:-1] * signs, u[-1] * signs, a * signs)
        assert opposite["mean_cosine"] >= -1.0 and opposite["max_cosine"] >= -1.0
        assert opposite["mean_abs_correlation"] <= 1.0


def test_unit_figures_defaults_tol_and_pair_limit():
    figures, vector = figures_vector(np.array([[0.0, 1e-3]], "float32"))
    assert figures.decode(vector)["effective_width"] == 2  # default tol 1e-6
    assert UnitFigures((1, 32)).size == len(SCALARS) + 32 * 31 // 2  # pair_limit 32
    assert UnitFigures((1, 33)).size == len(SCALARS)


def test_conv_activations_give_one_correlation_per_position():
    """The mean over every (position, pair of units), each across the samples."""
    rng = np.random.default_rng(12)
    kernel = rng.normal(size=(3, 3, 2, 4)).astype("float32")
    bias = np.zeros(4, "float32")
    activations = rng.normal(size=(9, 3, 2, 4)).astype("float32")
    got = device_figures(kernel, bias, activations)
    per_position = [oracle(kernel, bias, activations[:, i, j, :])["mean_abs_correlation"]
                    for i in range(3) for j in range(2)]
    assert got["mean_abs_correlation"] == pytest.approx(np.mean(per_position), rel=RTOL)


def test_a_sample_describes_only_the_chosen_units():
    kernel, bias = layer("random", units=4)
    kernel[:, 2], bias[2] = kernel[:, 0], bias[0]
    figures = UnitFigures(kernel.shape, sample=[0, 2])
    got = figures.decode(keras.ops.convert_to_numpy(figures(kernel, bias, pairs=True)), pairs=True)
    assert figures.units == 2
    assert got["effective_width"] == 1 and got["pair_distances"] == [0.0]


def test_describe_units_defaults_and_conv_kernels():
    from mlscompanion.tracker.describe import describe_units

    rng = np.random.default_rng(13)
    conv = rng.normal(size=(3, 3, 2, 4)).astype("float32")
    got = describe_units(conv, np.zeros(4, "float32"))
    assert got["units"] == 4 and len(got["pair_distances"]) == 6
    with pytest.raises(ValueError, match=r"kernel has 4 units: expected shape \(4,\)"):
        describe_units(conv, np.zeros(3, "float32"))
    # default tol 1e-6: units 1e-3 apart are two units
    assert describe_units(np.array([[0.0, 1e-3]], "float32"))["effective_width"] == 2
    # pair distances kept up to pair_limit units (default 32), not beyond
    assert describe_units(np.zeros((1, 4)), pair_limit=4)["pair_distances"] == [0.0] * 6
    assert describe_units(np.zeros((1, 4)), pair_limit=3)["pair_distances"] is None
    assert describe_units(rng.normal(size=(1, 33)))["pair_distances"] is None
    assert len(describe_units(rng.normal(size=(1, 32)))["pair_distances"]) == 32 * 31 // 2


def _double(x, twice=True):
    return x * 2 if twice else x


def test_compile_for_backend_jits_with_static_flags_under_jax(monkeypatch):
    """The toy function is plain NumPy: only a real jit returns a JAX array."""
    jax = pytest.importorskip("jax")
    monkeypatch.setattr(keras.backend, "backend", lambda: "jax")
    double = compiled.compile_for_backend(_double, static=("twice",))
    out = double(np.ones(3, "float32"), twice=False)  # a Python flag: static, not traced
    assert isinstance(out, jax.Array) and np.asarray(out).tolist() == [1.0, 1.0, 1.0]


def test_compile_for_backend_runs_without_gradients_under_torch(monkeypatch):
    torch = pytest.importorskip("torch")
    monkeypatch.setattr(keras.backend, "backend", lambda: "torch")
    seen = []
    identity = compiled.compile_for_backend(lambda x: seen.append(torch.is_grad_enabled()) or x)
    assert identity(3) == 3 and seen == [False]  # runs under no_grad


def test_the_vector_is_float32_whatever_floatx():
    """A float64 model (``keras.config.set_floatx("float64")``) still gets the
    documented float32 vector, with and without pair figures and a probe."""
    previous = keras.config.floatx()
    keras.config.set_floatx("float64")
    try:
        kernel, bias = layer("random", units=3)
        figures = UnitFigures(kernel.shape)
        kernel, bias = (keras.ops.convert_to_tensor(kernel.astype("float64")),
                        keras.ops.convert_to_tensor(bias.astype("float64")))
        activations = keras.ops.convert_to_tensor(np.random.default_rng(0).random((6, 3)))
        for vector in (figures(kernel, bias), figures(kernel, bias, pairs=True),
                       figures(kernel, bias, activations, pairs=True)):
            assert keras.backend.standardize_dtype(vector.dtype) == "float32"
    finally:
        keras.config.set_floatx(previous)


@pytest.mark.tf_only
def test_a_zero_unit_is_left_out_of_the_cosines_in_a_plain_tensorflow_graph():
    """A zero unit has no direction: ``max_cosine`` is over the other pairs
    only (here -1, where counting the zero unit would give 0), also when the
    figures run in a TensorFlow graph without XLA (the mutation run reported
    a zero unit's norm, then rebuilt from the Gram matrix, as not exactly 0
    there; the norms now come from the units)."""
    import tensorflow as tf

    kernel = keras.ops.convert_to_tensor(np.array([[0.1, -0.3, 0.0], [0.7, -2.1, 0.0]], "float32"))
    bias = keras.ops.zeros((3,), "float32")
    figures = UnitFigures((2, 3))
    graph = tf.function(unit_figures._figures, jit_compile=False)
    vector = graph((kernel, bias), figures._direction, figures._tol, figures._sample,
                   figures._pair_index, None, figures._marks, layout=figures.layout,
                   pairs=True)
    assert figures.decode(keras.ops.convert_to_numpy(vector), pairs=True)["max_cosine"] == -1.0
