"""The checker's own guard while snippets run: hidden from them, and their orphans' last parent.

While ``guarded()`` is active, the checker process is

- not dumpable (``PR_SET_DUMPABLE`` 0), so a snippet of the same user (and
  a root snippet, whose capabilities the supervisor dropped) cannot read
  the checker's ``/proc/<pid>/environ`` (the mentor's tokens) or
  ``/proc/<pid>/cwd``;
- a child subreaper (``PR_SET_CHILD_SUBREAPER``), so when a snippet kills
  or stops its supervisor, the processes that supervisor was watching come
  back to the checker instead of to init, and ``sweep()`` finds and kills them.

Both are restored when the last ``guarded()`` ends. ``sweep`` spares the
children the checker had before and the supervisors still running.

Example:

>>> with guarded():
...     with started(lambda: subprocess.Popen(command)) as process:  # a supervisor
...         ...
...     killed = sweep()                 # its orphans, if it was killed
"""

import contextlib
import ctypes
import os
import threading

from mlscompanion.snippets import _supervisor

__all__ = ["guarded", "started", "sweep"]

PR_GET_DUMPABLE, PR_SET_DUMPABLE = 3, 4
PR_GET_CHILD_SUBREAPER = 37

_lock = threading.Lock()
_depth = 0
_saved = None  # (dumpable, subreaper) before the outermost guard
_known = frozenset()  # the children this process had before the outermost guard
_live = set()  # supervisors running under the guard


def _prctl(option, value):
    libc = ctypes.CDLL(None, use_errno=True)
    return libc.prctl(option, value, 0, 0, 0)


def _subreaper():
    flag = ctypes.c_int(0)
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_GET_CHILD_SUBREAPER, ctypes.byref(flag), 0, 0, 0)
    return flag.value


def _children():
    me = os.getpid()
    return frozenset(pid for pid, (ppid, _) in _supervisor._process_table().items()
                     if ppid == me)


@contextlib.contextmanager
def guarded():
    """Hide this process from the snippets and collect their orphans, for the block."""
    global _depth, _saved, _known
    with _lock:
        if _depth == 0:
            _saved = (_prctl(PR_GET_DUMPABLE, 0), _subreaper())
            _known = _children()
            _prctl(PR_SET_DUMPABLE, 0)
            _prctl(_supervisor.PR_SET_CHILD_SUBREAPER, 1)
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            last = _depth == 0
        if last:
            sweep()
            dumpable, subreaper = _saved
            _prctl(_supervisor.PR_SET_CHILD_SUBREAPER, subreaper)
            _prctl(PR_SET_DUMPABLE, 1 if dumpable < 0 else dumpable)


@contextlib.contextmanager
def started(start):
    """``start()`` (it returns a ``Popen``), its process spared by ``sweep`` in the block.

    Starting and sweeping take one lock, so a sweep never sees a supervisor
    that is started but not yet spared.
    """
    with _lock:
        process = start()
        _live.add(process.pid)
    try:
        yield process
    finally:
        with _lock:
            _live.discard(process.pid)


def sweep():
    """Kill this process's children that came back as orphans; how many were killed."""
    with _lock:
        spared = set(_known) | _live
        return len(_supervisor.kill_descendants(os.getpid(), spared=spared))
