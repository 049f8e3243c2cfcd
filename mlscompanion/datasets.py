"""Data sets the labs use, generated in code (no downloads).

Example:

>>> X, y = mlscompanion.datasets.load_coffee_data()
>>> X_norm, norm_layer = mlscompanion.datasets.normalize_coffee(X)
>>> X.shape, int(y.sum())
((200, 2), 43)
"""

import numpy as np

__all__ = ["load_coffee_data", "normalize_coffee", "tile_like_lab"]


def load_coffee_data():
    """The C2W1 Lab 02 "Coffee Roasting" data: 200 (temperature, duration) rows.

    Same generator as the course (``default_rng(2)``): temperature uniform in
    [150, 285] °C, duration in [11.5, 15.5] min; label 1 ("good roast") when
    175 < t < 260, 12 < d < 15 and d <= -3/85 * t + 21 (43 of 200).

    Returns ``X`` of shape (200, 2) and ``y`` of shape (200, 1), float32.
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
    """
    import keras

    X = np.asarray(X, dtype="float32")
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(
            f"`X` must have shape (samples, 2) (temperature, duration); got {X.shape}."
        )
    layer = keras.layers.Normalization(axis=-1)
    layer.adapt(X)
    return keras.ops.convert_to_numpy(layer(X)), layer


def tile_like_lab(X, y, reps=1000):
    """Repeat the data ``reps`` times, as the lab does (``np.tile``) to get more steps per epoch."""
    if isinstance(reps, bool) or not isinstance(reps, int) or reps < 1:
        raise ValueError(f"`reps` must be a positive int. Received: reps={reps!r}")
    return np.tile(X, (reps, 1)), np.tile(y, (reps, 1))
