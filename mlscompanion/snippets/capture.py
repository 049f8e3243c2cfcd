"""Start a supervised process, read its output up to a cap, and always come back in time.

``run_supervised`` starts ``_supervisor.py`` (directly, or inside
bubblewrap) in a new session, reads stdout and stderr itself with a
selector (never ``communicate()``, whose pipes a grandchild could hold
open for ever), keeps at most ``cap`` bytes of each and counts the rest.
The supervisor ends the snippet at ``timeout`` and kills what it left
behind; if the supervisor itself does not report by ``timeout + 3`` s it is
sent SIGTERM, at ``+ 6`` s its whole session is killed, and reading stops
at most 2 s after it exits. The call returns within ``timeout + 10`` s.
When the supervisor ends without reporting (the snippet killed or stopped
it), the processes it watched have come back to the checker (``guard.py``)
and are killed here, and counted.

Example:

>>> outcome = run_supervised(["python", "-c", "print(1)"], timeout=5, cwd="/tmp", env={})
>>> outcome.stdout, outcome.returncode, outcome.left_behind
(b'1\\n', 0, 0)
"""

import dataclasses
import json
import os
import selectors
import signal
import subprocess
import sys
import time

from mlscompanion.snippets import guard
from mlscompanion.snippets.limits import OUTPUT_CAP

__all__ = ["Outcome", "run_supervised", "supervisor_command", "GRACE"]

SUPERVISOR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_supervisor.py")
TERM_AFTER, KILL_AFTER, DRAIN = 3.0, 6.0, 2.0
GRACE = KILL_AFTER + DRAIN  # the most the call takes beyond `timeout`
_CHUNK = 1 << 16


@dataclasses.dataclass
class Outcome:
    """What happened to one supervised run.

    ``returncode`` is the snippet's (``None`` when it was killed at the time
    limit or never reported); ``left_behind`` counts processes still running
    after it ended, all killed; ``dropped`` counts bytes beyond the cap, per
    stream; ``supervisor_lost`` is set when the supervisor never reported:
    the snippet killed or stopped it, or it had to be killed at the time
    limit (its orphans are then swept and counted in ``left_behind``).
    """

    returncode: int | None
    stdout: bytes
    stderr: bytes
    seconds: float
    timed_out: bool = False
    left_behind: int = 0
    dropped: dict = dataclasses.field(default_factory=dict)
    supervisor_lost: bool = False


def supervisor_command(command, timeout, status_fd, rlimits, executable=None):
    """The command line that runs ``command`` under ``_supervisor.py``, started by
    ``executable`` (default this Python; the supervisor needs only the standard library)."""
    return [executable or sys.executable, "-S", SUPERVISOR, "--timeout", f"{timeout:g}",
            "--status-fd", str(status_fd), "--limits", json.dumps(rlimits), "--", *command]


class _Reader:
    """Reads the pipes it is given, keeps ``cap`` bytes of each, counts the rest."""

    def __init__(self, streams, cap):
        self.selector = selectors.DefaultSelector()
        self.kept = {name: bytearray() for name in streams}
        self.dropped = {name: 0 for name in streams}
        self.cap = cap
        for name, stream in streams.items():
            os.set_blocking(stream.fileno(), False)
            self.selector.register(stream, selectors.EVENT_READ, name)

    @property
    def open(self):
        return bool(self.selector.get_map())

    def poll(self, seconds):
        for key, _ in self.selector.select(timeout=seconds):
            try:
                data = os.read(key.fd, _CHUNK)
            except BlockingIOError:
                continue
            if not data:
                self.selector.unregister(key.fileobj)
                key.fileobj.close()
                continue
            kept = self.kept[key.data]
            room = max(self.cap - len(kept), 0)
            kept += data[:room]
            self.dropped[key.data] += len(data) - min(room, len(data))

    def close(self):
        for key in list(self.selector.get_map().values()):
            self.selector.unregister(key.fileobj)
            key.fileobj.close()
        self.selector.close()


def _signal_session(pid, signum):
    try:
        os.killpg(pid, signum)
    except (ProcessLookupError, PermissionError):
        pass


def run_supervised(command, timeout, cwd, env, cap=OUTPUT_CAP):
    """Run ``command`` (already wrapped by ``supervisor_command``); return an ``Outcome``.

    ``command`` must name the status descriptor with ``{status_fd}``, which
    is filled in here (see ``supervisor_command``).
    """
    status_read, status_write = os.pipe()
    command = [part.replace("{status_fd}", str(status_write)) for part in command]
    start = time.monotonic()

    def supervisor():
        return subprocess.Popen(
            command, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, start_new_session=True, pass_fds=(status_write,))

    try:
        with guard.guarded(), guard.started(supervisor) as process:
            os.close(status_write)
            status_write = None
            reader, status, killed = _follow(process, status_read, timeout, cap, start)
            outcome = _outcome(process, reader, bytes(status.kept["status"]),
                               time.monotonic() - start, killed)
            if outcome.supervisor_lost:
                outcome.left_behind = guard.sweep()
    finally:
        if status_write is not None:
            os.close(status_write)
    return outcome


def _follow(process, status_read, timeout, cap, start):
    """Read the supervised process's streams until it ends (or is killed at the backstop)."""
    reader = _Reader({"stdout": process.stdout, "stderr": process.stderr}, cap)
    status = _Reader({"status": os.fdopen(status_read, "rb")}, 1 << 20)
    signalled = killed = False
    exited_at = None
    try:
        while True:
            now = time.monotonic() - start
            if exited_at is None and process.poll() is not None:
                exited_at = now
            if exited_at is not None and (not reader.open or now > exited_at + DRAIN):
                break
            if exited_at is None and not signalled and now > timeout + TERM_AFTER:
                _signal_session(process.pid, signal.SIGTERM)
                signalled = True
            if exited_at is None and not killed and now > timeout + KILL_AFTER:
                _signal_session(process.pid, signal.SIGKILL)
                killed = True
            if reader.open:
                reader.poll(0.05)
            else:
                time.sleep(0.05)
            if status.open:
                status.poll(0)
        while status.open and time.monotonic() - start < timeout + GRACE:
            status.poll(0.05)
    finally:
        reader.close()
        status.close()
        if process.poll() is None:
            _signal_session(process.pid, signal.SIGKILL)
        process.wait()
    return reader, status, killed


def _outcome(process, reader, status_text, seconds, killed):
    try:
        status = json.loads(status_text.decode("utf-8").strip().splitlines()[-1])
    except (ValueError, IndexError, UnicodeDecodeError):
        status = None
    outcome = Outcome(returncode=None, stdout=bytes(reader.kept["stdout"]),
                      stderr=bytes(reader.kept["stderr"]), seconds=seconds,
                      dropped={k: v for k, v in reader.dropped.items() if v})
    if status is None:  # the supervisor never reported: killed, or the sandbox failed to start
        code = process.returncode
        outcome.supervisor_lost = killed or code < 0 or code > 128  # a signal ended it
        outcome.timed_out = killed
        outcome.returncode = None if outcome.supervisor_lost else code
        return outcome
    outcome.returncode = None if status["timed_out"] else status["returncode"]
    outcome.timed_out = bool(status["timed_out"] or status.get("stopped"))
    outcome.left_behind = int(status["left_behind"])
    return outcome
