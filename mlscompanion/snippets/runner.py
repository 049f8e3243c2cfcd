"""Run a snippet once in a fresh Python process, isolated, with a time limit.

Each run gets its own temporary working directory (removed afterwards, so
files the snippet writes with relative paths never touch the mentor's
folder; its path is shown as ``<workdir>`` in the captured output), no
standard input, ``PYTHONHASHSEED=random`` (so string-set order truly
varies between runs), ``MPLBACKEND=Agg`` (``plt.show()`` cannot block) and
is killed with its whole process group at the time limit.

Example:

>>> run = run_snippet("forum_answer.py", index=1, timeout=60)
>>> run.ok, run.seconds, [m.fingerprint for m in run.models]
"""

import json
import os
import signal
import subprocess
import sys
import tempfile
import time

from mlscompanion.snippets.result import ModelPrint, Run

__all__ = ["run_snippet", "child_environment"]

_PACKAGE_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
_GRACE_SECONDS = 5.0
WORKDIR = "<workdir>"


def child_environment():
    """The environment variables of a snippet run (a copy of ours, adjusted)."""
    env = dict(os.environ)
    env["PYTHONHASHSEED"] = "random"
    env["MPLBACKEND"] = "Agg"
    env["PYTHONIOENCODING"] = "utf-8"
    env["PYTHONUNBUFFERED"] = "1"
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (_PACKAGE_ROOT, env.get("PYTHONPATH")) if p)
    return env


def _kill_group(process):
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (AttributeError, ProcessLookupError, PermissionError):
        process.kill()


def _communicate(process, timeout):
    """(stdout, stderr, timed_out); on time-out the process group is killed."""
    try:
        out, err = process.communicate(timeout=timeout)
        return out, err, False
    except subprocess.TimeoutExpired:
        _kill_group(process)
        try:
            out, err = process.communicate(timeout=_GRACE_SECONDS)
        except subprocess.TimeoutExpired:  # a grandchild escaped the group and holds the pipes
            process.kill()
            out, err = "", ""
        return out, err, True


def _mask_workdir(text, workdir):
    """The per-run temporary folder differs every run: show it as ``<workdir>``."""
    for variant in sorted({os.path.realpath(workdir), workdir}, key=len, reverse=True):
        text = text.replace(variant, WORKDIR)
    return text


def _read_report(path):
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return None


def run_snippet(path, index=1, seed=None, decimals=None, timeout=300.0):
    """Run the snippet at ``path`` once in a fresh process; return a ``Run``."""
    path = os.path.abspath(path)
    with tempfile.TemporaryDirectory(prefix="mlsc-snippet-", ignore_cleanup_errors=True) as root:
        workdir = os.path.join(root, "work")
        os.mkdir(workdir)
        report_path = os.path.join(root, "report.json")
        command = [sys.executable, "-m", "mlscompanion.snippets._bootstrap", report_path, path]
        if seed is not None:
            command += ["--seed", str(seed)]
        if decimals is not None:
            command += ["--decimals", str(decimals)]
        start = time.perf_counter()
        process = subprocess.Popen(
            command, cwd=workdir, env=child_environment(), stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            encoding="utf-8", errors="replace", start_new_session=True)
        stdout, stderr, timed_out = _communicate(process, timeout)
        seconds = time.perf_counter() - start
        stdout, stderr = _mask_workdir(stdout, workdir), _mask_workdir(stderr, workdir)
        report = None if timed_out else _read_report(report_path)
    return _make_run(index, process.returncode, seconds, stdout, stderr, timed_out, report, timeout)


def _make_run(index, returncode, seconds, stdout, stderr, timed_out, report, timeout):
    run = Run(index=index, returncode=returncode, seconds=round(seconds, 2),
              stdout=stdout, stderr=stderr, timed_out=timed_out)
    if timed_out:
        run.returncode = None
        run.error = f"timed out after {timeout:g} s (the process was killed)"
        return run
    if report is None:
        run.error = (f"the process ended (exit code {returncode}) before the check could "
                     "record its models: os._exit(), a crash, or the interpreter was killed")
        return run
    run.models = [ModelPrint(**record) for record in report.get("models", [])]
    run.facts = report.get("facts", {})
    run.environment = report.get("environment", {})
    run.environment_text = report.get("environment_text", "")
    if run.facts.get("stdin_reads"):
        run.error = ("the snippet reads standard input (input() or sys.stdin), which "
                     "snippet check does not provide: put fixed values in the snippet")
    elif report.get("error"):
        run.error = report["error"]
    elif returncode != 0:
        run.error = f"the snippet exited with code {returncode}"
    return run
