"""Run a snippet once in a fresh Python process, sandboxed, with a time limit.

Each run gets its own folder (removed afterwards) holding the working
directory (shown as ``<workdir>`` in the captured output), HOME and TMPDIR;
no standard input; a cleared environment (``childenv.py``); resource limits
(``limits.py``); and either bubblewrap or a plain process (``sandbox.py``).
``_supervisor.py`` ends it at the time limit and kills whatever it left
behind; ``capture.py`` reads its output up to a cap and always returns.

Everything read back from the run folder is the snippet's to tamper with:
the report is opened without following links, only as a regular file and
only up to ``REPORT_CAP`` bytes; a FIFO, a link, a device, a huge, a
missing or a garbled report fails the run as tampering, never hangs it.

Example:

>>> run = run_snippet("forum_answer.py", index=1, timeout=60, sandbox=choose("auto"))
>>> run.ok, run.seconds, run.left_behind, [m.fingerprint for m in run.models]
"""

import json
import os
import shutil
import stat
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
REPORT_CAP = 32 * 1000 * 1000  # bytes; a report is kilobytes, fingerprints and facts
_KINDS = ((stat.S_ISLNK, "a symbolic link"), (stat.S_ISFIFO, "a FIFO"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
          (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a folder"))


def _mask_run_folder(text, root):
    """The run's folder differs every run: show it as ``<run>``, its ``work`` as ``<workdir>``."""
    for path, shown in ((os.path.join(root, "work"), WORKDIR), (root, RUN_FOLDER)):
        text = text.replace(path, shown)
    return text


class Tampered(Exception):
    """The run's report is not the file the bootstrap writes."""


def _kind(mode):
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def _read_report(path):
    """The run's report as a dict; None when the run ended before writing it.

    Raises ``Tampered`` for anything but a regular file of at most
    ``REPORT_CAP`` bytes holding a JSON object (links are not followed, a FIFO
    is never opened for a blocking read).
    """
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        raise Tampered("report.json was removed") from None
    if not stat.S_ISREG(info.st_mode):
        raise Tampered(f"report.json was replaced by {_kind(info.st_mode)}")
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY)
    except OSError as error:
        raise Tampered(f"report.json could not be opened safely ({error.strerror})") from None
    with os.fdopen(descriptor, "rb") as handle:
        mode = os.fstat(descriptor).st_mode
        if not stat.S_ISREG(mode):
            raise Tampered(f"report.json was replaced by {_kind(mode)}")
        data = handle.read(REPORT_CAP + 1)
    if len(data) > REPORT_CAP:
        raise Tampered(f"report.json holds more than {REPORT_CAP // 1000000} MB")
    if not data:
        return None  # the placeholder: the process ended before the bootstrap wrote it
    try:
        report = json.loads(data.decode("utf-8"))
    except ValueError:
        raise Tampered("report.json is not the JSON the check writes") from None
    if not isinstance(report, dict):
        raise Tampered("report.json is not the JSON object the check writes")
    return report


def _bootstrap_command(report_path, path, seed, decimals, reprex, executable=None):
    command = [executable or sys.executable, "-m", "mlscompanion.snippets._bootstrap",
               report_path, path]
    if seed is not None:
        command += ["--seed", str(seed)]
    if decimals is not None:
        command += ["--decimals", str(decimals)]
    if reprex:
        command.append("--reprex")
    return command


def run_snippet(path, index=1, seed=None, decimals=None, timeout=300.0, sandbox=None,
                reprex=False, limit=None, interpreter=None):
    """Run the snippet at ``path`` once in a fresh process; return a ``Run``.

    ``sandbox`` is a ``sandbox.Sandbox`` (default: ``sandbox.choose("auto")``);
    ``reprex=True`` evaluates it statement by statement with reprexlite;
    ``limit`` is the time limit the messages name (default ``timeout``: a
    check gives each run what is left of its own limit); ``interpreter`` the
    Python to run it with (an ``interpreter.Interpreter``; default this one).
    """
    path = os.path.abspath(path)
    sandbox = sandbox or sandboxes.choose()
    root = os.path.realpath(tempfile.mkdtemp(prefix="mlsc-snippet-"))
    try:
        workdir = os.path.join(root, "work")
        for folder in ("work", "home", "tmp"):
            os.mkdir(os.path.join(root, folder))
        report_path = os.path.join(root, "report.json")
        open(report_path, "wb").close()  # empty until the bootstrap replaces it
        env = childenv.child_environment(root, _PACKAGE_ROOT, left_out=sandbox.left_out_paths)
        gpu = bool(sandboxes.gpu_device_files())
        limits = Limits.for_run(timeout, gpu=gpu)
        executable = interpreter and interpreter.executable
        command = capture.supervisor_command(
            _bootstrap_command(report_path, path, seed, decimals, reprex, executable), timeout,
            "{status_fd}", limits.rlimits(), executable)
        if sandbox.level == sandboxes.BWRAP:
            command = sandboxes.bwrap_command(command, root, workdir, path, _PACKAGE_ROOT, env,
                                              left_out=sandbox.left_out_paths,
                                              interpreter=interpreter)
        outcome = capture.run_supervised(command, timeout, workdir, env, cap=limits.output)
        stdout = _mask_run_folder(outcome.stdout.decode("utf-8", "replace"), root)
        stderr = _mask_run_folder(outcome.stderr.decode("utf-8", "replace"), root)
        report, tampered = None, None
        if not outcome.timed_out and not outcome.supervisor_lost:
            try:
                report = _read_report(report_path)
            except Tampered as problem:
                tampered = str(problem)
        if report is not None and isinstance(report.get("reprex"), str):
            report["reprex"] = _mask_run_folder(report["reprex"], root)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    try:
        run = _make_run(index, outcome, stdout, stderr, report, limit or timeout)
    except Tampered as problem:
        run = _make_run(index, outcome, stdout, stderr, None, limit or timeout)
        tampered = str(problem)
    if tampered:
        run.error = f"the snippet tampered with its report: {tampered}"
    run.sandbox = sandbox.level
    return run


def _field(report, name, kind, default):
    """``report[name]`` when it is a ``kind`` (or absent or None: ``default``)."""
    value = report.get(name)
    if value is None:
        return default
    if not isinstance(value, kind):
        raise Tampered(f"report.json holds a {name} that is not {kind.__name__}")
    return value


_MODEL_FIELDS = {"index": int, "name": str, "cls": str, "params": int, "fingerprint": str}


def _model_print(record):
    """A ``ModelPrint`` from one report record, whose shape is checked (the snippet can
    write its report: a record of another shape is tampering, not a crash)."""
    if not isinstance(record, dict) or set(record) - {*_MODEL_FIELDS, "rounded"}:
        raise Tampered("report.json holds a model record the check does not write")
    for name, kind in _MODEL_FIELDS.items():
        if not isinstance(record.get(name), kind) or isinstance(record.get(name), bool):
            raise Tampered(f"report.json holds a model whose {name} is not {kind.__name__}")
    if not isinstance(record.get("rounded"), (str, type(None))):
        raise Tampered("report.json holds a model whose rounded fingerprint is not text")
    return ModelPrint(**record)


def _make_run(index, outcome, stdout, stderr, report, timeout):
    run = Run(index=index, returncode=outcome.returncode, seconds=round(outcome.seconds, 2),
              stdout=stdout, stderr=stderr, timed_out=outcome.timed_out,
              left_behind=outcome.left_behind, dropped=outcome.dropped)
    if outcome.supervisor_lost:
        left = (f"; {outcome.left_behind} process(es) it had started were found and killed"
                if outcome.left_behind else "")
        cause = ("the run did not end by the time limit and its supervisor had to be killed"
                 if outcome.timed_out else "the snippet killed its supervisor")
        run.error = cause + left
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
    run.models = [_model_print(record) for record in _field(report, "models", list, [])]
    run.facts = _field(report, "facts", dict, {})
    run.environment = _field(report, "environment", dict, {})
    run.environment_text = _field(report, "environment_text", str, "")
    run.reprex = _field(report, "reprex", str, None)
    _field(report, "error", str, None)
    if run.facts.get("stdin_reads"):
        run.error = ("the snippet reads standard input (input() or sys.stdin), which "
                     "snippet check does not provide: put fixed values in the snippet")
    elif report.get("error"):
        run.error = report["error"]
    elif outcome.returncode != 0:
        run.error = f"the snippet exited with code {outcome.returncode}"
    return run
