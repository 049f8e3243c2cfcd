"""Lab 5 ("Multiple neurons per layer"): why several neurons per layer, on the
notebook's quick budget (widths 1, 4, 16; 300 full-batch steps each), and the
"orders of magnitude" claim on its full budget (1,000 steps)."""

import numpy as np
import pytest

from mlscompanion.labs.width import experiment as width

pytestmark = pytest.mark.slow

SHOW = 4  # the width the notebook takes apart in quick mode


@pytest.fixture(scope="module")
def sweep():
    return width.sweep_widths(widths=(1, 4, 16), epochs=6, steps_per_epoch=50, seed=1)


def test_error_falls_with_width(sweep):
    # One sigmoid cannot follow three bumps; more can. Quick mode: 0.47, 0.22, 7e-3.
    assert sweep.mse[0] > 0.3
    assert np.all(np.diff(sweep.mse) < 0)
    assert sweep.mse[-1] < sweep.mse[0] / 50  # the notebook: "about 65x in quick mode"


def test_full_budget_error_falls_by_orders_of_magnitude():
    # Each width trains on its own (same seed): widths 1 and 16 of the full sweep.
    full = width.sweep_widths(widths=(1, 16), epochs=20, steps_per_epoch=50, seed=1)
    assert full.mse[0] == pytest.approx(0.46, rel=0.05)
    # README: "0.46 (1 unit) -> 2.0e-4 (16 units)"; measured 2.04e-4 (TF 2.21 CPU)
    assert 1.5e-4 < full.mse[1] < 3e-4
    assert full.mse[0] / full.mse[1] > 1000  # the lab: ~2000x from 1 to 16 units
    # the sum of 16 shifted sigmoids is the output to float32 round-off (measured 6.9e-7)
    assert width.reconstruction_error(full.fit(16), full.x) < 2e-6


def test_full_budget_error_flattens_past_a_handful_of_units():
    """'Past a handful of units the curve flattens' and 'mean |r| 0.66 at 4 units,
    rising to 0.91 at 32 to 64': widths 4, 8, 32, 64 of the full sweep (the quick
    widths 1, 4, 16 do not reach the flat part, as the notebook says)."""
    full = width.sweep_widths(widths=(4, 8, 32, 64), epochs=20, steps_per_epoch=50, seed=1)
    flat = full.mse[1:]  # 8 to 64 units: measured 2.5e-4, 2.1e-4, 5.1e-4
    assert flat.max() / flat.min() < 5  # no further order of magnitude
    assert full.mse[0] > flat.min()  # 4 units (1.1e-3) are not yet on it
    r = [f.mean_abs_correlation for f in full.fits]
    assert r[0] == pytest.approx(0.66, abs=0.05)
    assert r[0] < r[1] < r[2] and min(r[2:]) > 0.88  # 0.77, 0.91, 0.91


def test_correlation_rises_with_width_from_4_units(sweep):
    r4, r16 = sweep.fit(4).mean_abs_correlation, sweep.fit(16).mean_abs_correlation
    assert 0.0 < r4 < r16 < 1.0


def test_some_units_switch_at_nearly_the_same_place(sweep):
    # "the dark red pairs, r close to 1, in the heatmap" of the SHOW units
    from mlscompanion import similarity

    fit = sweep.fit(SHOW)
    acts = width.hidden_activations(fit.weights, sweep.x[:, 0].astype("float64"))
    r = np.abs(similarity.activation_correlation(acts)[np.triu_indices(SHOW, k=1)])
    assert r.max() > 0.99  # measured 0.9996


def test_contributions_sum_to_the_prediction(sweep):
    fit = sweep.fit(SHOW)
    parts = width.unit_contributions(fit.weights, sweep.x)
    assert parts.shape == (sweep.x.shape[0], SHOW)
    np.testing.assert_allclose(parts.sum(axis=1) + fit.bias2, fit.prediction, atol=1e-5)
    assert width.reconstruction_error(fit, sweep.x) < 2e-6  # float32 round-off: measured 2.6e-7


def test_units_end_up_distinct(sweep):
    for fit in sweep.fits:
        assert fit.effective_width == fit.width
    centres = sweep.fit(SHOW).centres
    assert len(np.unique(np.round(centres, 3))) == SHOW  # each switches at its own centre


def test_unit_contributions_by_hand():
    weights = [np.array([[2.0, -1.0]]), np.array([0.0, 1.0]), np.array([[3.0], [0.5]]),
               np.array([0.1])]
    x = np.array([0.0, 1.0])
    expected = np.column_stack([3.0 / (1 + np.exp(-2.0 * x)), 0.5 / (1 + np.exp(x - 1.0))])
    np.testing.assert_allclose(width.unit_contributions(weights, x), expected, rtol=1e-12)


def test_sample_1d_and_wave():
    x, y = width.sample_1d(width.wave, n=7)
    assert x.shape == y.shape == (7, 1) and x.dtype == np.float32
    assert x[0, 0] == -1.0 and x[-1, 0] == 1.0
    np.testing.assert_allclose(y[:, 0], np.sin(1.5 * np.pi * x[:, 0]), atol=1e-6)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: width.sigmoid_layer_model(0), "width"),
        (lambda: width.sigmoid_layer_model(2.5), "width"),
        (lambda: width.sigmoid_layer_model(4, init_scale=-1), "init_scale"),
        (lambda: width.sample_1d(width.wave, n=1), "n"),
        (lambda: width.sample_1d(width.wave, low=1.0, high=-1.0), "low"),
        (lambda: width.wave([0.0], periods=0), "periods"),
        (lambda: width.sweep_widths(widths=[]), "widths"),
        (lambda: width.sweep_widths(widths="8"), "widths"),
        (lambda: width.unit_contributions([np.ones((1, 2))], [0.0]), "weights"),
        (lambda: width.unit_contributions(
            [np.ones((2, 2)), np.ones(2), np.ones((2, 1)), np.ones(1)], [0.0]), "shapes"),
        (lambda: width.fit_regression(width.sigmoid_layer_model(2), np.zeros((4, 1)),
                                      np.zeros((3, 1)), epochs=1), "rows"),
        (lambda: width.fit_regression(width.sigmoid_layer_model(2), np.zeros((4, 1)),
                                      np.zeros((4, 1)), epochs=0), "epochs"),
    ],
)
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_bad_target_type():
    with pytest.raises(TypeError, match="target"):
        width.sample_1d("sin")


def test_sweep_fit_lookup(sweep):
    with pytest.raises(ValueError, match="widths"):
        sweep.fit(3)
