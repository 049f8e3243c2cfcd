"""set_seed(deterministic=True) turns on each backend's switch; the reports say the real state.

Every check runs in a fresh process with KERAS_BACKEND set (the switches
cannot be turned off again, and JAX's flag only counts before JAX starts).
The scripts never import TensorFlow themselves under another backend.
"""

import importlib.util
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINE = ('import os; os.environ["XLA_FLAGS"] = os.environ.get("XLA_FLAGS", "") '
        '+ " --xla_gpu_deterministic_ops=true"')



def run(backend, code, *args, **extra_env):
    """Run ``code`` under ``backend`` in a fresh process; return its last line as JSON."""
    if importlib.util.find_spec(backend) is None:
        pytest.skip(f"{backend} is not installed")
    env = {k: v for k, v in os.environ.items()
           if k not in ("XLA_FLAGS", "CUBLAS_WORKSPACE_CONFIG", "TF_DETERMINISTIC_OPS")}
    env.update(KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="3",
               PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]), **extra_env)
    out = subprocess.run([sys.executable, "-W", "always", "-c", code, *args],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1]), out.stderr


def script(*parts):
    return "\n".join(textwrap.dedent(part) for part in parts)


def run_plain(backend, code):
    """Run ``code`` under ``backend`` in a fresh process (no XLA_FLAGS); return its stdout."""
    if importlib.util.find_spec(backend) is None:
        pytest.skip(f"{backend} is not installed")
    env = {k: v for k, v in os.environ.items() if k != "XLA_FLAGS"}
    env.update(KERAS_BACKEND=backend, PYTHONPATH=os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]))
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    return out.stdout


REPORT = """
    def report(**extra):
        from mlscompanion import seeding
        audit = mlc.seed_audit()
        print(json.dumps(dict(enabled=mlc.determinism_enabled(), state=seeding._determinism_state(),
                              audit=str(audit), env=mlc.environment()["op_determinism"],
                              xla_flags=os.environ.get("XLA_FLAGS"), **extra)))
"""


@pytest.mark.slow
def test_tensorflow_turns_on_op_determinism():
    code = script("import json, os, sys, keras, mlscompanion as mlc", REPORT, """
        from tensorflow.python.framework import config
        mlc.set_seed(3, deterministic=False)
        off = dict(enabled=mlc.determinism_enabled(), state=mlc.seeding._determinism_state(),
                   audit=str(mlc.seed_audit()), switch=config.is_op_determinism_enabled())
        mlc.set_seed(3)
        report(off=off, switch=config.is_op_determinism_enabled())
    """)
    result, _ = run("tensorflow", code)
    off = result["off"]
    assert off["switch"] is False and off["enabled"] is False and off["state"] == "off"
    assert "TF op determinism is off" in off["audit"]
    assert result["switch"] is True and result["enabled"] is True
    assert result["state"] == result["env"] == "on (TF op determinism)"
    assert "op determinism: on (TF op determinism)" in result["audit"]


@pytest.mark.slow
def test_torch_turns_on_deterministic_algorithms_cudnn_and_cublas():
    code = script("import json, os, sys, warnings, keras, mlscompanion as mlc, torch", REPORT, """
        def switches():
            return dict(enabled=mlc.determinism_enabled(), state=mlc.seeding._determinism_state(),
                        algorithms=torch.are_deterministic_algorithms_enabled(),
                        benchmark=torch.backends.cudnn.benchmark,
                        cudnn_deterministic=torch.backends.cudnn.deterministic,
                        cublas=os.environ.get("CUBLAS_WORKSPACE_CONFIG"))
        torch.backends.cudnn.benchmark = True
        mlc.set_seed(3, deterministic=False)
        off = dict(switches(), audit=str(mlc.seed_audit()))
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            mlc.set_seed(3)
        on = switches()
        os.environ["CUBLAS_WORKSPACE_CONFIG"] = ":16:8"   # a choice of the user's is kept
        mlc.set_seed(3)
        report(off=off, on=on, kept=os.environ["CUBLAS_WORKSPACE_CONFIG"])
    """)
    result, _ = run("torch", code)
    off, on = result["off"], result["on"]
    assert off["algorithms"] is False and off["enabled"] is False and off["state"] == "off"
    assert off["benchmark"] is True and off["cublas"] is None  # deterministic=False leaves them alone
    assert "PyTorch's deterministic-algorithms mode is off" in off["audit"]
    assert on["algorithms"] is True and on["enabled"] is True
    assert on["benchmark"] is False and on["cudnn_deterministic"] is True
    assert on["cublas"] == ":4096:8"
    assert on["state"] == ("on (deterministic algorithms, cuDNN benchmark off, "
                           "CUBLAS_WORKSPACE_CONFIG=:4096:8)")
    assert result["kept"] == ":16:8" and result["enabled"] is True
    assert result["env"] == "on (deterministic algorithms, cuDNN benchmark off, CUBLAS_WORKSPACE_CONFIG=:16:8)"


@pytest.mark.slow
def test_jax_sets_the_xla_flag_before_jax_starts():
    code = script("import json, os, sys, warnings, keras, mlscompanion as mlc", REPORT, """
        from jax._src import xla_bridge
        started_before = bool(xla_bridge._backends)
        mlc.set_seed(3, deterministic=False)
        off = dict(enabled=mlc.determinism_enabled(), state=mlc.seeding._determinism_state(),
                   flags=os.environ["XLA_FLAGS"], audit=str(mlc.seed_audit()))
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            mlc.set_seed(3)
        pending = dict(enabled=mlc.determinism_enabled(), state=mlc.seeding._determinism_state())
        model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3)])   # JAX starts here
        import jax
        report(started_before=started_before, off=off, pending=pending, devices=jax.device_count())
    """)
    # a flag already in XLA_FLAGS is kept, and read when JAX starts: 2 host devices
    result, _ = run("jax", code, XLA_FLAGS="--xla_force_host_platform_device_count=2")
    assert result["started_before"] is False
    off = result["off"]
    assert off["flags"] == "--xla_force_host_platform_device_count=2"  # deterministic=False: untouched
    assert off["enabled"] is False and off["state"] == "off"
    assert "before anything creates a JAX array" in off["audit"]
    assert result["pending"] == {"enabled": True, "state": "on (XLA flag set; takes effect when JAX starts)"}
    assert result["xla_flags"] == ("--xla_force_host_platform_device_count=2 "
                                   "--xla_gpu_deterministic_ops=true")
    assert result["devices"] == 2
    assert result["enabled"] is True
    assert result["state"] == result["env"] == "on (XLA flag set before start)"
    assert "op determinism: on (XLA flag set before start)" in result["audit"]


@pytest.mark.slow
def test_jax_too_late_warns_with_the_line_to_put_first_and_reports_it():
    code = script("import json, os, sys, warnings, keras, mlscompanion as mlc", REPORT, """
        import jax
        keras.layers.Dense(3).build((None, 2))                              # JAX has started
        os.environ["XLA_FLAGS"] = "--xla_force_host_platform_device_count=2"
        late_flags_ignored = jax.device_count() == 1                        # what "too late" means
        del os.environ["XLA_FLAGS"]
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            mlc.set_seed(3)
        report(warnings=[str(w.message) for w in caught], late_flags_ignored=late_flags_ignored)
    """)
    late, _ = run("jax", code)
    assert late["late_flags_ignored"] is True
    assert len(late["warnings"]) == 1
    assert "came too late for JAX" in late["warnings"][0] and LINE in late["warnings"][0]
    assert late["xla_flags"] is None  # not set where it would not take effect
    assert late["enabled"] is False
    assert late["state"].startswith("requested too late") and late["env"] == late["state"]
    assert LINE in late["audit"]


@pytest.mark.slow
def test_the_line_the_warning_gives_turns_it_on_and_mlscompanion_env_says_so():
    code = script(LINE, "from mlscompanion.cli import main", "main(['env'])")
    out = run_plain("jax", code)
    assert "op_determinism  : on (XLA flag set before start)" in out
    assert "op determinism: on (XLA flag set before start)" in out


@pytest.mark.slow
def test_mlscompanion_env_reports_the_state_off():
    out = run_plain("tensorflow", "from mlscompanion.cli import main; main(['env'])")
    assert "op_determinism  : off" in out and "backend         : tensorflow" in out


def test_xla_flags_are_parsed_and_replaced_without_touching_other_flags(monkeypatch):
    from mlscompanion import seeding

    assert seeding._xla_flag_set("--xla_gpu_deterministic_ops")
    assert seeding._xla_flag_set("--a=1 --xla_gpu_deterministic_ops=true")
    assert not seeding._xla_flag_set("--xla_gpu_deterministic_ops=true --xla_gpu_deterministic_ops=false")
    assert not seeding._xla_flag_set("--xla_gpu_deterministic_ops_x=true")
    monkeypatch.setattr(seeding, "_jax_started", lambda: False)
    monkeypatch.setenv("XLA_FLAGS", "--a=1 --xla_gpu_deterministic_ops=false --b")
    seeding._enable_jax_determinism()
    assert os.environ["XLA_FLAGS"] == "--a=1 --b --xla_gpu_deterministic_ops=true"
