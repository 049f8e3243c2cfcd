"""After a plain ``import mlscompanion`` every public initializer and constraint loads from a file.

A model is saved here for each public class; a fresh process that imports
only ``mlscompanion`` and Keras loads them all with ``safe_mode=True``.
The command, by contrast, must not import Keras before it needs it.
"""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import keras
import pytest

import mlscompanion as mlc

ROOT = Path(__file__).resolve().parents[1]
I, C = mlc.initializers, mlc.constraints

LAYERS = {
    "FromArray": dict(kernel_initializer=I.FromArray([[0.5, -0.5], [0.25, 1.0]])),
    "IdenticalUnits": dict(kernel_initializer=I.IdenticalUnits(seed=1)),
    "TiedUnits": dict(kernel_initializer=I.TiedUnits([[0, 1]], base="he_normal", seed=2)),
    "TieUnits": dict(kernel_constraint=C.TieUnits([[0, 1]]), bias_constraint=C.TieUnits([[0, 1]])),
    "TieInputs": dict(kernel_constraint=C.TieInputs([[0, 1]])),
    "TieEntries": dict(kernel_constraint=C.TieEntries([[(0, 0), (1, 1)]])),
}

LOAD = textwrap.dedent("""
    import json, sys
    import mlscompanion
    import keras
    loaded = {}
    for name, path in json.loads(sys.argv[1]).items():
        layer = keras.models.load_model(path, safe_mode=True).get_layer("tied")
        found = [p for p in (layer.kernel_initializer, layer.kernel_constraint, layer.bias_constraint)
                 if type(p).__name__ == name]
        loaded[name] = {"config": found[0].get_config() if found else None,
                        "module": type(found[0]).__module__ if found else None}
    submodules = sorted(m for m in sys.modules if m.startswith("mlscompanion."))
    print(json.dumps({"loaded": loaded, "submodules": submodules}))
""")


def test_every_public_class_is_covered():
    assert set(I.__all__) | set(C.__all__) == set(LAYERS)


@pytest.fixture(scope="module")
def fresh_load(tmp_path_factory):
    folder = tmp_path_factory.mktemp("registration")
    paths = {}
    for name, kwargs in LAYERS.items():
        model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2, name="tied", **kwargs)])
        paths[name] = str(folder / f"{name}.keras")
        model.save(paths[name])
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3",
               PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    out = subprocess.run([sys.executable, "-c", LOAD, json.dumps(paths)], cwd=folder, env=env,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(LAYERS))
def test_plain_import_restores_a_saved_model_in_a_fresh_process(fresh_load, name):
    loaded = fresh_load["loaded"][name]
    piece = next(p for p in LAYERS[name].values() if type(p).__name__ == name)
    assert loaded["module"] in ("mlscompanion.initializers", "mlscompanion.constraints")
    assert json.loads(json.dumps(piece.get_config())) == loaded["config"]


@pytest.mark.slow
def test_plain_import_loads_only_the_light_modules(fresh_load):
    heavy = {"mlscompanion.tracker", "mlscompanion.tracker.callback", "mlscompanion.snippets",
             "mlscompanion.plotting", "mlscompanion.labs"}
    assert "mlscompanion.constraints" in fresh_load["submodules"]
    assert not heavy & set(fresh_load["submodules"])


def run_python(*args):
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300, check=True)


def test_the_command_imports_no_keras_for_what_needs_none():
    out = run_python("-X", "importtime", "-m", "mlscompanion", "--version")
    assert "mlscompanion 0.1.0" in out.stdout
    imported = [line.rsplit("|", 1)[-1].strip() for line in out.stderr.splitlines() if "|" in line]
    assert "mlscompanion" in imported
    assert not [m for m in imported if m.split(".")[0] in ("keras", "tensorflow", "jax", "torch")]


def test_the_console_script_quiets_tensorflow_before_keras_is_imported():
    code = ("import sys; sys.argv[0] = '/usr/local/bin/mlscompanion'; import os, mlscompanion; "
            "print('keras' in sys.modules, os.environ.get('TF_CPP_MIN_LOG_LEVEL'))")
    assert run_python("-c", code).stdout.split() == ["False", "3"]
    show = "; print('keras' in sys.modules, os.environ.get('TF_CPP_MIN_LOG_LEVEL'))"
    plain = run_python("-c", "import os, sys, mlscompanion, keras" + show).stdout.split()
    keras_alone = run_python("-c", "import os, sys, keras" + show).stdout.split()
    assert plain == keras_alone  # a library import leaves the log level to the user (and Keras)
    alone = run_python("-c", "import os, sys, mlscompanion" + show).stdout.split()
    assert alone == ["False", "None"]  # no Keras: its classes register when Keras comes


@pytest.mark.parametrize("argv, orig_argv, expected", [
    (["/venv/bin/mlscompanion", "env"], ["/venv/bin/python", "/venv/bin/mlscompanion", "env"], True),
    (["-m"], ["python", "-m", "mlscompanion", "env"], True),
    (["-m"], ["python", "-X", "importtime", "-m", "mlscompanion.cli"], True),
    (["-m"], ["python", "-m", "pytest"], False),
    (["script.py"], ["python", "script.py", "mlscompanion"], False),
    (["-c"], ["python", "-c", "import mlscompanion"], False),
])
def test_the_command_is_recognised(monkeypatch, argv, orig_argv, expected):
    monkeypatch.setattr(sys, "argv", argv)
    monkeypatch.setattr(sys, "orig_argv", orig_argv)
    assert mlc._started_as_the_command() is expected


def test_registered_names_resolve_in_this_process():
    for name in LAYERS:
        assert keras.saving.get_registered_object(f"mlscompanion>{name}") is not None
