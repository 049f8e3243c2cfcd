"""A ``.keras`` file saved by an earlier layout of the package still loads.

``tests/data/pieces_v0.1.0.keras`` was saved with Keras 3.15.1 before the
tracker and the labs moved into their own packages: a Sequential of three
Dense layers using every registered class (``TiedUnits``,
``IdenticalUnits``, ``FromArray``, ``TieUnits``, ``TieInputs``,
``TieEntries``). Registered names (``mlscompanion>TieUnits``, ...) must not
change when modules move, or such files stop loading.
"""

from pathlib import Path

import keras
import numpy as np

import mlscompanion as mlc

DATA = Path(__file__).parent / "data"


def test_keras_file_saved_before_the_move_loads_and_predicts_the_same():
    model = keras.models.load_model(DATA / "pieces_v0.1.0.keras", safe_mode=True)
    saved = np.load(DATA / "pieces_v0.1.0.npz")
    np.testing.assert_allclose(np.asarray(model.predict(saved["x"], verbose=0)), saved["y"],
                               rtol=1e-5, atol=1e-6)
    cons, init = mlc.constraints, mlc.initializers
    assert isinstance(model.get_layer("a").kernel.constraint, cons.TieUnits)
    assert isinstance(model.get_layer("a").bias.constraint, cons.TieUnits)
    assert isinstance(model.get_layer("b").kernel.constraint, cons.TieInputs)
    assert isinstance(model.get_layer("c").kernel.constraint, cons.TieEntries)
    assert isinstance(model.get_layer("a").kernel_initializer, init.TiedUnits)
    assert isinstance(model.get_layer("b").kernel_initializer, init.IdenticalUnits)
    assert isinstance(model.get_layer("c").kernel_initializer, init.FromArray)
    assert model.get_layer("c").kernel_initializer.get_config()["values"] == [[0.5], [-0.5]]
    assert model.get_layer("a").kernel_initializer.get_config()["groups"] == [[0, 2]]


def test_the_classes_register_when_keras_comes_after_mlscompanion():
    """``import mlscompanion`` first, Keras later: the file still loads (fresh process)."""
    import json
    import os
    import subprocess
    import sys

    code = ("import sys, mlscompanion; assert 'keras' not in sys.modules; import keras, json; "
            "m = keras.models.load_model(sys.argv[1], safe_mode=True); "
            "print(json.dumps(type(m.get_layer('a').kernel.constraint).__module__))")
    root = Path(__file__).resolve().parents[1]
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3",
               PYTHONPATH=os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")]))
    out = subprocess.run([sys.executable, "-c", code, str(DATA / "pieces_v0.1.0.keras")],
                         env=env, capture_output=True, text=True, timeout=300, cwd=root)
    assert out.returncode == 0, out.stderr[-2000:]
    assert json.loads(out.stdout.strip().splitlines()[-1]) == "mlscompanion.constraints"
