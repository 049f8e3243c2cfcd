"""Data sets the labs use, generated in code (no downloads).

Example:

>>> X, y = mlscompanion.datasets.load_coffee_data()
>>> X_norm, norm_layer = mlscompanion.datasets.normalize_coffee(X)
>>> X.shape, int(y.sum())
((200, 2), 43)
"""

import numpy as np

from mlscompanion._validation import check_int, check_number

__all__ = [
    "load_coffee_data",
    "normalize_coffee",
    "tile_like_lab",
    "make_circles",
    "load_dls_circles",
    "make_disc",
    "DISC_RADIUS",
    "grid_points",
]

#: Radius of the disc that covers half of the square [-1, 1]^2.
DISC_RADIUS = float(np.sqrt(2.0 / np.pi))


def load_coffee_data():
    """The C2W1 Lab 02 "Coffee Roasting" data: 200 (temperature, duration) rows.

    Same generator as the course (``default_rng(2)``): temperature uniform in
    [150, 285] °C, duration in [11.5, 15.5] min; label 1 ("good roast") when
    175 < t < 260, 12 < d < 15 and d <= -3/85 * t + 21 (43 of 200).

    Returns ``X`` of shape (200, 2) and ``y`` of shape (200, 1), float32.

    Example:

    >>> X, y = mlscompanion.datasets.load_coffee_data()
    >>> X.shape, y.shape, int(y.sum())
    ((200, 2), (200, 1), 43)
    """
    rng = np.random.default_rng(2)
    X = rng.random(400).reshape(-1, 2)
    X[:, 1] = X[:, 1] * 4 + 11.5
    X[:, 0] = X[:, 0] * (285 - 150) + 150
    t, d = X[:, 0], X[:, 1]
    line = -3 / (260 - 175) * t + 21
    good = (t > 175) & (t < 260) & (d > 12) & (d < 15) & (d <= line)
    return X.astype("float32"), good.astype("float32").reshape(-1, 1)


def normalize_coffee(X):
    """Normalize as the lab does, with a Keras ``Normalization`` layer.

    Returns ``(X_norm, layer)``; keep ``layer`` to normalize new roasts.

    Example:

    >>> X, y = mlscompanion.datasets.load_coffee_data()
    >>> X_norm, layer = mlscompanion.datasets.normalize_coffee(X)
    >>> bool(np.allclose(X_norm.mean(axis=0), 0, atol=1e-4))
    True
    >>> new_roast = keras.ops.convert_to_numpy(layer(np.array([[200.0, 13.9]])))
    """
    import keras

    X = np.asarray(X, dtype="float32")
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(
            f"`X` must have shape (samples, 2) (temperature, duration); got {X.shape}."
        )
    layer = keras.layers.Normalization(axis=-1)
    layer.adapt(X)
    return np.asarray(layer(X)), layer


def tile_like_lab(X, y, reps=1000):
    """Repeat the data ``reps`` times, as the lab does (``np.tile``) to get more steps per epoch.

    Example:

    >>> X, y = mlscompanion.datasets.load_coffee_data()
    >>> Xt, yt = mlscompanion.datasets.tile_like_lab(X, y, reps=3)
    >>> Xt.shape, yt.shape
    ((600, 2), (600, 1))
    """
    reps = check_int(reps, "reps")
    return np.tile(X, (reps, 1)), np.tile(y, (reps, 1))


def make_circles(n_samples=300, noise=0.05, factor=0.8, seed=1):
    """Two noisy concentric circles, like ``sklearn.datasets.make_circles``.

    Half the points lie on the unit circle (label 0), half on a circle of
    radius ``factor`` (label 1); the points are shuffled and Gaussian noise of
    standard deviation ``noise`` is added. Seeded NumPy generator.

    Example:

    >>> X, y = make_circles(300, seed=1)
    >>> X.shape, y.shape, int(y.sum())
    ((300, 2), (300, 1), 150)

    Returns ``X`` (n, 2) and ``y`` (n, 1), float32.
    """
    n_samples = check_int(n_samples, "n_samples", 2)
    check_number(noise, "noise", minimum=0)
    check_number(factor, "factor", above=0, below=1, what="in (0, 1)")
    rng = np.random.default_rng(seed)
    n_out = n_samples // 2
    n_in = n_samples - n_out
    angle_out = np.linspace(0, 2 * np.pi, n_out, endpoint=False)
    angle_in = np.linspace(0, 2 * np.pi, n_in, endpoint=False)
    X = np.concatenate([
        np.column_stack([np.cos(angle_out), np.sin(angle_out)]),
        factor * np.column_stack([np.cos(angle_in), np.sin(angle_in)]),
    ])
    y = np.concatenate([np.zeros(n_out), np.ones(n_in)])
    order = rng.permutation(n_samples)
    X, y = X[order], y[order]
    X = X + rng.normal(scale=noise, size=X.shape)
    return X.astype("float32"), y.reshape(-1, 1).astype("float32")


def load_dls_circles(n_train=300, n_test=100, noise=0.05):
    """The assignment's data: training circles (seed 1) and test circles (seed 2).

    Returns ``(X_train, y_train, X_test, y_test)``.

    Example:

    >>> X_train, y_train, X_test, y_test = mlscompanion.datasets.load_dls_circles()
    >>> X_train.shape, X_test.shape
    ((300, 2), (100, 2))
    """
    X_train, y_train = make_circles(n_train, noise=noise, seed=1)
    X_test, y_test = make_circles(n_test, noise=noise, seed=2)
    return X_train, y_train, X_test, y_test


def make_disc(n=1000, seed=0, radius=DISC_RADIUS):
    """Points uniform in the square [-1, 1]^2, label 1 inside the disc of ``radius``.

    With the default radius half of the square is inside.

    Example:

    >>> X, y = make_disc(1000, seed=0)
    >>> X.shape, y.shape
    ((1000, 2), (1000, 1))

    Returns ``X`` (n, 2) and ``y`` (n, 1), float32.
    """
    n = check_int(n, "n", 2)
    check_number(radius, "radius", above=0)
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1.0, 1.0, size=(n, 2))
    y = (np.linalg.norm(X, axis=1) < radius).astype("float32").reshape(-1, 1)
    return X.astype("float32"), y


def grid_points(x_range=(-1.0, 1.0), y_range=(-1.0, 1.0), steps=101):
    """The ``steps x steps`` grid as an (steps*steps, 2) float32 array (row by row, x
    fastest; ``mlscompanion.style.grid_predict`` evaluates a model on it).

    Example:

    >>> grid = mlscompanion.datasets.grid_points(steps=3)
    >>> grid.shape, grid[:4].tolist()
    ((9, 2), [[-1.0, -1.0], [0.0, -1.0], [1.0, -1.0], [-1.0, 0.0]])
    """
    steps = check_int(steps, "steps", 2)
    xx, yy = np.meshgrid(np.linspace(*x_range, steps), np.linspace(*y_range, steps))
    return np.column_stack([xx.ravel(), yy.ravel()]).astype("float32")
