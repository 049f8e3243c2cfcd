"""Lab 5 ("Multiple neurons per layer"): why several neurons per layer,
asserted with a small budget."""

import numpy as np
import pytest

from mlscompanion.experiments import width

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def sweep():
    # 300 full-batch steps per width: a few seconds in all.
    return width.sweep_widths(widths=(1, 8), epochs=6, steps_per_epoch=50, seed=1)


def test_error_falls_with_width(sweep):
    # One sigmoid cannot follow three bumps; eight can (measured ~0.47 vs ~5e-3).
    assert sweep.mse[0] > 0.3
    assert sweep.mse[-1] < sweep.mse[0] / 20


def test_contributions_sum_to_the_prediction(sweep):
    fit = sweep.fit(8)
    parts = width.unit_contributions(fit.weights, sweep.x)
    assert parts.shape == (sweep.x.shape[0], 8)
    np.testing.assert_allclose(parts.sum(axis=1) + fit.bias2, fit.prediction, atol=1e-5)
    assert width.reconstruction_error(fit, sweep.x) < 1e-5


def test_units_end_up_distinct(sweep):
    fit = sweep.fit(8)
    assert fit.effective_width == 8
    assert 0.0 < fit.mean_abs_correlation < 1.0


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
        (lambda: width.fit_full_batch(width.sigmoid_layer_model(2), np.zeros((4, 1)),
                                      np.zeros((3, 1)), epochs=1), "rows"),
        (lambda: width.fit_full_batch(width.sigmoid_layer_model(2), np.zeros((4, 1)),
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
