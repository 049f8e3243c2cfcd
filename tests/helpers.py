"""Small builders shared by the core tests."""

import keras
import numpy as np

import mlscompanion as mlc


def coffee(reps=5):
    X, y = mlc.datasets.load_coffee_data()
    X_norm, _ = mlc.datasets.normalize_coffee(X)
    return mlc.datasets.tile_like_lab(X_norm, y, reps)


def issue_model(seed=1):
    """The model of the issue's example: tied layer1 (2 units), tied inputs of layer2."""
    return keras.Sequential([
        keras.Input((2,)),
        keras.layers.Dense(2, activation="sigmoid", name="layer1",
                           kernel_initializer=mlc.initializers.IdenticalUnits(seed=seed),
                           kernel_constraint=mlc.constraints.TieUnits([[0, 1]]),
                           bias_constraint=mlc.constraints.TieUnits([[0, 1]])),
        keras.layers.Dense(1, activation="sigmoid", name="layer2",
                           kernel_constraint=mlc.constraints.TieInputs([[0, 1]])),
    ])


def as_np(x):
    """A backend tensor or variable as a NumPy array (the one copy of this helper)."""
    return np.asarray(keras.ops.convert_to_numpy(x))


def max_unit_gap(model, layer="layer1"):
    k = as_np(model.get_layer(layer).kernel)
    return float(np.max(np.abs(k[:, 0] - k[:, 1])))


def tied_coffee_model():
    """The distributed tests' model: layer1's units 0 and 1 tied (kernel and
    bias), and their outgoing weights in layer2, compiled. Build it inside a
    strategy's scope where one is used."""
    model = keras.Sequential([
        keras.Input((2,)),
        keras.layers.Dense(3, activation="sigmoid", name="layer1",
                           kernel_constraint=mlc.constraints.TieUnits([[0, 1]]),
                           bias_constraint=mlc.constraints.TieUnits([[0, 1]])),
        keras.layers.Dense(1, activation="sigmoid", name="layer2",
                           kernel_constraint=mlc.constraints.TieInputs([[0, 1]])),
    ])
    model.compile(loss="binary_crossentropy", optimizer=keras.optimizers.Adam(0.05))
    return model


def run_json_script(script, **env):
    """Run ``script`` in a fresh Python process of this checkout, with ``env``
    added to the environment; return the JSON of its last output line."""
    import json
    import os
    import subprocess
    import sys

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3",
               PYTHONPATH=os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")])),
               **env)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env=env, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def fit_coffee_in_raw_units(tracker, epochs=2):
    """The coffee model with its Normalization inside, fit on the raw roasts with
    ``tracker``: ``(model, X, y)`` (the unit maps' tests)."""
    X, y = mlc.datasets.load_coffee_data()
    norm = keras.layers.Normalization(axis=-1)
    norm.adapt(X)
    model = keras.Sequential([keras.Input((2,)), norm,
                              keras.layers.Dense(3, activation="sigmoid", name="layer1"),
                              keras.layers.Dense(1, activation="sigmoid", name="layer2")])
    model.compile(loss="binary_crossentropy", optimizer=keras.optimizers.Adam(0.05))
    model.fit(np.tile(X, (3, 1)), np.tile(y, (3, 1)), epochs=epochs, batch_size=64,
              verbose=0, callbacks=[tracker])
    return model, X, y

