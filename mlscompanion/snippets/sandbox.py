"""Where a snippet runs: inside bubblewrap, or as a plain process with limits.

Two levels:

- ``bwrap``: bubblewrap (``apt-get install bubblewrap``) gives the run a
  read-only view of only what Python, the installed packages and the
  snippet need, one writable folder (the run's), an empty ``/tmp``, no
  network, a PID namespace that dies with the checker, and no capabilities
  (``--cap-drop ALL``: started by root, bwrap would otherwise leave the
  snippet every capability in its namespace, enough to remount the
  read-only views read-write). When the checker is root, the snippet also
  runs as uid 65534 inside a user namespace where bwrap allows it.
- ``none``: a plain process; HOME and TMPDIR in the run's folder, the
  environment cleared (``childenv.py``), no capabilities and no new
  privileges, resource limits (``limits.py``), the checker hidden from it
  (``guard.py``), and every process it starts killed at the end
  (``_supervisor.py``, and ``guard.py`` when the snippet kills its supervisor).

``auto`` (the default) takes ``bwrap`` when it works here and otherwise
falls back to ``none``, saying so in the report's first line and on stderr.

Only the system's folders, the Python prefix and the package are mounted:
``PYTHONPATH`` and ``LD_LIBRARY_PATH`` entries inside HOME or the current
folder are left out (``left_out_paths``), and the report says which.

Example:

>>> sandbox = choose("auto")
>>> sandbox.level, sandbox.note[:19]
('bwrap', 'Sandbox: bubblewrap')
"""

import dataclasses
import functools
import glob
import os
import shutil
import subprocess

from mlscompanion.snippets import interpreter as interpreters

__all__ = ["Sandbox", "choose", "bwrap_problem", "left_out_paths", "MODES", "BWRAP", "NONE"]

BWRAP, NONE, AUTO = "bwrap", "none", "auto"
MODES = (AUTO, BWRAP, NONE)

BWRAP_NOTE = (
    "Sandbox: bubblewrap. Only the run's own folder is writable; your HOME, the rest "
    "of /tmp and the network are out of reach; the run has its own PID namespace, no "
    "capabilities, a cleared environment and resource limits. Not covered: a flaw in "
    "the kernel or in bubblewrap; the snippet can read the system, Python and the "
    "installed packages, and use CPU and memory up to the limits.")
NONE_NOTE = (
    "Sandbox: none{why}. HOME and TMPDIR are in the run's folder, the environment is "
    "cleared, capabilities are dropped, resource limits apply, the checker's own "
    "environment and folder are hidden, and every process the snippet starts is killed "
    "at the end. Not covered: the snippet runs as you, so it can read and change your "
    "files by their full path, use the network, signal your processes and read the "
    "environment of your other processes (your shell's included){hint}.")
_HINT = "; install bubblewrap (apt-get install bubblewrap) for isolation"
NOBODY = 65534  # the uid and gid a root checker's snippet gets inside bubblewrap
# Variables whose folders would be mounted into the sandbox; entries inside HOME or the
# current folder are left out (they would expose the mentor's files).
PATH_VARIABLES = ("PYTHONPATH", "LD_LIBRARY_PATH")

# Read-only files of /etc that Python and the libraries read; the rest of /etc stays hidden.
_ETC = ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime",
        "/etc/nsswitch.conf", "/etc/passwd", "/etc/group", "/etc/hosts", "/etc/alternatives",
        "/etc/mime.types", "/etc/ssl/certs", "/etc/fonts")
_TOP_LEVEL = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
_GPU_DEVICES = ("/dev/nvidia*", "/dev/nvidia-caps/*", "/dev/dri/*", "/dev/kfd")


@dataclasses.dataclass(frozen=True)
class Sandbox:
    """The chosen level (``"bwrap"`` or ``"none"``) and the report's one-line note.

    ``fallback`` is set when ``auto`` had to take ``none``; ``left_out`` holds
    the ``(variable, path, why)`` entries not mounted into bubblewrap.
    """

    level: str
    note: str
    fallback: bool = False
    left_out: tuple = ()

    @property
    def left_out_paths(self):
        return tuple(path for _, path, _ in self.left_out)


@functools.lru_cache(maxsize=None)
def bwrap_problem():
    """None when bubblewrap works here, else why not (in words)."""
    path = shutil.which("bwrap")
    if path is None:
        return "bwrap is not installed"
    probe = [path, *_identity(path), "--die-with-parent", "--ro-bind", "/", "/",
             "--proc", "/proc", "--dev", "/dev", "true"]
    try:
        done = subprocess.run(probe, stdin=subprocess.DEVNULL, capture_output=True,
                              timeout=20, text=True, errors="replace")
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"bwrap could not start ({error})"
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or ["no message"])[-1]
        return f"bwrap cannot create namespaces here ({reason})"
    return None


@functools.lru_cache(maxsize=None)
def _identity(path):
    """bwrap's namespace and identity options: every capability dropped, and for a
    root checker a user namespace where the snippet is uid 65534, where that works."""
    options = ["--unshare-all", "--cap-drop", "ALL"]
    if os.geteuid() != 0:
        return tuple(options)
    as_nobody = ["--unshare-user", "--uid", str(NOBODY), "--gid", str(NOBODY)]
    probe = [path, *options, *as_nobody, "--ro-bind", "/", "/", "true"]
    try:
        done = subprocess.run(probe, stdin=subprocess.DEVNULL, capture_output=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return tuple(options)
    return tuple(options + as_nobody) if done.returncode == 0 else tuple(options)


def _inside(path, folder):
    folder = os.path.realpath(folder)
    if folder == os.sep:  # HOME or the current folder at / would leave nothing out
        return False
    return os.path.realpath(path) == folder or os.path.realpath(path).startswith(folder + os.sep)


def left_out_paths(environ=None, cwd=None):
    """``(variable, path, why)`` for the ``PYTHONPATH``/``LD_LIBRARY_PATH`` entries
    inside HOME or the current folder: bubblewrap does not mount them."""
    environ = os.environ if environ is None else environ
    home = environ.get("HOME") or os.path.expanduser("~")
    cwd = os.getcwd() if cwd is None else cwd
    left = []
    for name in PATH_VARIABLES:
        for entry in environ.get(name, "").split(os.pathsep):
            if not entry:
                continue
            for folder, why in ((home, "inside HOME"), (cwd, "inside the current folder")):
                if _inside(os.path.abspath(entry), folder):
                    left.append((name, entry, why))
                    break
    return tuple(left)


def _left_out_note(left_out):
    if not left_out:
        return ""
    listed = "; ".join(f"{name} entry {path} ({why})" for name, path, why in left_out)
    return f" Not mounted, to keep your files out of reach: {listed}."


def choose(mode=AUTO):
    """The ``Sandbox`` for ``mode`` ("auto", "bwrap" or "none").

    Raises ``ValueError`` for an unknown mode, or for "bwrap" where it does not work.
    """
    if mode not in MODES:
        raise ValueError(f"`sandbox` must be one of {', '.join(MODES)}. Received: sandbox={mode!r}")
    if mode == NONE:
        return Sandbox(NONE, NONE_NOTE.format(why=" (asked for)", hint=_HINT))
    problem = bwrap_problem()
    if problem is None:
        left_out = left_out_paths()
        return Sandbox(BWRAP, BWRAP_NOTE + _left_out_note(left_out), left_out=left_out)
    if mode == BWRAP:
        raise ValueError(f"`sandbox` is 'bwrap' but {problem}: install bubblewrap "
                         "(apt-get install bubblewrap) or use sandbox='auto'. "
                         "Received: sandbox='bwrap'")
    return Sandbox(NONE, NONE_NOTE.format(why=f" (bubblewrap is not available: {problem})",
                                          hint=_HINT), fallback=True)


def gpu_device_files():
    """The accelerator device files here (``/dev/nvidia0``, ``/dev/kfd``, ...)."""
    return sorted({path for pattern in _GPU_DEVICES for path in glob.glob(pattern)})


def _python_paths(package_root, env, left_out=(), interpreter=None):
    """Folders Python and the installed packages need, read-only (no cwd, no HOME at large).

    ``interpreter`` (an ``interpreter.Interpreter``; default this one) gives the
    prefixes and ``sys.path``; of ``package_root`` only the ``mlscompanion``
    package itself is mounted.
    """
    interpreter = interpreter or interpreters.current()
    paths = [*interpreter.prefixes, os.path.join(package_root, "mlscompanion")]
    prefixes = tuple(os.path.realpath(p) + os.sep for p in interpreter.prefixes)
    for entry in interpreter.path:
        if not entry or not os.path.isabs(entry):
            continue
        real = os.path.realpath(entry)
        if (real.startswith(prefixes) or os.path.basename(real) in ("site-packages", "dist-packages")
                or real.endswith((".zip", ".egg"))):
            paths.append(entry)
    for name in ("PYTHONPATH", "LD_LIBRARY_PATH"):
        paths += [p for p in env.get(name, "").split(os.pathsep)
                  if os.path.isabs(p) and p not in left_out and p != package_root]
    for folder in (os.path.realpath(interpreter.executable), os.path.abspath(interpreter.executable)):
        if os.path.dirname(folder) not in paths:  # a venv's bin/python links elsewhere
            paths.append(os.path.dirname(folder))
    return paths


def _bind(option, path):
    """``[option, real, path]`` for an existing path (also at its real location)."""
    if not os.path.exists(path):
        return []
    real = os.path.realpath(path)
    args = [option, real, real]
    if real != os.path.abspath(path):
        args += [option, real, os.path.abspath(path)]
    return args


def bwrap_command(command, run_root, workdir, snippet, package_root, env, left_out=(),
                  interpreter=None):
    """``command`` wrapped in bubblewrap for a run in ``run_root``.

    The order matters: the empty ``/tmp`` comes first, then the folders
    bound into it (the run's folder, the snippet file, a venv under /tmp).
    ``left_out`` are paths of ``env``'s ``PYTHONPATH``/``LD_LIBRARY_PATH`` not to mount;
    ``interpreter`` the Python that runs the snippet (default this one).
    """
    path = shutil.which("bwrap")
    args = [path, *_identity(path), "--die-with-parent", "--new-session",
            "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp",
            "--ro-bind", "/usr", "/usr"]
    for top in _TOP_LEVEL:
        if os.path.islink(top):
            args += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            args += ["--ro-bind", top, top]
    for path in _ETC:
        args += ["--ro-bind-try", path, path]
    args += ["--ro-bind-try", "/sys", "/sys"]
    for device in gpu_device_files():
        args += ["--dev-bind", device, device]
    seen = set()
    for folder in _python_paths(package_root, env, left_out, interpreter):
        real = os.path.realpath(folder)
        if real in seen or real.startswith("/usr/"):
            continue
        seen.add(real)
        args += _bind("--ro-bind", folder)
    args += ["--bind", run_root, run_root]
    args += _bind("--ro-bind", snippet)
    args += ["--chdir", workdir, "--"]
    return args + list(command)
