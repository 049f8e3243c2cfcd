"""Run one command, end it at a deadline, and kill every process it left behind.

Started by ``capture.py`` as a plain script (``python -S _supervisor.py``,
no package import, so it starts in milliseconds), directly or inside
bubblewrap::

    python -S _supervisor.py --timeout T --status-fd FD --limits JSON -- COMMAND...

It makes itself a *child subreaper* (``prctl(PR_SET_CHILD_SUBREAPER)``), so
every process the command starts stays its descendant, even one that calls
``setsid()`` and whose parent exits. It runs COMMAND in a new session with
the resource limits applied, every capability dropped and no new privileges
(``PR_SET_NO_NEW_PRIVS``: a root checker's snippet cannot regain them through
a setuid program), waits until it exits or the deadline passes (or SIGTERM
arrives), kills it, then freezes and kills every descendant that is still
there. Last it writes one JSON line to FD::

    {"returncode": 0, "timed_out": false, "left_behind": 2, ...}

``left_behind`` counts the processes that were still running and were
killed (the command itself not included).
"""

import argparse
import ctypes
import json
import os
import resource
import signal
import subprocess
import sys
import time

PR_SET_CHILD_SUBREAPER = 36
PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS = 24, 38
_LAST_CAPABILITY = 63  # the kernel ignores numbers it does not know (EINVAL)
_RLIMITS = {"memory": resource.RLIMIT_AS, "processes": resource.RLIMIT_NPROC,
            "file_size": resource.RLIMIT_FSIZE, "cpu_seconds": resource.RLIMIT_CPU,
            "core": resource.RLIMIT_CORE}
_stop_requested = False


def _request_stop(signum, frame):
    global _stop_requested
    _stop_requested = True


def _become_subreaper():
    libc = ctypes.CDLL(None, use_errno=True)
    return libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                ("inheritable", ctypes.c_uint32)]


def drop_privileges():
    """No new privileges, an empty bounding set, no capabilities (a no-op for the
    parts an ordinary user does not hold)."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    for capability in range(_LAST_CAPABILITY + 1):
        libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0)
    header = _CapHeader(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3: two data structs
    data = (_CapData * 2)()
    libc.capset(ctypes.byref(header), data)


def _limiter(limits):
    """A preexec function that lowers each named limit (never raises one) and drops
    every privilege."""

    def apply():
        drop_privileges()
        for name, value in limits.items():
            if value is None:
                continue
            which = _RLIMITS[name]
            soft, hard = resource.getrlimit(which)
            new = value if hard == resource.RLIM_INFINITY else min(value, hard)
            try:
                resource.setrlimit(which, (new, new if name != "cpu_seconds" else hard))
            except (ValueError, OSError):
                pass

    return apply


def _process_table():
    """{pid: (ppid, state)} of every process this /proc shows."""
    table = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as handle:
                stat = handle.read().decode("ascii", "replace")
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[-1].split()  # the command name may hold spaces and ')'
        table[int(name)] = (int(fields[1]), fields[0])
    return table


def _descendants(table, root, spared=()):
    """Every descendant of ``root``, leaving out the pids in ``spared`` and theirs."""
    children = {}
    for pid, (ppid, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    found, stack = [], [pid for pid in children.get(root, []) if pid not in spared]
    while stack:
        pid = stack.pop()
        found.append(pid)
        stack.extend(children.get(pid, []))
    return found


def _reap(pids=None):
    """Collect dead children: any (``pids`` None, the supervisor) or only ``pids``."""
    if pids is not None:
        for pid in pids:
            try:
                os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                pass
        return
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _signal(pid, signum):
    try:
        os.kill(pid, signum)
    except (ProcessLookupError, PermissionError):
        pass


def kill_descendants(me, spared=None):
    """Freeze, then kill, every descendant of ``me``; the set of live pids killed.

    SIGSTOP first, repeated until the tree stops growing, so a process that
    forks in a loop cannot outrun the sweep; then SIGKILL to all. Orphans of
    killed processes come back to us (we are their subreaper) and are swept
    in the next round. With ``spared`` (pids whose trees are left alone) only
    the killed pids are reaped, so a caller's other children stay its own.
    """
    killed = set()
    reap = _reap if spared is None else (lambda: _reap(killed))
    spared = set(spared or ())
    for _ in range(200):
        table = _process_table()
        alive = [pid for pid in _descendants(table, me, spared) if table[pid][1] not in "ZX"]
        if not alive:
            break
        for _ in range(20):
            for pid in alive:
                _signal(pid, signal.SIGSTOP)
            table = _process_table()
            more = [pid for pid in _descendants(table, me, spared) if table[pid][1] not in "ZX"]
            if set(more) <= set(alive):
                break
            alive = sorted(set(alive) | set(more))
        for pid in alive:
            _signal(pid, signal.SIGKILL)
        killed.update(alive)
        time.sleep(0.01)
        reap()
    reap()
    return killed


def main(argv=None):
    parser = argparse.ArgumentParser(prog="_supervisor")
    parser.add_argument("--timeout", type=float, required=True)
    parser.add_argument("--status-fd", type=int, required=True)
    parser.add_argument("--limits", default="{}")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    status = os.fdopen(args.status_fd, "w", encoding="utf-8")
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, _request_stop)
    subreaper = _become_subreaper()
    limits = json.loads(args.limits)

    deadline = time.monotonic() + args.timeout
    child = subprocess.Popen(command, start_new_session=True, preexec_fn=_limiter(limits),
                             close_fds=True)
    timed_out = False
    while child.poll() is None:
        if _stop_requested or time.monotonic() >= deadline:
            timed_out = not _stop_requested
            _signal(child.pid, signal.SIGKILL)
            child.wait()
            break
        time.sleep(0.02)
    returncode = child.returncode
    killed = kill_descendants(os.getpid())
    killed.discard(child.pid)
    json.dump({"returncode": returncode, "timed_out": timed_out, "stopped": _stop_requested,
               "left_behind": len(killed), "subreaper": subreaper}, status)
    status.write("\n")
    status.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
