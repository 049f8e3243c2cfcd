"""Run a snippet once in a fresh Python process, sandboxed, with a time limit.

Each run gets its own folder (removed afterwards) holding the working
directory (shown as ``<workdir>`` in the captured output), HOME and TMPDIR;
no standard input; a cleared environment (``childenv.py``); resource limits
(``limits.py``); and either bubblewrap or a plain process (``sandbox.py``).
``_supervisor.py`` ends it at the time limit and kills whatever it left
behind; ``capture.py`` reads its output up to a cap and always returns.

Example:

>>> run = run_snippet("forum_answer.py", index=1, timeout=60, sandbox=choose("auto"))
>>> run.ok, run.seconds, run.left_behind, [m.fingerprint for m in run.models]
"""

import json
import os
import shutil
import sys
import tempfile

from mlscompanion.snippets import capture, childenv
from mlscompanion.snippets import sandbox as sandboxes
from mlscompanion.snippets.limits import Limits
from mlscompanion.snippets.result import ModelPrint, Run

__all__ = ["run_snippet", "WORKDIR"]

_PACKAGE_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WORKDIR = "<workdir>"
RUN_FOLDER = "<run>"


def _mask_run_folder(text, root):
    """The run's folder differs every run: show it as ``<run>``, its ``work`` as ``<workdir>``."""
    for path, shown in ((os.path.join(root, "work"), WORKDIR), (root, RUN_FOLDER)):
        text = text.replace(path, shown)
    return text


def _read_report(path):
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return None


def _bootstrap_command(report_path, path, seed, decimals, reprex):
    command = [sys.executable, "-m", "mlscompanion.snippets._bootstrap", report_path, path]
    if seed is not None:
        command += ["--seed", str(seed)]
    if decimals is not None:
        command += ["--decimals", str(decimals)]
    if reprex:
        command.append("--reprex")
    return command


def run_snippet(path, index=1, seed=None, decimals=None, timeout=300.0, sandbox=None,
                reprex=False):
    """Run the snippet at ``path`` once in a fresh process; return a ``Run``.

    ``sandbox`` is a ``sandbox.Sandbox`` (default: ``sandbox.choose("auto")``);
    ``reprex=True`` evaluates it statement by statement with reprexlite.
    """
    path = os.path.abspath(path)
    sandbox = sandbox or sandboxes.choose()
    root = os.path.realpath(tempfile.mkdtemp(prefix="mlsc-snippet-"))
    try:
        workdir = os.path.join(root, "work")
        for folder in ("work", "home", "tmp"):
            os.mkdir(os.path.join(root, folder))
        report_path = os.path.join(root, "report.json")
        env = childenv.child_environment(root, _PACKAGE_ROOT)
        gpu = bool(sandboxes.gpu_device_files())
        limits = Limits.for_run(timeout, gpu=gpu)
        command = capture.supervisor_command(
            _bootstrap_command(report_path, path, seed, decimals, reprex), timeout,
            "{status_fd}", limits.rlimits())
        if sandbox.level == sandboxes.BWRAP:
            command = sandboxes.bwrap_command(command, root, workdir, path, _PACKAGE_ROOT, env)
        outcome = capture.run_supervised(command, timeout, workdir, env, cap=limits.output)
        stdout = _mask_run_folder(outcome.stdout.decode("utf-8", "replace"), root)
        stderr = _mask_run_folder(outcome.stderr.decode("utf-8", "replace"), root)
        report = None if outcome.timed_out else _read_report(report_path)
        if report is not None and isinstance(report.get("reprex"), str):
            report["reprex"] = _mask_run_folder(report["reprex"], root)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    run = _make_run(index, outcome, stdout, stderr, report, timeout)
    run.sandbox = sandbox.level
    return run


def _make_run(index, outcome, stdout, stderr, report, timeout):
    run = Run(index=index, returncode=outcome.returncode, seconds=round(outcome.seconds, 2),
              stdout=stdout, stderr=stderr, timed_out=outcome.timed_out,
              left_behind=outcome.left_behind, dropped=outcome.dropped)
    if outcome.supervisor_lost:
        run.error = (f"the run did not end by {timeout:g} s and its supervisor had to be "
                     "killed; processes it started may have escaped")
        return run
    if outcome.timed_out:
        run.returncode = None
        run.error = f"timed out after {timeout:g} s (the process was killed)"
        return run
    if report is None:
        run.error = (f"the process ended (exit code {outcome.returncode}) before the check "
                     "could record its models: os._exit(), a crash, or the interpreter was "
                     "killed")
        return run
    run.models = [ModelPrint(**record) for record in report.get("models", [])]
    run.facts = report.get("facts", {})
    run.environment = report.get("environment", {})
    run.environment_text = report.get("environment_text", "")
    run.reprex = report.get("reprex")
    if run.facts.get("stdin_reads"):
        run.error = ("the snippet reads standard input (input() or sys.stdin), which "
                     "snippet check does not provide: put fixed values in the snippet")
    elif report.get("error"):
        run.error = report["error"]
    elif outcome.returncode != 0:
        run.error = f"the snippet exited with code {outcome.returncode}"
    return run
