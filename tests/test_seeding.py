import json
import os
import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest

import mlscompanion as mlc

SCRIPT = textwrap.dedent("""
    import json, os, sys
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    import numpy as np
    import tensorflow as tf
    import keras
    import mlscompanion as mlc
    if sys.argv[1] == "tf_only":
        tf.random.set_seed(1234)
    else:
        mlc.set_seed(1234)
    audit = mlc.seed_audit()
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3, activation="sigmoid"),
                              keras.layers.Dense(1, activation="sigmoid")])
    initial = mlc.fingerprint(model)
    x = np.random.default_rng(0).normal(size=(64, 2)).astype("float32")
    y = (x[:, :1] > 0).astype("float32")
    model.compile(loss="binary_crossentropy", optimizer="adam")
    model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    print(json.dumps({"initial": initial, "final": mlc.fingerprint(model),
                      "ok": audit.ok, "findings": audit.findings}))
""")


def _run(mode):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONHASHSEED="random")
    out = subprocess.run([sys.executable, "-c", SCRIPT, mode], capture_output=True, text=True,
                         env=env, timeout=240, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def runs():
    """Four fresh processes: two seeded like the course lab, two with mlc.set_seed."""
    from concurrent.futures import ThreadPoolExecutor

    modes = ["tf_only", "tf_only", "mlc", "mlc"]
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(_run, modes))
    return {"tf_only": results[:2], "mlc": results[2:]}


@pytest.mark.slow
@pytest.mark.tf_only
def test_tf_seed_alone_does_not_fix_initial_weights(runs):
    a, b = runs["tf_only"]
    assert a["initial"] != b["initial"]
    assert not a["ok"] and "Only TensorFlow is seeded" in a["findings"][0]


@pytest.mark.slow
def test_set_seed_gives_identical_weights_after_training(runs):
    a, b = runs["mlc"]
    assert a["initial"] == b["initial"] and a["final"] == b["final"]
    assert a["ok"]


def test_set_seed_fixes_keras_initializers_in_process():
    mlc.set_seed(7, deterministic=False)
    a = keras.layers.Dense(4)
    a.build((None, 3))
    mlc.set_seed(7, deterministic=False)
    b = keras.layers.Dense(4)
    b.build((None, 3))
    assert mlc.fingerprint(a) == mlc.fingerprint(b)


@pytest.mark.parametrize("bad", ["1234", 1.5, -1, 2**32, True, None])
def test_set_seed_bad_input(bad):
    with pytest.raises(ValueError, match="seed"):
        mlc.set_seed(bad)


def test_fingerprint_is_exact_by_default_and_rounds_with_decimals():
    weights = [np.array([[0.1, 0.2]], "float32"), np.array([0.0], "float32")]
    nudged = [weights[0] + np.float32(1e-7), weights[1]]
    assert mlc.fingerprint(weights) != mlc.fingerprint(nudged)
    assert mlc.fingerprint(weights, decimals=4) == mlc.fingerprint(nudged, decimals=4)
    assert mlc.fingerprint([np.array([-0.0])], decimals=2) == mlc.fingerprint([np.array([0.0])], decimals=2)
    assert len(mlc.fingerprint(weights)) == 16
    with pytest.raises(ValueError, match="decimals"):
        mlc.fingerprint(weights, decimals=-1)
    with pytest.raises(ValueError, match="get_weights"):
        mlc.fingerprint("model")


def test_environment_block_names_everything_a_mentor_needs():
    env = mlc.environment()
    for key in ("python", "keras", "backend", "backend_version", "numpy", "device", "op_determinism"):
        assert key in env
    assert env["backend"] == keras.backend.backend()
    block = mlc.format_environment()
    assert "keras" in block and env["numpy"] in block


@pytest.mark.tf_only
def test_audit_reports_determinism_and_set_seed_turns_it_on():
    # in a fresh process: op determinism cannot be switched off again once on
    code = ("import mlscompanion as mlc; mlc.set_seed(3, deterministic=True); "
            "a = mlc.seed_audit(); print(a.ok, a.deterministic, 'op determinism: on' in str(a))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=240,
                         env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"), check=True)
    assert out.stdout.split() == ["True", "True", "True"]


def test_audit_without_any_seed_says_so():
    code = "import mlscompanion as mlc, keras; a = mlc.seed_audit(); print(a.ok); print(a.findings[0])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=240,
                         env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"), check=True)
    ok, finding = out.stdout.strip().splitlines()[:2]
    assert ok == "False" and finding.startswith("Nothing is seeded")
