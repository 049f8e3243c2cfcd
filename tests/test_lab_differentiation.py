"""Lab 7 ("Identical nodes"): a symmetric start stays symmetric (eps = 0, distance exactly
0); any nudge eps > 0 grows by a large factor during training."""

import numpy as np
import pytest

import mlscompanion as mlc
from mlscompanion.experiments import differentiation as dif

pytestmark = pytest.mark.tf_only


@pytest.fixture(scope="module")
def result():
    # 875 Adam steps per run: past the slow start (~500 steps), into the exponential phase
    return dif.run_differentiation((0.0, 1e-4), epochs=7, reps=20, every=50)


def test_eps_zero_stays_exactly_identical(result):
    run = result.run(0.0)
    assert len(run.steps) == 18
    assert np.all(run.distance == 0.0)
    assert run.effective_width[-1] == 1
    assert run.initial_gradient_gap == 0.0
    assert run.loss[-1] < run.loss[0]  # it did train


def test_eps_positive_grows_by_a_big_factor(result):
    run = result.run(1e-4)
    assert run.distance[0] == pytest.approx(1e-4, rel=0.6)
    assert run.growth_factor > 20
    assert run.effective_width[-1] == result.units
    fit = dif.growth_rate(run.steps, run.distance)
    assert fit.rate > 0 and fit.points >= 3
    assert dif.steps_to_reach(run.steps, run.distance, 10 * run.distance[0]) is not None


def test_gradient_gap_is_proportional_to_eps():
    X, y = mlc.datasets.load_coffee_data()
    x, _ = mlc.datasets.normalize_coffee(X)
    gaps = {}
    for eps in (0.0, 1e-4, 1e-2):
        model = mlc.models.coffee_model(3)
        model.set_weights(dif.symmetric_start(eps, units=3, seed=5))
        gaps[eps] = dif.gradient_gap(model, x, y)
    assert gaps[0.0] == 0.0
    assert gaps[1e-2] / gaps[1e-4] == pytest.approx(100, rel=0.05)


def test_symmetric_start_nudge_has_size_eps():
    base = dif.symmetric_start(0.0, units=3, seed=2)
    nudged = dif.symmetric_start(1e-2, units=3, seed=2)
    assert np.all(base[0] == base[0][:, :1])
    change = nudged[0].astype("float64") - base[0]
    assert np.linalg.norm(change) == pytest.approx(1e-2, rel=1e-4)
    np.testing.assert_allclose(change / 1e-2, dif.perturbation_direction((2, 3), 2), atol=1e-4)
    for a, b in zip(base[1:], nudged[1:]):
        assert np.array_equal(a, b)


def test_growth_rate_recovers_an_exact_exponential():
    steps = np.arange(0, 1000, 50)
    distances = 1e-6 * np.exp(0.01 * steps)
    fit = dif.growth_rate(steps, distances)
    assert fit.rate == pytest.approx(0.01, rel=1e-9)
    assert fit.doubling_steps == pytest.approx(np.log(2) / 0.01)
    assert fit.start == 250 and fit.points >= 3
    flat = dif.growth_rate(steps, np.zeros(steps.size))
    assert np.isnan(flat.rate)


def test_steps_to_reach():
    assert dif.steps_to_reach([0, 10, 20], [0.0, 0.05, 0.2], 0.1) == 20
    assert dif.steps_to_reach([0, 10], [0.0, 0.0], 0.1) is None


def test_plots(result):
    fits = {1e-4: dif.growth_rate(result.run(1e-4).steps, result.run(1e-4).distance)}
    fig = mlc.plotting.plot_unit_distance_growth(result, fits)
    assert len(fig.axes) == 2
    assert len(fig.axes[0].lines) == 3  # two runs + one fitted line
    fig = mlc.plotting.plot_gradient_gap(result)
    assert "gap = 0" in fig.axes[0].get_title()


@pytest.mark.parametrize("eps", [-1e-3, float("nan"), "0.1", True])
def test_bad_epsilon(eps):
    with pytest.raises(ValueError, match="epsilon"):
        dif.symmetric_start(eps)


def test_bad_input():
    with pytest.raises(ValueError, match="units"):
        dif.symmetric_start(0.0, units=1)
    with pytest.raises(ValueError, match="epochs"):
        dif.train_from_symmetric(0.0, epochs=0)
    with pytest.raises(ValueError, match="epsilons"):
        dif.run_differentiation(0.1)
    with pytest.raises(ValueError, match="epsilons"):
        dif.run_differentiation([])
    with pytest.raises(ValueError, match="shape"):
        dif.perturbation_direction((2, 0))
    with pytest.raises(ValueError, match="same length"):
        dif.growth_rate([0, 1], [1.0])
    with pytest.raises(ValueError, match="level"):
        dif.steps_to_reach([0], [0.0], 0)


def test_result_run_lookup(result):
    assert result.epsilons == [0.0, 1e-4]
    with pytest.raises(ValueError, match="No run with epsilon"):
        result.run(0.5)


def _synthetic_run(eps, rate=0.01):
    steps = np.arange(0, 2000, 10)
    distance = np.minimum(eps * np.exp(rate * steps), 1.0)
    return dif.DifferentiationRun(eps, steps, distance, np.full(steps.size, 3.0), 0.0,
                                  np.zeros(1), 0.0)


def test_summarize_growth_predicts_the_delay_of_smaller_eps():
    fake = dif.DifferentiationResult([_synthetic_run(e) for e in (0.0, 1e-6, 1e-4, 1e-2)],
                                     3, 0, 1, 1, 10, 0.01)
    summary = dif.summarize_growth(fake, level=0.1)
    assert summary.rate == pytest.approx(0.01, rel=1e-6)
    assert summary.reach[0.0] is None
    assert [d[:2] for d in summary.delays] == [(1e-6, 1e-4), (1e-4, 1e-2)]
    for _, _, predicted, measured in summary.delays:
        assert predicted == pytest.approx(np.log(100) / 0.01)
        assert abs(measured - predicted) <= 10  # the record spacing


def test_summarize_growth_on_training(result):
    summary = dif.summarize_growth(result)
    assert summary.rate > 0
    assert set(summary.fits) == {1e-4}
    assert summary.delays == []
