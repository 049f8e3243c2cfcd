"""Small Keras model builders the labs and the demo share.

Example:

>>> model = mlscompanion.models.forum_221()   # the forum's 2-2-1 network
>>> mlscompanion.weight_names(model)          # w1..w6, b1..b3
"""

import keras

__all__ = ["forum_221", "coffee_model"]


def forum_221(activation="sigmoid", kernel_initializer="glorot_uniform", name="forum_221"):
    """The forum's 2-2-1 network: ``layer1`` = Dense(2), ``layer2`` = Dense(1), sigmoid."""
    return keras.Sequential(
        [
            keras.Input((2,)),
            keras.layers.Dense(2, activation=activation, name="layer1",
                               kernel_initializer=kernel_initializer),
            keras.layers.Dense(1, activation="sigmoid", name="layer2"),
        ],
        name=name,
    )


def coffee_model(units=3, dtype=None):
    """The C2W1 coffee-roasting model: Dense(units, sigmoid) -> Dense(1, sigmoid).

    ``dtype``: of its weights and computations (None: Keras' default, float32)."""
    return keras.Sequential(
        [
            keras.Input((2,), dtype=dtype),
            keras.layers.Dense(units, activation="sigmoid", name="layer1", dtype=dtype),
            keras.layers.Dense(1, activation="sigmoid", name="layer2", dtype=dtype),
        ],
        name="coffee",
    )
