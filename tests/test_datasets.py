import numpy as np
import pytest

import mlscompanion as mlc


def test_coffee_data_matches_the_course_facts():
    X, y = mlc.datasets.load_coffee_data()
    assert X.shape == (200, 2) and y.shape == (200, 1)
    assert X.dtype == np.float32 and y.dtype == np.float32
    assert int(y.sum()) == 43
    t, d = X[:, 0], X[:, 1]
    assert 150 <= t.min() and t.max() <= 285 and 11.5 <= d.min() and d.max() <= 15.5
    good = y[:, 0] == 1
    assert np.all((t[good] > 175) & (t[good] < 260) & (d[good] > 12) & (d[good] < 15))


def test_normalize_like_the_lab():
    X, _ = mlc.datasets.load_coffee_data()
    X_norm, layer = mlc.datasets.normalize_coffee(X)
    np.testing.assert_allclose(X_norm.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(X_norm.std(axis=0), 1, atol=1e-3)
    with pytest.raises(ValueError, match="shape"):
        mlc.datasets.normalize_coffee(X[:, :1])


def test_tile_like_lab():
    X, y = mlc.datasets.load_coffee_data()
    Xt, yt = mlc.datasets.tile_like_lab(X, y, 3)
    assert Xt.shape == (600, 2) and yt.shape == (600, 1)
    np.testing.assert_array_equal(Xt[200:400], X)
    with pytest.raises(ValueError, match="reps"):
        mlc.datasets.tile_like_lab(X, y, 0)


def test_demo_baseline_is_the_share_of_bad_roasts():
    from mlscompanion.demo import BASELINE_ACCURACY

    _, y = mlc.datasets.load_coffee_data()
    assert float((y == 0).mean()) == BASELINE_ACCURACY == 0.785


def test_dls_circles_and_disc():
    X, y, Xt, yt = mlc.datasets.load_dls_circles()
    assert X.shape == (300, 2) and Xt.shape == (100, 2) and int(y.sum()) == 150
    radius = np.linalg.norm(X, axis=1)
    assert radius[y[:, 0] == 1].mean() < radius[y[:, 0] == 0].mean()
    np.testing.assert_array_equal(mlc.datasets.make_circles(10, seed=3)[0], mlc.datasets.make_circles(10, seed=3)[0])
    D, labels = mlc.datasets.make_disc(4000, seed=0)
    assert abs(labels.mean() - 0.5) < 0.03  # DISC_RADIUS covers half the square
