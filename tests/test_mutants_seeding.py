"""Seeding behaviours that no other in-process test pinned down (found by mutation testing).

See docs/testing.md: each test here kills mutants of mlscompanion/seeding.py that
the rest of the suite let survive (most seeding tests start a fresh process,
which mutation runs skip). The switch each backend offers is put back as it
was after every test.
"""

import os
import warnings

import keras
import numpy as np
import pytest
from keras.src.backend.common import global_state

import mlscompanion as mlc
from mlscompanion import seeding

BACKEND = keras.backend.backend()
SWITCH = {"torch": "PyTorch's deterministic-algorithms mode",
          "jax": "XLA's deterministic GPU ops (--xla_gpu_deterministic_ops)"}.get(
              BACKEND, "TF op determinism")


def _switch(on=None):
    """Read (on=None) or set the backend's determinism switch; returns the old state."""
    if BACKEND == "torch":
        import torch

        old = torch.are_deterministic_algorithms_enabled()
        if on is not None:
            torch.use_deterministic_algorithms(on)
        return old
    if BACKEND == "tensorflow":
        from tensorflow.python.framework import config

        old = config.is_op_determinism_enabled()
        if on is True:
            config.enable_op_determinism()
        elif on is False:
            config.disable_op_determinism()
        return old
    pytest.skip("the JAX switch is an environment flag read at start: see test_determinism")


@pytest.fixture
def switch_off():
    old = _switch(False)
    yield
    _switch(old)


def test_audit_of_a_seeded_run_without_the_switch(switch_off):
    mlc.set_seed(5, deterministic=False)
    audit = mlc.seed_audit()
    assert audit.ok and audit.keras_seed == 5 and audit.backend == BACKEND
    assert audit.deterministic is False and audit.determinism == "off"
    assert audit.findings == [
        f"{SWITCH} is off: results on CPU are usually identical, but GPU kernels may differ "
        "run to run. For bit-identical runs everywhere: "
        "mlscompanion.set_seed(SEED, deterministic=True)."]
    lines = str(audit).splitlines()
    assert lines[:2] == ["Seed audit: OK",
                         "  Keras initializers seeded (keras.utils.set_random_seed): yes, 5"]
    assert lines[3:] == ["  op determinism: off", f"  - {audit.findings[0]}"]
    if BACKEND == "tensorflow":
        assert audit.tf_seed == 5 and lines[2].endswith("(tf.random.set_seed): 5")


def test_audit_with_the_switch_on_has_no_finding_and_names_the_switch(switch_off):
    mlc.set_seed(5, deterministic=True)
    audit = mlc.seed_audit()
    assert audit.deterministic is True and mlc.determinism_enabled() is True
    assert audit.findings == []
    if BACKEND == "torch":
        import torch

        assert torch.backends.cudnn.benchmark is False
        assert audit.determinism == ("on (deterministic algorithms, cuDNN benchmark off, "
                                     "CUBLAS_WORKSPACE_CONFIG=:4096:8)")
    else:
        assert audit.determinism == "on (TF op determinism)"
    assert str(audit).splitlines()[-1] == f"  op determinism: {audit.determinism}"


@pytest.mark.skipif(BACKEND != "torch", reason="PyTorch's cuBLAS setting")
def test_torch_switch_sets_the_cublas_workspace_only_when_unset(switch_off, monkeypatch):
    monkeypatch.delenv("CUBLAS_WORKSPACE_CONFIG", raising=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # CUDA has not started: nothing to warn about
        mlc.set_seed(5, deterministic=True)
    assert os.environ["CUBLAS_WORKSPACE_CONFIG"] == ":4096:8"
    monkeypatch.setenv("CUBLAS_WORKSPACE_CONFIG", ":16:8")
    mlc.set_seed(5, deterministic=True)
    assert os.environ["CUBLAS_WORKSPACE_CONFIG"] == ":16:8"  # the user's value is kept
    monkeypatch.delenv("CUBLAS_WORKSPACE_CONFIG")
    assert mlc.seed_audit().determinism.endswith("CUBLAS_WORKSPACE_CONFIG=unset)")


@pytest.mark.parametrize("tf_seed", [None, 7])
def test_audit_of_an_unseeded_run_says_what_to_fix(tf_seed, monkeypatch):
    monkeypatch.setattr(seeding, "_tf_seed", lambda: tf_seed)  # what TensorFlow would report
    old = global_state.get_global_attribute("global_random_seed")
    global_state.set_global_attribute("global_random_seed", None)
    try:
        audit = mlc.seed_audit()
    finally:
        global_state.set_global_attribute("global_random_seed", old)
    assert not audit.ok and audit.keras_seed is None
    lines = str(audit).splitlines()
    assert lines[:3] == [
        "Seed audit: NOT reproducible as set up",
        "  Keras initializers seeded (keras.utils.set_random_seed): no",
        f"  TensorFlow global seed (tf.random.set_seed): {'not set' if tf_seed is None else 7}"]
    if tf_seed is None:
        assert audit.findings[0] == (
            "Nothing is seeded: initial weights and shuffling change every run. "
            "Fix: call mlscompanion.set_seed(SEED) before building the model.")
    else:
        assert audit.findings[0].startswith("Only TensorFlow is seeded (tf.random.set_seed(7)).")
        assert audit.findings[0].endswith(
            "Fix: call mlscompanion.set_seed(SEED) (or keras.utils.set_random_seed(SEED)) "
            "before building the model.")


def test_environment_names_the_versions(switch_off):
    env = mlc.environment()
    assert env["mlscompanion"] == mlc.__version__
    assert env["backend_version"] == __import__(BACKEND).__version__
    assert env["op_determinism"] == "off"


def test_rounded_fingerprints_round_floats_only():
    ints = [np.arange(6).reshape(2, 3)]
    assert mlc.fingerprint(ints, decimals=2) == mlc.fingerprint(ints)
    a, b = [np.array([0.1001, 0.2])], [np.array([0.1002, 0.2])]
    assert mlc.fingerprint(a, decimals=3) == mlc.fingerprint(b, decimals=3)
    assert mlc.fingerprint(a, decimals=4) != mlc.fingerprint(b, decimals=4)
    assert mlc.fingerprint([np.array([0.3])], decimals=1) != mlc.fingerprint([np.array([0.2])],
                                                                             decimals=1)


def test_the_xla_flag_reads_true_and_1_as_on():
    assert seeding._xla_flag_set("--xla_gpu_deterministic_ops=1") is True
    assert seeding._xla_flag_set("--xla_gpu_deterministic_ops=true --other=1") is True
    assert seeding._xla_flag_set("--other=1") is False


# --- JAX's switch, in words: the state a process can be in, set by hand ------


@pytest.fixture
def as_jax(monkeypatch):
    """This process seen as a JAX one, with no XLA flag and nothing requested late."""
    monkeypatch.setattr(keras.backend, "backend", lambda: "jax")
    monkeypatch.setattr(seeding, "_jax_requested_late", False)
    monkeypatch.delenv("XLA_FLAGS", raising=False)
    return monkeypatch


JAX_SWITCH = "XLA's deterministic GPU ops (--xla_gpu_deterministic_ops)"


@pytest.mark.parametrize("started, state", [
    (True, "on (XLA flag set before start)"),
    (False, "on (XLA flag set; takes effect when JAX starts)"),
    (None, "XLA flag set (this JAX does not say whether it started before)"),
])
def test_jax_state_says_when_the_flag_takes_effect(as_jax, started, state):
    as_jax.setattr(seeding, "_jax_started", lambda: started)
    as_jax.setenv("XLA_FLAGS", "--other=1 --xla_gpu_deterministic_ops=true")
    assert seeding.determinism_enabled() is True
    assert mlc.seed_audit().determinism == state


def test_jax_audit_without_the_flag_says_to_set_it_before_any_array(as_jax):
    audit = mlc.seed_audit()
    assert audit.determinism == "off" and audit.deterministic is False
    assert audit.findings[-1] == (
        f"{JAX_SWITCH} is off: results on CPU are usually identical, but GPU kernels may differ "
        "run to run. For bit-identical runs everywhere: "
        "mlscompanion.set_seed(SEED, deterministic=True) before anything creates a JAX array.")


def test_jax_switch_asked_too_late_warns_and_the_audit_says_so(as_jax):
    as_jax.setattr(seeding, "_jax_started", lambda: True)
    with pytest.warns(UserWarning) as caught:
        seeding._enable_jax_determinism()
    assert str(caught[0].message) == (
        "set_seed(deterministic=True) came too late for JAX: its backends have started, and "
        "XLA reads XLA_FLAGS only when they start, so deterministic GPU ops stay off in this "
        "process (CPU runs repeat anyway). Restart, and put this line first, before importing "
        f"keras or jax:\n    {seeding._JAX_FIRST_LINE}\nor call mlscompanion.set_seed(SEED) "
        "before anything creates an array or a model.")
    assert "XLA_FLAGS" not in os.environ  # too late: left alone
    as_jax.setenv("XLA_FLAGS", "--xla_gpu_deterministic_ops=true")  # set now, still too late
    audit = mlc.seed_audit()
    assert audit.deterministic is False
    assert audit.determinism == "requested too late (JAX had started; see set_seed's warning)"
    assert audit.findings[-1] == (
        f"{JAX_SWITCH} was requested after JAX had started, so it is off in this process. "
        f"Restart, and put this line first, before importing keras or jax: "
        f"{seeding._JAX_FIRST_LINE}")


@pytest.mark.parametrize("before, after", [
    (None, "--xla_gpu_deterministic_ops=true"),
    ("--other=1 --xla_gpu_deterministic_ops=false",
     "--other=1 --xla_gpu_deterministic_ops=true"),
])
def test_jax_switch_before_start_sets_the_flag_and_keeps_the_others(as_jax, before, after):
    as_jax.setattr(seeding, "_jax_started", lambda: False)
    if before is not None:
        as_jax.setenv("XLA_FLAGS", before)
    seeding._enable_jax_determinism()
    assert os.environ["XLA_FLAGS"] == after
