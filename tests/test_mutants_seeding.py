"""Seeding behaviours that no other in-process test pinned down (found by mutation testing).

See docs/testing.md: each test here kills mutants of mlscompanion/seeding.py (and of fingerprints.py
and run_environment.py, which were part of it) that
the rest of the suite let survive (most seeding tests start a fresh process,
which mutation runs skip). The switch each backend offers is put back as it
was after every test.
"""

import os
import sys
import types
import warnings

import keras
import numpy as np
import pytest
from keras.src.backend.common import global_state

import mlscompanion as mlc
from mlscompanion import run_environment, seeding

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
    if "tensorflow" in sys.modules:  # Keras seeds TensorFlow too when it is installed
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
        assert audit.findings[0] == (
            "Only TensorFlow is seeded (tf.random.set_seed(7)). Under Keras 3 (and Keras 2 from "
            "2.13 on) an initializer without a seed draws one from Python's `random` when it "
            "is created, so initial "
            "weights differ from run to run. Fix: call mlscompanion.set_seed(SEED) (or "
            "keras.utils.set_random_seed(SEED)) before building the model.")


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


# mutmut's trampolines add stack frames between the package's functions, so the
# line a warning points at is checked outside mutation runs only.
UNDER_MUTMUT = "MUTANT_UNDER_TEST" in os.environ

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
    # every earlier mention, bare or not, gives way to the one that is set
    ("--xla_gpu_deterministic_ops --xla_gpu_deterministic_ops=0",
     "--xla_gpu_deterministic_ops=true"),
])
def test_jax_switch_before_start_sets_the_flag_and_keeps_the_others(as_jax, before, after):
    as_jax.setattr(seeding, "_jax_started", lambda: False)
    if before is not None:
        as_jax.setenv("XLA_FLAGS", before)
    seeding._enable_jax_determinism()
    assert os.environ["XLA_FLAGS"] == after


# --- What a GPU machine, another backend or JAX's start would show, faked --------


@pytest.fixture
def torch_switch(monkeypatch):
    """PyTorch's switches (and CUBLAS_WORKSPACE_CONFIG) put back after the test."""
    torch = pytest.importorskip("torch")
    monkeypatch.setattr(torch.backends.cudnn, "benchmark", torch.backends.cudnn.benchmark)
    monkeypatch.setattr(torch.backends.cudnn, "deterministic", torch.backends.cudnn.deterministic)
    old = torch.are_deterministic_algorithms_enabled()
    monkeypatch.delenv("CUBLAS_WORKSPACE_CONFIG", raising=False)
    yield torch
    torch.use_deterministic_algorithms(old)


CUDA_WARNING = (
    "set_seed(deterministic=True): CUDA had already started, so CUBLAS_WORKSPACE_CONFIG may not "
    "reach the cuBLAS handles PyTorch made before. For certain results put this line first in "
    "the script, before importing keras or torch:\n"
    '    import os; os.environ["CUBLAS_WORKSPACE_CONFIG"] = ":4096:8"')


def test_torch_switch_after_cuda_started_warns_at_the_callers_line(torch_switch, monkeypatch):
    """The warning a GPU user gets names the fix and points at their set_seed line."""
    monkeypatch.setattr(keras.backend, "backend", lambda: "torch")
    monkeypatch.setattr(torch_switch.cuda, "is_initialized", lambda: True)
    with pytest.warns(UserWarning) as caught:
        mlc.set_seed(5, deterministic=True)
    assert [str(w.message) for w in caught] == [CUDA_WARNING]
    if not UNDER_MUTMUT:
        assert caught[0].filename == __file__  # stacklevel: the user's call, not seeding.py
    assert os.environ["CUBLAS_WORKSPACE_CONFIG"] == ":4096:8"  # set anyway, for new handles
    assert torch_switch.are_deterministic_algorithms_enabled() is True
    assert torch_switch.backends.cudnn.deterministic is True
    assert torch_switch.backends.cudnn.benchmark is False
    # a user who set the workspace before CUDA started is not warned
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mlc.set_seed(5, deterministic=True)


def test_torch_audit_says_when_cudnn_benchmark_was_turned_back_on(torch_switch, monkeypatch):
    monkeypatch.setattr(keras.backend, "backend", lambda: "torch")
    mlc.set_seed(5, deterministic=True)
    torch_switch.backends.cudnn.benchmark = True  # e.g. a training script that sets it
    assert mlc.seed_audit().determinism == (
        "on (deterministic algorithms, cuDNN benchmark on, CUBLAS_WORKSPACE_CONFIG=:4096:8)")


def _gpu_query(kind):
    """A fake backend module whose device query answers ``kind`` ("GPU", "CPU" or an error)."""
    def devices(*args):
        if kind == "error":
            raise RuntimeError("no backend could be started")
        return [types.SimpleNamespace(platform=kind.lower())]

    return types.SimpleNamespace(
        config=types.SimpleNamespace(
            list_physical_devices=lambda name: devices() if kind == name else []),
        devices=devices,
        cuda=types.SimpleNamespace(is_available=lambda: devices()[0].platform == "gpu"))


@pytest.mark.parametrize("backend", ["tensorflow", "jax", "torch"])
@pytest.mark.parametrize("kind, shown", [("GPU", "GPU"), ("CPU", "CPU"), ("error", "CPU")])
def test_the_device_line_says_what_the_backend_sees(monkeypatch, backend, kind, shown):
    """The environment block's device, on a GPU machine and a CPU one; CPU if the query fails."""
    monkeypatch.setattr(keras.backend, "backend", lambda: backend)
    monkeypatch.setitem(sys.modules, backend, _gpu_query(kind))
    assert run_environment._device_kind() == shown


def test_a_jax_tpu_is_named_as_such(monkeypatch):
    monkeypatch.setattr(keras.backend, "backend", lambda: "jax")
    monkeypatch.setitem(sys.modules, "jax", _gpu_query("TPU"))
    assert run_environment._device_kind() == "TPU"


def _fake_jax(monkeypatch, backends):
    """sys.modules as after ``import jax``: ``backends`` is what XLA has started so far
    (``missing``: a JAX version without that record)."""
    bridge = types.SimpleNamespace() if backends == "missing" else types.SimpleNamespace(
        _backends=backends)
    src = types.SimpleNamespace(xla_bridge=bridge)
    monkeypatch.setitem(sys.modules, "jax", types.SimpleNamespace(_src=src))
    monkeypatch.setitem(sys.modules, "jax._src", src)
    monkeypatch.setitem(sys.modules, "jax._src.xla_bridge", bridge)


@pytest.mark.parametrize("backends, state", [
    ({"cpu": object()}, "on (XLA flag set before start)"),
    ({}, "on (XLA flag set; takes effect when JAX starts)"),
    ("missing", "XLA flag set (this JAX does not say whether it started before)"),
    ("not imported", "on (XLA flag set; takes effect when JAX starts)"),
])
def test_jax_audit_reads_whether_jax_started_without_starting_it(as_jax, backends, state):
    as_jax.setenv("XLA_FLAGS", "--xla_gpu_deterministic_ops=true")
    if backends == "not imported":
        as_jax.delitem(sys.modules, "jax", raising=False)
    else:
        _fake_jax(as_jax, backends)
    assert mlc.seed_audit().determinism == state


def test_jax_switch_after_start_warns_at_the_callers_line(as_jax):
    _fake_jax(as_jax, {"cpu": object()})
    with pytest.warns(UserWarning, match="came too late for JAX") as caught:
        mlc.set_seed(5, deterministic=True)
    if not UNDER_MUTMUT:
        assert caught[0].filename == __file__
    assert "XLA_FLAGS" not in os.environ
    assert mlc.determinism_enabled() is False


def test_jax_switch_before_start_sets_the_flag(as_jax):
    _fake_jax(as_jax, {})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mlc.set_seed(5, deterministic=True)
    assert os.environ["XLA_FLAGS"] == "--xla_gpu_deterministic_ops=true"
    assert mlc.determinism_enabled() is True


@pytest.mark.parametrize("flag", ["true", "1", "", "TRUE"])
def test_jax_flag_already_set_is_left_alone(as_jax, flag):
    """A user who put the flag first gets no warning, even after JAX started."""
    _fake_jax(as_jax, {"cpu": object()})
    value = f"--xla_gpu_deterministic_ops={flag}" if flag else "--xla_gpu_deterministic_ops"
    as_jax.setenv("XLA_FLAGS", value)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mlc.set_seed(5, deterministic=True)
    assert os.environ["XLA_FLAGS"] == value
    assert mlc.seed_audit().determinism == "on (XLA flag set before start)"


def test_a_backend_without_a_switch_says_it_has_none(monkeypatch):
    """Keras' numpy (or openvino) backend: nothing to switch on, no version
    module, and no finding that names another backend's switch."""
    monkeypatch.setattr(keras.backend, "backend", lambda: "numpy")
    mlc.set_seed(5, deterministic=True)  # nothing to switch, and no error
    assert mlc.determinism_enabled() is False
    env = mlc.environment()
    assert env["backend"] == "numpy" and env["backend_version"] == "n/a"
    assert env["device"] == "CPU"
    assert env["op_determinism"] == "none (the numpy backend has no switch)"
    audit = mlc.seed_audit()
    assert not any("determinism" in finding or "GPU" in finding for finding in audit.findings)
    assert "TF op determinism" not in str(audit)


def test_tensorflow_state_in_words(monkeypatch):
    """The audit's words for TensorFlow's switch, with the switch's state set by hand."""
    monkeypatch.setattr(keras.backend, "backend", lambda: "tensorflow")
    for on, words in ((True, "on (TF op determinism)"), (False, "off")):
        monkeypatch.setattr(seeding, "determinism_enabled", lambda on=on: on)
        assert seeding._determinism_state() == words


# --- Inputs and outputs a user sees ---------------------------------------------


@pytest.mark.parametrize("seed", [0, 2**32 - 1, np.int64(7)])
def test_set_seed_takes_every_seed_numpy_takes(seed):
    assert mlc.set_seed(seed, deterministic=False) == int(seed)
    assert mlc.seed_audit().keras_seed == int(seed)


@pytest.mark.skipif(BACKEND != "torch", reason="reads PyTorch's switch")
def test_set_seed_switches_determinism_on_by_default(switch_off):
    mlc.set_seed(5)
    assert mlc.determinism_enabled() is True


def test_tensorflow_switch_is_turned_on_and_read_back(monkeypatch):
    """Under TensorFlow: set_seed turns op determinism on and the audit reads it back
    (TensorFlow's switch replaced by a flag, as it cannot be turned off in a process)."""
    pytest.importorskip("tensorflow")
    import tensorflow as tf
    from tensorflow.python.framework import config

    state = {"on": False}
    monkeypatch.setattr(keras.backend, "backend", lambda: "tensorflow")
    monkeypatch.setattr(tf.config.experimental, "enable_op_determinism",
                        lambda: state.update(on=True))
    monkeypatch.setattr(config, "is_op_determinism_enabled", lambda: state["on"])
    mlc.set_seed(5, deterministic=False)
    audit = mlc.seed_audit()
    assert audit.deterministic is False and audit.determinism == "off"
    assert audit.findings == [
        "TF op determinism is off: results on CPU are usually identical, but GPU kernels may "
        "differ run to run. For bit-identical runs everywhere: "
        "mlscompanion.set_seed(SEED, deterministic=True)."]
    mlc.set_seed(5)
    audit = mlc.seed_audit()
    assert state["on"] and audit.deterministic is True and audit.findings == []
    assert audit.determinism == "on (TF op determinism)"


@pytest.mark.parametrize("backend", ["tensorflow", "jax", "torch"])
def test_environment_names_the_running_backends_version(monkeypatch, backend):
    fake = types.SimpleNamespace(__version__="9.8.7")
    monkeypatch.setattr(keras.backend, "backend", lambda: backend)
    monkeypatch.setattr(run_environment, "_device_kind", lambda: "CPU")
    monkeypatch.setattr(seeding, "_determinism_state", lambda: "off")
    monkeypatch.setitem(sys.modules, backend, fake)
    env = mlc.environment()
    assert env["backend"] == backend and env["backend_version"] == "9.8.7"


def test_environment_block_is_aligned_and_names_the_platform():
    import platform

    env = mlc.environment()
    assert env["platform"] == f"{platform.system()} {platform.machine()}"
    assert list(env)[:2] == ["python", "platform"]
    assert mlc.format_environment({"keras": "3.15", "op_determinism": "off"}) == (
        "keras          : 3.15\nop_determinism : off")


def test_an_audit_made_by_hand_says_on_or_off():
    """A SeedAudit built without the switch in words falls back to on/off."""
    for deterministic, words in ((True, "on"), (False, "off")):
        audit = seeding.SeedAudit(keras_seed=1, tf_seed=None, backend="torch",
                                  deterministic=deterministic, ok=True)
        assert str(audit).splitlines()[-1] == f"  op determinism: {words}"


def test_fingerprint_decimals_rounds_like_numpy_and_is_checked():
    w = np.array([[0.123, 1.987], [2.5, 3.0]])
    assert mlc.fingerprint([w], decimals=2) == mlc.fingerprint([np.round(w, 2)])
    assert mlc.fingerprint([w], decimals=0) == mlc.fingerprint([np.round(w)])
    for bad in (-1, True, "2", 1.5):
        with pytest.raises(ValueError, match=r"`decimals` must be None or a non-negative int"):
            mlc.fingerprint([w], decimals=bad)
    with pytest.raises(ValueError, match=r"or a list of arrays\. Received: str\."):
        mlc.fingerprint("model.keras")


def test_deterministic_must_be_true_or_false():
    with pytest.raises(ValueError) as error:
        mlc.set_seed(1, deterministic="yes")
    assert str(error.value) == "`deterministic` must be True or False. Received: deterministic='yes'"


@pytest.mark.keras3_only
def test_the_environment_names_keras_3_by_its_version_alone():
    assert mlc.environment()["keras"] == keras.__version__
