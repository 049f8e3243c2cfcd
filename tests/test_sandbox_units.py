"""The sandbox's parts on their own: level choice, bubblewrap mounts, environment, limits,
the checker's backstop, and what a GPU changes (faked on CPU)."""

import os
import sys
import time

import pytest

from mlscompanion import cli, snippets
from mlscompanion.snippets import capture, checker, childenv, limits, report, sandbox
from mlscompanion.snippets.result import Run, SnippetResult


def test_unknown_sandbox_level_is_rejected_naming_it():
    with pytest.raises(ValueError, match="`sandbox` must be one of auto, bwrap, none"):
        snippets.check("print(1)\n", sandbox="docker")


def test_auto_falls_back_to_none_and_says_why(monkeypatch):
    monkeypatch.setattr(sandbox, "bwrap_problem", lambda: "bwrap is not installed")
    chosen = sandbox.choose("auto")
    assert chosen.level == "none"
    assert chosen.note.startswith("Sandbox: none (bubblewrap is not available: bwrap is not installed).")
    assert "Not covered:" in chosen.note and "apt-get install bubblewrap" in chosen.note
    with pytest.raises(ValueError, match="`sandbox` is 'bwrap' but bwrap is not installed"):
        sandbox.choose("bwrap")


def test_bwrap_asked_for_but_missing_is_a_bad_argument_exit_3(monkeypatch, capsys):
    monkeypatch.setattr(sandbox, "bwrap_problem", lambda: "bwrap is not installed")
    code = cli.main(["snippet", "render", "--sandbox", "bwrap", "answer.py"])
    assert code == 3 and "bwrap is not installed" in capsys.readouterr().err


def test_bwrap_mounts_hide_home_and_tmp_and_unshare_everything(monkeypatch, tmp_path):
    monkeypatch.setattr(sandbox, "gpu_device_files", lambda: ["/dev/nvidia0"])
    root, snippet = tmp_path / "run", tmp_path / "src" / "answer.py"
    args = sandbox.bwrap_command(["python", "x"], str(root), str(root / "work"), str(snippet),
                                 "/pkg", {"PYTHONPATH": "", "LD_LIBRARY_PATH": ""})
    assert args[1:4] == ["--unshare-all", "--cap-drop", "ALL"]
    assert "--die-with-parent" in args and "--new-session" in args
    if os.geteuid() == 0 and "--uid" in args:  # a root checker's snippet is uid 65534 inside
        assert args[args.index("--uid") + 1] == args[args.index("--gid") + 1] == "65534"
    assert args.index("--tmpfs") < args.index(str(root))  # empty /tmp first, then the run folder
    assert ["--bind", str(root), str(root)] == args[args.index(str(root)) - 1:args.index(str(root)) + 2]
    assert "--dev-bind" in args and "/dev/nvidia0" in args
    destinations = {args[i + 2] for i, arg in enumerate(args) if arg.endswith("bind")}
    assert os.path.expanduser("~") not in destinations and "/" not in destinations
    assert "/etc" not in destinations and "/etc/passwd" in args
    assert args[-3:] == ["--", "python", "x"]


def test_environment_is_an_allowlist_and_shares_the_gpu(tmp_path):
    source = {"PATH": "/usr/bin", "GITHUB_TOKEN": "t", "AWS_SECRET_ACCESS_KEY": "k",
              "TF_TOKEN_app_terraform_io": "t", "TF_VAR_password": "p", "KERAS_BACKEND": "jax",
              "XLA_FLAGS": "--xla_gpu_deterministic_ops=true", "CUDA_VISIBLE_DEVICES": "0",
              "PYTHONPATH": "/extra", "HOME": "/root", "SSH_AUTH_SOCK": "/tmp/agent"}
    env = childenv.child_environment(str(tmp_path), "/pkg", source=source)
    assert env["HOME"] == str(tmp_path / "home") and env["TMPDIR"] == str(tmp_path / "tmp")
    assert env["PYTHONPATH"] == "/pkg:/extra" and env["KERAS_BACKEND"] == "jax"
    assert env["XLA_FLAGS"] == "--xla_gpu_deterministic_ops=true"
    assert env["CUDA_VISIBLE_DEVICES"] == "0"
    # Two runs on one GPU: JAX does not preallocate, TensorFlow grows its memory.
    assert env["XLA_PYTHON_CLIENT_PREALLOCATE"] == "false"
    assert env["TF_FORCE_GPU_ALLOW_GROWTH"] == "true"
    for secret in ("GITHUB_TOKEN", "AWS_SECRET_ACCESS_KEY", "TF_TOKEN_app_terraform_io",
                   "TF_VAR_password", "SSH_AUTH_SOCK"):
        assert secret not in env
    kept = childenv.child_environment(str(tmp_path), "/pkg",
                                      source={"XLA_PYTHON_CLIENT_PREALLOCATE": "true"})
    assert kept["XLA_PYTHON_CLIENT_PREALLOCATE"] == "true"  # the mentor's explicit choice


def test_runs_go_one_at_a_time_when_a_gpu_is_visible(monkeypatch):
    monkeypatch.setattr(sandbox, "gpu_device_files", lambda: [])
    assert checker.parallel_runs() == checker.PARALLEL_RUNS == 2
    monkeypatch.setattr(sandbox, "gpu_device_files", lambda: ["/dev/nvidia0"])
    assert checker.parallel_runs() == 1


def test_limits_leave_address_space_alone_on_a_gpu():
    cpu, gpu = limits.Limits.for_run(60), limits.Limits.for_run(60, gpu=True)
    assert cpu.memory >= 8 * limits.GIB and gpu.memory is None
    assert cpu.cpu_seconds == 60 * os.cpu_count() + 10 and cpu.file_size == limits.GIB
    assert cpu.rlimits()["core"] == 0 and "no memory limit" in gpu.describe()


def _result_with_facts(**facts):
    run = Run(index=1, returncode=0, seconds=1.0, stdout="", stderr="", facts=facts)
    return SnippetResult(file="a.py", status="reproducible", exit_code=0, message="ok",
                         runs=[run], sandbox="none", sandbox_note="Sandbox: none (asked for).")


def test_report_shows_device_and_gpu_determinism_from_the_runs_facts():
    gpu_off = _result_with_facts(device="GPU", deterministic=False)
    gpu_on = _result_with_facts(device="GPU", deterministic=True)
    cpu = _result_with_facts(device="CPU", deterministic=False)
    assert report.device_line(gpu_off) == "Device: GPU; GPU determinism: off; runs went one at a time"
    assert report.device_line(gpu_on).startswith("Device: GPU; GPU determinism: on")
    assert report.device_line(cpu) == "Device: CPU (GPU determinism does not apply)"
    assert report.device_line(_result_with_facts()) is None  # no Keras, no device fact
    text = snippets.render(gpu_off, "text", width=300)
    assert "Device: GPU; GPU determinism: off" in text and "Sandbox: none (asked for)." in text
    assert "<sub>Device: GPU; GPU determinism: off" in snippets.render(gpu_off, "markdown")


def test_report_makes_snippet_text_inert():
    run = Run(index=1, returncode=1, seconds=1.0, stdout="", error="boom",
              stderr="Traceback\n\x1b[31mValueError: ```\nfake\n```\x1b[0m")
    result = SnippetResult(file="a.py", status="failed", exit_code=2,
                           message="The snippet failed: \x1b[2Jboom.", runs=[run], error="boom")
    text = snippets.render(result, "text", width=300)
    markdown = snippets.render(result, "markdown")
    assert "\x1b" not in text and "\\x1b[31m" in text
    assert "\x1b" not in markdown and "\n````text\n" in markdown  # fence longer than the ```
    assert "> The snippet failed; the error is below." in markdown


def test_checker_returns_even_when_the_supervisor_hangs():
    stubborn = [sys.executable, "-c",
                "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(60)"]
    start = time.monotonic()
    outcome = capture.run_supervised(stubborn, timeout=1, cwd="/", env={})
    assert time.monotonic() - start < 1 + capture.GRACE + 1
    assert outcome.supervisor_lost and outcome.timed_out and outcome.returncode is None


def test_a_left_out_entry_never_drops_the_package_itself(tmp_path):
    """The mentor's PYTHONPATH may name the clone the package runs from (inside the
    current folder, so left out of the sandbox); the run must still import the package."""
    env = childenv.child_environment(str(tmp_path), "/clone", source={
        "PYTHONPATH": "/clone:/home/me/lib:/opt/lib", "LD_LIBRARY_PATH": "/home/me/so:/usr/lib"},
        left_out=("/clone", "/home/me/lib", "/home/me/so"))
    assert env["PYTHONPATH"] == "/clone:/opt/lib"
    assert env["LD_LIBRARY_PATH"] == "/usr/lib"
