"""Lab 4 (one neuron per layer): the claims, through the lab's own functions."""

import numpy as np
import pytest

from mlscompanion.experiments import one_neuron


@pytest.fixture(scope="module")
def disc():
    return one_neuron.run_disc(depths=(1, 4), steps=300, n_train=600, n_test=400)


def test_every_width1_chain_region_is_a_half_plane(disc):
    chains = disc.chains
    assert len(chains) == 1 + 2 * 3
    for m in chains:
        assert m.check.is_half_plane, m.name
        assert m.check.monotone, m.name
    # not all trivially empty/full: some chains really draw a line
    assert any(0.05 < m.check.positive_fraction < 0.95 for m in chains)


def test_no_chain_beats_the_best_half_plane(disc):
    # the sweep over 720 directions is exact up to its angle resolution
    for m in disc.chains:
        assert m.train_score <= disc.best_half_plane + 1.0, m.name


def test_one_neuron_resnet_beats_every_chain_on_the_disc(disc):
    best_chain = max(m.train_score for m in disc.chains)
    assert disc.resnet.train_score > best_chain + 8
    assert disc.resnet.train_score > disc.best_half_plane + 5
    assert disc.resnet_region_fit < 95  # its region is no half-plane


def test_threshold_split_and_monotone_checks():
    z = np.linspace(-1, 1, 11)
    assert one_neuron.is_threshold_split(z, z > 0.3)
    assert one_neuron.is_threshold_split(z, z < 0.3)
    assert one_neuron.is_threshold_split(z, np.ones(11, bool))
    assert not one_neuron.is_threshold_split(z, np.abs(z) < 0.5)
    assert one_neuron.is_monotone(z, np.tanh(z))
    assert one_neuron.is_monotone(z, -z**3)
    assert not one_neuron.is_monotone(z, z**2)
    flat = 0.5 + 6e-8 * (np.arange(11) % 2)  # a flat output wobbling by float32 round-off
    assert one_neuron.is_monotone(z, flat)
    assert not one_neuron.is_monotone(z, flat, tol=0)


def test_best_half_plane_accuracy():
    X = np.random.default_rng(0).uniform(-1, 1, (300, 2))
    assert one_neuron.best_half_plane_accuracy(X, X[:, 0] + 2 * X[:, 1] > 0.1) == 100.0
    X, y = one_neuron.make_disc(2000, seed=5)
    assert 55 < one_neuron.best_half_plane_accuracy(X, y) < 75


def test_best_monotone_mse():
    x = np.linspace(-1, 1, 2001)
    assert one_neuron.best_monotone_mse(x, np.cbrt(x)) == 0.0
    assert one_neuron.best_monotone_mse(x, -x) == 0.0
    # the best monotone fit of |x| on [-1, 1]: t = sqrt(2) - 1, MSE ~ 0.0573
    assert abs(one_neuron.best_monotone_mse(x, np.abs(x)) - 0.0573) < 1e-3


def test_width1_chain_beats_the_line_on_a_monotone_target():
    result = one_neuron.run_regression("cbrt", depth=2, activations=("tanh",),
                                       resnet_blocks=2, steps=300, n_train=100, n_test=100)
    chain, line = result.get("chain_tanh_2"), result.get("linear")
    assert chain.train_score < 0.5 * line.train_score
    assert chain.test_score < 0.5 * line.test_score


def test_chain_fit_stays_monotone_on_a_non_monotone_target():
    result = one_neuron.run_regression("abs", depth=2, activations=("tanh", "relu"),
                                       resnet_blocks=2, steps=200, n_train=100, n_test=100)
    for m in result.models:
        if m.kind == "chain":
            assert result.monotone[m.name], m.name
            assert m.train_score >= result.best_monotone - 1e-6, m.name


def test_models_have_the_documented_shape():
    assert one_neuron.width1_chain(3, "relu").count_params() == 9
    assert one_neuron.width1_chain(0).name == "logistic_regression"
    assert one_neuron.one_neuron_resnet(8).count_params() == 43
    with pytest.raises(ValueError, match="dense1"):
        one_neuron.half_plane_check(one_neuron.one_neuron_resnet(2), np.zeros((4, 2)))


def test_bad_inputs_are_rejected_early():
    with pytest.raises(ValueError, match="depth"):
        one_neuron.width1_chain(-1)
    with pytest.raises(ValueError, match="activation"):
        one_neuron.width1_chain(2, "elu")
    with pytest.raises(ValueError, match="output"):
        one_neuron.one_neuron_resnet(2, output="softmax")
    with pytest.raises(ValueError, match="blocks"):
        one_neuron.one_neuron_resnet(0)
    with pytest.raises(ValueError, match="n"):
        one_neuron.make_disc(1)
    with pytest.raises(ValueError, match="target"):
        one_neuron.make_curve("sin")
    with pytest.raises(ValueError, match="X"):
        one_neuron.best_half_plane_accuracy(np.zeros((5, 3)), np.zeros(5))
    with pytest.raises(ValueError, match="same length"):
        one_neuron.is_threshold_split(np.zeros(3), np.zeros(4, bool))
