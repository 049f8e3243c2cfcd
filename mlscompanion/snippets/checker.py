"""``check``: run a snippet in N fresh processes, compare, audit, give the verdict.

Example:

>>> result = check("forum_answer.py", runs=2)
>>> result.status                  # 'reproducible', 'not reproducible', 'failed', 'single run'
>>> print(render(result, "markdown"))   # paste into the forum post
"""

import numbers
import os
import pathlib
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from mlscompanion._validation import is_int
from mlscompanion.snippets import audit, compare, guard, runner
from mlscompanion.snippets import interpreter as interpreters
from mlscompanion.snippets import sandbox as sandboxes
from mlscompanion.snippets.result import (
    EXIT_CODES, FAILED, NOT_REPRODUCIBLE, REPRODUCIBLE, SINGLE_RUN, SnippetResult)

__all__ = ["check", "load_snippet", "PARALLEL_RUNS"]

PARALLEL_RUNS = 2  # fresh processes at a time (a TensorFlow start-up mostly uses one core)


def parallel_runs():
    """Runs at a time: ``PARALLEL_RUNS``, or 1 when a GPU is visible (no fight for its memory)."""
    return 1 if sandboxes.gpu_device_files() else PARALLEL_RUNS


def _check_arguments(runs, seed, timeout, decimals):
    if not is_int(runs) or runs < 1:
        raise ValueError(f"`runs` must be a positive integer such as 2. Received: runs={runs!r}")
    if seed is not None and (not is_int(seed) or not 0 <= seed < 2**32):
        raise ValueError(f"`seed` must be None or an integer in [0, 2**32). Received: seed={seed!r}")
    if isinstance(timeout, bool) or not isinstance(timeout, numbers.Real) or not timeout > 0:
        raise ValueError(f"`timeout` must be a positive number of seconds. Received: timeout={timeout!r}")
    if decimals is not None and (not is_int(decimals) or decimals < 0):
        raise ValueError(f"`decimals` must be None or an integer >= 0. Received: decimals={decimals!r}")


def load_snippet(path_or_source):
    """(display name, path or None, source text) for a path or a string of code.

    A ``pathlib.Path``, a string ending in ``.py`` or naming an existing file
    is a path; any other string (e.g. one with a newline) is the code itself.
    """
    if isinstance(path_or_source, str):
        text = path_or_source
        is_path = "\n" not in text and (text.endswith(".py") or os.path.isfile(text))
        if not is_path:
            return "<source>", None, text
    elif not isinstance(path_or_source, os.PathLike):
        raise TypeError("`path_or_source` must be a file path (str or pathlib.Path) or a "
                        f"string of Python code. Received: {type(path_or_source).__name__}")
    path = os.fspath(path_or_source)
    if not os.path.exists(path):
        raise ValueError(f"no such file: {path!r}. Expected the path of a Python snippet (.py).")
    if os.path.isdir(path):
        raise ValueError(f"{path!r} is a folder; expected the path of a Python snippet (.py).")
    if path.endswith(".ipynb"):
        raise ValueError(f"{path!r} is a notebook; copy the cells into a .py file and check that.")
    with open(path, "rb") as handle:
        data = handle.read()
    try:
        source = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise _NotPython(f"{path} is not a Python text file (not UTF-8 text: byte "
                         f"{error.start})") from None
    if "\x00" in source:
        raise _NotPython(f"{path} is not a Python text file (it holds binary data)")
    return path, path, source


class _NotPython(Exception):
    """The file exists but is not Python: reported as a failed snippet (exit 2)."""


def _syntax_error(source, name):
    """None if ``source`` compiles, else a message with the line and a caret."""
    try:
        compile(source, name, "exec", dont_inherit=True)
    except SyntaxError as error:
        message = f"SyntaxError: {error.msg} (line {error.lineno})"
        if error.text:
            code = error.text.rstrip("\n")
            indent = len(code) - len(code.lstrip())
            caret = " " * max((error.offset or 1) - 1 - indent, 0) + "^"
            message += f"\n    {code.strip()}\n    {caret}"
        return message
    return None


def _environment(runs, deadline=None, interpreter=None):
    """(environment dict, its text block): from a run that used Keras, else from this
    process (unless the time limit has run out: importing Keras takes seconds), or
    what the probe of another interpreter found."""
    for run in runs:
        if run.environment:
            return run.environment, run.environment_text
    if interpreter is not None and not interpreter.is_current:
        env = interpreter.environment()
        width = max(len(key) for key in env)
        return env, "\n".join(f"{key:<{width}} : {value}" for key, value in env.items())
    if deadline is not None and time.monotonic() > deadline:
        return {}, ""
    from mlscompanion.run_environment import environment, format_environment

    env = environment()
    return env, format_environment(env)


def check(path_or_source, runs=2, seed=None, timeout=300.0, decimals=None, progress=None,
          sandbox="auto", reprex=False, python=None):
    """Run a snippet ``runs`` times, each in a fresh process, and compare.

    Example:

    >>> snippet = "import random; random.seed(0); print(random.random())"
    >>> result = mlscompanion.snippets.check(snippet)
    >>> result.status, result.exit_code   # without random.seed(0): 'not reproducible', 1
    ('reproducible', 0)

    Args:
        path_or_source: a path to a ``.py`` file, or the code as a string.
        runs: how many fresh processes (default 2).
        seed: if given, ``mlscompanion.set_seed(seed)`` runs before the
            snippet, to show what proper seeding changes.
        timeout: seconds for the whole check: every run (and the waves of
            runs) must end by then; what still runs is killed, and the call
            returns within ``timeout`` + 10 s whatever the snippet does.
        decimals: also compare numbers and fingerprints rounded to this
            many decimals (a tolerance for float noise between machines).
        progress: optional ``callback(run_number, runs)`` called as each run starts
            (runs go ``PARALLEL_RUNS`` = 2 at a time, one at a time when a GPU is visible).
        sandbox: "auto" (bubblewrap where it works, else "none", said in the
            report), "bwrap" or "none"; see ``sandbox.py``.
        reprex: evaluate statement by statement with reprexlite and keep the
            code with its output as ``#>`` lines in each run's ``reprex``
            (what ``render_reprex`` shows); the runs are compared on that text.
        python: the path of another Python interpreter to run the snippet
            with, e.g. a venv holding the course's TensorFlow 2.15 (Keras 2);
            the report's environment block then shows its versions.

    Returns:
        A ``SnippetResult``: ``status``, ``exit_code`` (0 reproducible,
        1 not, 2 the snippet failed), runs, differences, findings, environment.

    Example:

    >>> result = check("import random\\nprint(random.random())", runs=2)
    >>> result.status, result.line_diffs[0].line
    ('not reproducible', 1)
    """
    _check_arguments(runs, seed, timeout, decimals)
    deadline = time.monotonic() + timeout
    chosen = sandboxes.choose(sandbox)
    interpreter = interpreters.find(python)
    if chosen.fallback:
        print(f"mlscompanion snippet check: {chosen.note}", file=sys.stderr, flush=True)
    try:
        name, path, source = load_snippet(path_or_source)
    except _NotPython as error:
        return _sandboxed(_failed(str(path_or_source), str(error), seed, decimals, timeout, []), chosen)
    problem = _syntax_error(source, name)
    if problem:
        return _sandboxed(_failed(name, problem, seed, decimals, timeout, []), chosen)
    static = audit.static_audit(source)
    records = _run_file(path, source, runs, seed, decimals, timeout, deadline, progress, chosen,
                        reprex, interpreter)
    return _sandboxed(_verdict(name, records, static, runs, seed, decimals, timeout, deadline,
                               interpreter), chosen)


def _run_file(path, source, runs, seed, decimals, timeout, deadline, progress, chosen, reprex,
              interpreter):
    """``_run_all`` on ``path``, or on ``source`` in a temporary file when there is no path."""
    with tempfile.TemporaryDirectory(prefix="mlsc-source-") as folder:
        if path is None:
            path = os.path.join(folder, "snippet.py")
            pathlib.Path(path).write_text(source, encoding="utf-8")
        with guard.guarded():
            return _run_all(path, runs, seed, decimals, timeout, deadline, progress, chosen,
                            reprex, interpreter)


def _verdict(name, records, static, runs, seed, decimals, timeout, deadline, interpreter):
    """The result of the runs: a failed one, the time limit before all ran, or the comparison."""
    facts = next((r.facts for r in records if r.ok and r.facts), {})
    findings = audit.merge(static, facts, seed_injected=seed is not None)
    failed = [r for r in records if not r.ok]
    if failed:
        result = _failed(name, f"run {failed[0].index}: {failed[0].error}", seed, decimals,
                         timeout, records, runs_requested=runs, deadline=deadline,
                         interpreter=interpreter)
        result.findings = findings
        return result
    if len(records) < runs:
        result = _failed(name, f"the time limit of {timeout:g} s ran out before run "
                         f"{len(records) + 1} could start", seed, decimals, timeout, records,
                         runs_requested=runs, deadline=deadline, interpreter=interpreter)
        result.findings = findings
        return result
    return _compared(name, records, findings, seed, decimals, timeout, deadline, interpreter)


def _sandboxed(result, chosen):
    result.sandbox, result.sandbox_note = chosen.level, chosen.note
    result.sandbox_fallback = chosen.fallback
    return result


MIN_RUN_SECONDS = 0.5  # a run is not started with less time than this left


def _run_all(path, runs, seed, decimals, timeout, deadline, progress, chosen, reprex,
             interpreter=None):
    """Run ``runs`` fresh processes, ``parallel_runs()`` at a time, in order of index.

    Each run gets what is left until ``deadline``. After a failed run, or when
    the time is up, no new run starts (runs already going finish).
    """
    stop = threading.Event()

    def one(index):
        left = deadline - time.monotonic()
        if stop.is_set() or left < MIN_RUN_SECONDS:
            return None
        if progress is not None:
            progress(index, runs)
        record = runner.run_snippet(path, index=index, seed=seed, decimals=decimals,
                                    timeout=left, sandbox=chosen, reprex=reprex, limit=timeout,
                                    interpreter=interpreter)
        if not record.ok:
            stop.set()  # set before this worker takes the next index: no race
        return record

    with ThreadPoolExecutor(max_workers=min(parallel_runs(), runs)) as pool:
        return [record for record in pool.map(one, range(1, runs + 1)) if record is not None]


def _failed(name, error, seed, decimals, timeout, records, runs_requested=None, deadline=None,
            interpreter=None):
    skipped = ""
    if runs_requested and len(records) < runs_requested:
        skipped = f" The remaining {runs_requested - len(records)} run(s) were skipped."
    result = SnippetResult(
        file=name, status=FAILED, exit_code=EXIT_CODES[FAILED],
        message=f"The snippet failed: {error.splitlines()[0]}.{skipped}",
        runs=records, seed=seed, decimals=decimals, timeout=timeout, error=error)
    result.environment, result.environment_text = _environment(records, deadline, interpreter)
    return result


def _compared(name, records, findings, seed, decimals, timeout, deadline=None,
              interpreter=None):
    stdouts = [r.stdout if r.reprex is None else r.reprex for r in records]
    diffs, omitted = compare.line_diffs(stdouts)
    models = compare.model_diffs(records, decimals)
    result = SnippetResult(
        file=name, status=REPRODUCIBLE, exit_code=0, message="", runs=records, seed=seed,
        decimals=decimals, timeout=timeout, findings=findings, line_diffs=diffs,
        omitted_line_diffs=omitted, model_diffs=models)
    result.environment, result.environment_text = _environment(records, deadline, interpreter)
    if decimals is not None:
        result.within_decimals = (compare.same_output(stdouts, decimals)
                                  and all(d.rounded_equal for d in models))
    if len(records) == 1:
        result.status = SINGLE_RUN
        result.message = "Only one run, so nothing to compare: use 2 runs or more."
    elif not diffs and not models:
        built = ("built models with bit-identical weights" if result.models
                 else "built no Keras model")
        result.message = f"All {len(records)} runs printed the same output and {built}."
    elif result.within_decimals:
        result.message = (f"The runs differ only beyond {decimals} decimals: rounded to "
                          f"{decimals} decimals, the output and the model weights agree.")
    else:
        result.status = NOT_REPRODUCIBLE
        result.message = _difference_message(records, diffs, omitted, models, decimals)
    result.exit_code = EXIT_CODES[result.status]
    if result.status != NOT_REPRODUCIBLE and findings:
        result.message += (f" The audit still found {len(findings)} thing(s) that can make "
                           "it differ elsewhere (see below).")
    if result.status == NOT_REPRODUCIBLE:
        result.message += (f" Likely cause: {findings[0].title}." if findings else
                           " The audit found no known cause: look at the differing lines.")
    return result


def _difference_message(records, diffs, omitted, models, decimals):
    parts = []
    differing_runs = sorted({d.run for d in diffs})
    if differing_runs:
        first = differing_runs[0]
        count = sum(d.run == first for d in diffs)
        parts.append(f"run {first} printed {count}{'+' if omitted else ''} line(s) "
                     "differently from run 1")
    if models:
        total = max(len(r.models) for r in records)
        parts.append(f"{len(models)} of {total} model(s) ended with different weights")
    message = "Not reproducible: " + " and ".join(parts) + "."
    if decimals is not None:
        message += f" The difference remains after rounding to {decimals} decimals."
    return message
