import os
import subprocess
import sys

import keras
import numpy as np
import pytest

import mlscompanion as mlc

# Fresh-process reproducibility (tf.random.set_seed alone vs a full seed, initial
# weights, shuffle order and final weights) is tested once, on the lab's own
# experiment: tests/test_lab_reproducibility.py.


@pytest.mark.tf_only
@pytest.mark.keras3_only
def test_audit_names_tf_seed_only_as_the_problem():
    import tensorflow as tf
    from keras.src.backend.common import global_state

    global_state.set_global_attribute("global_random_seed", None)  # as in a fresh process
    tf.random.set_seed(1234)
    audit = mlc.seed_audit()
    assert not audit.ok and audit.tf_seed == 1234 and audit.keras_seed is None
    assert audit.findings[0].startswith("Only TensorFlow is seeded (tf.random.set_seed(1234))")
    mlc.set_seed(1234, deterministic=False)
    assert mlc.seed_audit().ok


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


def test_the_audit_class_is_exported_beside_the_function():
    audit = mlc.seed_audit()
    assert isinstance(audit, mlc.SeedAudit) and "SeedAudit" in mlc.__all__
