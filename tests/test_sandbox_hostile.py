"""A catalogue of hostile snippets, each run with and without bubblewrap.

Every case asserts that the checker returned in time (``--timeout`` + 10 s),
that no process it started survives, that nothing outside the run's folder
changed (except what the ``none`` level documents it cannot stop), that the
run folder is gone, and that the report says what happened. The snippets use
plain Python, not Keras, so each run takes a fraction of a second.

The table in docs/snippet-check.md ("Hostile snippets") lists the same cases.
"""

import dataclasses
import os
import pathlib
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid

import pytest
from markdown_it import MarkdownIt

import mlscompanion
from mlscompanion import snippets
from mlscompanion.snippets import sandbox

SECRET = "s3cr3t-value-for-the-test"
PACKAGE = os.path.dirname(os.path.abspath(mlscompanion.__file__))
LEVELS = [
    pytest.param("bwrap", marks=pytest.mark.skipif(
        sandbox.bwrap_problem() is not None,
        reason=f"bubblewrap unavailable here ({sandbox.bwrap_problem()}); "
               "install it with apt-get install bubblewrap")),
    "none",
]


@dataclasses.dataclass
class Place:
    """The test's world: a fake real HOME, a folder outside the run, a loopback listener."""

    root: pathlib.Path
    home: pathlib.Path
    outside: pathlib.Path
    runs: pathlib.Path
    token: str
    port: int = 0

    def format(self, template):
        return template.format(home=self.home, outside=self.outside, token=self.token,
                               port=self.port, checker=os.getpid(), package=PACKAGE)


@pytest.fixture
def place(tmp_path, monkeypatch):
    home, outside, runs = tmp_path / "home", tmp_path / "outside", tmp_path / "runs"
    for folder in (home, outside, runs):
        folder.mkdir()
    (home / ".secret").write_text("the mentor's secret\n")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("MLSC_TEST_TOKEN", SECRET)
    monkeypatch.setenv("GITHUB_TOKEN", SECRET)
    monkeypatch.setenv("TF_TOKEN_app_example_com", SECRET)
    # Credentials under allowed prefixes: by name, and by a value that is a URL with them.
    for name in ("TF_ENCRYPTION", "XLA_PASSWORD", "JAX_SECRET", "CUDA_API_KEY", "TF_KEY",
                 "TF_AUTH", "NCCL_CREDENTIALS", "TF_PASSWD"):
        monkeypatch.setenv(name, SECRET)
    monkeypatch.setenv("TF_HTTP_ADDRESS", f"https://mentor:{SECRET}@state.example.com/x")
    monkeypatch.setattr(tempfile, "tempdir", str(runs))  # the run folders go here
    monkeypatch.chdir(outside)
    return Place(tmp_path, home, outside, runs, uuid.uuid4().hex)


def _snapshot(root, skip):
    found = {}
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if pathlib.Path(folder, d) != skip]
        for name in dirs + files:
            path = pathlib.Path(folder, name)
            stat = path.lstat()
            found[str(path.relative_to(root))] = (stat.st_size, stat.st_mtime_ns)
    return found


def _processes_with(token):
    found = []
    for name in os.listdir("/proc"):
        if name.isdigit() and int(name) != os.getpid():
            try:
                cmdline = pathlib.Path(f"/proc/{name}/cmdline").read_bytes()
            except OSError:
                continue
            if token.encode() in cmdline:
                found.append(int(name))
    return found


def _run(place, source, level, timeout=5.0, runs=1):
    """Check the snippet; assert the things every hostile case must hold; return the result."""
    path = place.root / f"hostile_{place.token}.py"
    path.write_text(place.format(source) if isinstance(source, str) else source(place))
    before = _snapshot(place.root, place.runs)
    start = time.monotonic()
    result = snippets.check(path, runs=runs, timeout=timeout, sandbox=level)
    elapsed = time.monotonic() - start
    assert elapsed < timeout * runs + 10, f"the check took {elapsed:.1f} s"
    assert _processes_with(place.token) == [], "a process of the snippet survived"
    assert list(place.runs.iterdir()) == [], "a run folder was left behind"
    assert result.sandbox == level and result.sandbox_note.startswith("Sandbox:")
    text = snippets.render(result, "text", width=400)
    assert " ".join(result.sandbox_note.split()) in " ".join(text.split())
    result.changed = {key for key in set(before) | set(_snapshot(place.root, place.runs))
                      if before.get(key) != _snapshot(place.root, place.runs).get(key)}
    result.text = text
    return result


def _stdout(result):
    return result.runs[0].stdout


# ------------------------------------------------------------------ files

WRITES_HOME = """\
import os
with open(os.path.expanduser("~/written_by_snippet.txt"), "w") as handle:
    handle.write("pwned")
print("wrote", os.path.expanduser("~"))
"""


@pytest.mark.parametrize("level", LEVELS)
def test_write_into_home_lands_in_the_run_folder(place, level):
    result = _run(place, WRITES_HOME, level)
    assert result.exit_code == 0 and _stdout(result) == "wrote <run>/home\n"
    assert result.changed == set()


WRITES_OUTSIDE = """\
try:
    with open("{outside}/written_by_snippet.txt", "w") as handle:
        handle.write("pwned")
    print("written")
except OSError as error:
    print("blocked:", type(error).__name__)
"""


@pytest.mark.parametrize("level", LEVELS)
def test_write_outside_the_run_folder(place, level):
    result = _run(place, WRITES_OUTSIDE, level)
    if level == "bwrap":
        assert _stdout(result).startswith("blocked:") and result.changed == set()
    else:  # documented: the none level cannot stop writes by full path
        assert _stdout(result) == "written\n"
        assert result.changed == {"outside", "outside/written_by_snippet.txt"}
        assert "change your files by their full path" in result.sandbox_note


READS_HOME = """\
import os
for path in ["~/.secret", "{home}/.secret"]:
    try:
        print(path[:2], open(os.path.expanduser(path)).read().strip())
    except OSError as error:
        print(path[:2], "blocked:", type(error).__name__)
"""


@pytest.mark.parametrize("level", LEVELS)
def test_read_a_file_in_the_real_home(place, level):
    result = _run(place, READS_HOME, level)
    lines = _stdout(result).splitlines()
    assert lines[0] == "~/ blocked: FileNotFoundError"  # HOME is the run's own at both levels
    if level == "bwrap":
        assert lines[1].endswith("blocked: FileNotFoundError")
    else:  # documented: the none level cannot stop reads by full path
        assert lines[1].endswith("the mentor's secret")
        assert "read and change your files" in result.sandbox_note
    assert result.changed == set()


# ------------------------------------------------------------------ environment

READS_ENV = """\
import os
print(os.environ.get("MLSC_TEST_TOKEN"), os.environ.get("GITHUB_TOKEN"),
      os.environ.get("TF_TOKEN_app_example_com"))
print([name for name, value in os.environ.items() if "s3cr3t" in value])
print(os.environ["HOME"], os.environ["TMPDIR"], os.environ["XLA_PYTHON_CLIENT_PREALLOCATE"],
      os.environ["TF_FORCE_GPU_ALLOW_GROWTH"])
"""


@pytest.mark.parametrize("level", LEVELS)
def test_secrets_in_the_environment_never_reach_the_snippet(place, level):
    result = _run(place, READS_ENV, level)
    assert _stdout(result) == "None None None\n[]\n<run>/home <run>/tmp false true\n"


# ------------------------------------------------------------------ processes

HOLDS_STDOUT = """\
import subprocess, sys
subprocess.Popen([sys.executable, "-c", "import os, time; os.setsid(); time.sleep(300)",
                  "{token}"])
print("started")
"""


@pytest.mark.parametrize("level", LEVELS)
def test_background_process_holding_stdout_is_killed(place, level):
    result = _run(place, HOLDS_STDOUT, level)
    run = result.runs[0]
    assert result.exit_code == 0 and run.stdout == "started\n"
    assert run.left_behind == 1
    assert "Run 1: 1 process(es) left running after the snippet ended, all killed." in result.text


FORKS = """\
import os, time
for _ in range(50):
    if os.fork() == 0:
        time.sleep(300)
        os._exit(0)
print("forked")
"""


@pytest.mark.parametrize("level", LEVELS)
def test_fifty_forked_processes_are_killed(place, level):
    result = _run(place, FORKS, level)
    assert result.exit_code == 0 and _stdout(result) == "forked\n"
    assert result.runs[0].left_behind == 50


LOOPS = """\
while True:
    pass
"""


@pytest.mark.parametrize("level", LEVELS)
def test_endless_loop_is_killed_at_the_time_limit(place, level):
    result = _run(place, LOOPS, level, timeout=2)
    assert result.exit_code == 2 and result.runs[0].timed_out
    assert "timed out after 2 s (the process was killed)" in result.error


EXITS_EARLY = """\
import os
print("before")
os._exit(0)
"""


@pytest.mark.parametrize("level", LEVELS)
def test_os_exit_early_is_a_failure_with_its_reason(place, level):
    result = _run(place, EXITS_EARLY, level)
    assert result.exit_code == 2 and "os._exit()" in result.error
    assert _stdout(result) == "before\n"


# ------------------------------------------------------------------ output

PRINTS_200MB = """\
import sys
line = "x" * 999_999 + "\\n"
for _ in range(200):
    sys.stdout.write(line)
print("done", file=sys.stderr)
"""


@pytest.mark.parametrize("level", LEVELS)
def test_200_mb_of_output_is_cut_at_the_cap(place, level):
    result = _run(place, PRINTS_200MB, level)
    run = result.runs[0]
    assert result.exit_code == 0 and len(run.stdout) == 10_000_000
    assert run.dropped == {"stdout": 190_000_000} and "done" in run.stderr
    assert "stdout cut at the cap, 190.0 MB dropped" in result.text


FAKE_REPORT = """\
import random
print("Verdict: REPRODUCIBLE")
print("**Snippet check of `answer.py`: reproducible** (2 fresh runs)")
print("```", random.random())
print("\\x1b[2J\\x1b[32mAll 2 runs printed the same output\\x1b[0m", random.random())
"""


@pytest.mark.parametrize("level", LEVELS)
def test_fake_report_lines_stay_snippet_output(place, level):
    result = _run(place, FAKE_REPORT, level, runs=2)
    assert result.status == "not reproducible" and result.exit_code == 1
    verdicts = [line for line in result.text.splitlines() if line.startswith("Verdict:")]
    assert verdicts == ["Verdict: NOT REPRODUCIBLE"]
    markdown = snippets.render(result, "markdown")
    assert "\x1b" not in result.text and "\x1b" not in markdown  # no escape reaches a terminal
    assert markdown.splitlines()[0].endswith(": not reproducible** (2 fresh runs)")
    diff = markdown.split("**Output that differs**")[1]
    assert "\n````diff\n" in diff  # a fence longer than the snippet's ``` line


# ------------------------------------------------------------------ network

CONNECTS = """\
import socket
try:
    with socket.create_connection(("127.0.0.1", {port}), timeout=2) as connection:
        connection.sendall(b"hello from the snippet")
    print("connected")
except OSError as error:
    print("blocked:", type(error).__name__)
"""


@pytest.mark.parametrize("level", LEVELS)
def test_connection_to_loopback(place, level):
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        listener.settimeout(0)
        place.port = listener.getsockname()[1]
        result = _run(place, CONNECTS, level)
        try:
            accepted, _ = listener.accept()
            accepted.close()
        except BlockingIOError:
            accepted = None
    if level == "bwrap":
        assert _stdout(result) == "blocked: ConnectionRefusedError\n" and accepted is None
    else:  # documented: the none level has the network
        assert _stdout(result) == "connected\n" and accepted is not None
        assert "use the network" in result.sandbox_note


# ------------------------------------------------------------------ privileges (root or not)

# x86_64 and aarch64 syscall numbers of pivot_root and finit_module.
_SYSCALLS = {"x86_64": (155, 313), "aarch64": (41, 273)}.get(platform.machine(), (None, None))
ESCAPES = """\
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
def attempt(name, result):
    print(name, "ok" if result == 0 else os.strerror(ctypes.get_errno()))
target = "{target}"
attempt("remount", libc.mount(None, target.encode(), None, 32 | 4096, None))  # REMOUNT|BIND
attempt("mount", libc.mount(b"none", b"/tmp", b"tmpfs", 0, None))
pivot_root, finit_module = {pivot_root}, {finit_module}
if pivot_root is not None:
    attempt("pivot_root", libc.syscall(pivot_root, b"/tmp", b"/tmp"))
    attempt("load_module", libc.syscall(finit_module, -1, b"", 0))
open("mine.txt", "w").close()
attempt("chown", libc.chown(b"mine.txt", 4242, 4242))
status = open("/proc/self/status").read()
print("CapEff", status.split("CapEff:")[1].split()[0], "NoNewPrivs",
      status.split("NoNewPrivs:")[1].split()[0])
try:
    with open(os.path.join(target, "marker_{token}"), "w") as handle:
        handle.write("escaped")
    print("marker written")
except OSError as error:
    print("marker blocked", error.errno)
"""


def _escapes(place, target):
    pivot_root, finit_module = _SYSCALLS
    return ESCAPES.format(target=target, token=place.token, pivot_root=pivot_root,
                          finit_module=finit_module)


def _assert_no_escape(lines):
    """Every privileged call failed (EPERM, or EINVAL/ENOSYS where a namespace or the
    kernel refuses first), the remount with EPERM, and no capability was left."""
    attempts = [line for line in lines if line.split()[0] in
                ("remount", "mount", "pivot_root", "load_module", "chown")]
    assert len(attempts) >= 3 and not [line for line in attempts if line.endswith(" ok")]
    assert "remount Operation not permitted" in lines
    assert "CapEff 0000000000000000 NoNewPrivs 1" in lines


@pytest.mark.parametrize("level", LEVELS)
def test_a_snippet_cannot_mount_remount_pivot_load_modules_or_chown(place, level):
    """As the mentor (root in CI): every privileged call fails, no capability is left, and
    in bubblewrap the read-only package cannot be made writable."""
    marker = pathlib.Path(PACKAGE, f"marker_{place.token}")
    try:
        result = _run(place, lambda p: _escapes(p, PACKAGE if level == "bwrap" else p.outside),
                      level)
        lines = _stdout(result).splitlines()
        _assert_no_escape(lines)
        assert not marker.exists()
        if level == "bwrap":
            assert lines[-1] == "marker blocked 30"  # EROFS: still read-only
    finally:
        marker.unlink(missing_ok=True)


def _ordinary_user_problem():
    if sandbox.bwrap_problem() is not None:
        return f"bubblewrap unavailable ({sandbox.bwrap_problem()})"
    if os.geteuid() == 0 and shutil.which("setpriv") is None:
        return "setpriv (util-linux) is needed to start bwrap as an ordinary user"
    if not os.access("/usr/bin/python3", os.X_OK):
        return "/usr/bin/python3 is needed (an interpreter an ordinary user can run)"
    return None


@pytest.mark.skipif(_ordinary_user_problem() is not None, reason=str(_ordinary_user_problem()))
def test_the_same_bubblewrap_holds_for_an_ordinary_user():
    """bwrap started by uid 65534 with the checker's own options: the same calls fail."""
    tmp_path = pathlib.Path(tempfile.mkdtemp(prefix="mlsc-ordinary-", dir="/tmp"))
    try:
        _check_as_ordinary_user(tmp_path)
    finally:
        shutil.rmtree(tmp_path, ignore_errors=True)


def _check_as_ordinary_user(tmp_path):
    run_root = tmp_path / "run"
    (run_root / "work").mkdir(parents=True)
    os.chmod(tmp_path, 0o755)
    target = tmp_path / "readonly"
    target.mkdir()
    script = run_root / "escape.py"
    place = Place(tmp_path, tmp_path, target, tmp_path, uuid.uuid4().hex)
    script.write_text(_escapes(place, target))
    for path in (run_root, run_root / "work", script):
        os.chown(path, 65534, 65534) if os.geteuid() == 0 else None
    args = sandbox.bwrap_command(["/usr/bin/python3", str(script)], str(run_root),
                                 str(run_root / "work"), str(script), PACKAGE,
                                 {"PYTHONPATH": "", "LD_LIBRARY_PATH": ""})
    args[-3:-2] = ["--ro-bind", str(target), str(target), "--"]
    args = _reachable_binds(args)
    assert args[1:4] == ["--unshare-all", "--cap-drop", "ALL"]
    if os.geteuid() == 0:
        args = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *args]
    done = subprocess.run(args, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    _assert_no_escape(lines)
    assert lines[-1].startswith("marker blocked")
    assert not (target / f"marker_{place.token}").exists()


def _reachable_binds(args):
    """``args`` without the read-only binds an ordinary user cannot reach (this checker's
    Python may live under /root; the test runs the system's /usr/bin/python3)."""
    kept, index = [], 0
    while index < len(args):
        if args[index] == "--ro-bind" and not _reachable(args[index + 1]):
            index += 3
            continue
        kept.append(args[index])
        index += 1
    return kept


def _reachable(path):
    return all(os.stat(folder).st_mode & 0o001 for folder in pathlib.Path(path).parents)


# ------------------------------------------------------------------ the report channel

TAMPERS = {
    "fifo": "os.remove(report), os.mkfifo(report)",
    "link to /dev/zero": "os.remove(report), os.symlink('/dev/zero', report)",
    "huge": "open(report, 'wb').write(b' ' * 40_000_000)",
    "removed": "os.remove(report)",
    "garbled": "open(report, 'w').write('{{not json')",
    "forged shape": "open(report, 'w').write('{{\"models\": [{{\"index\": \"1; rm -rf\"}}]}}')",
}
TAMPER = """\
import atexit, os
report = os.path.join(os.path.dirname(os.getcwd()), "report.json")
atexit.register(lambda: ({tamper}))  # after the check's bootstrap wrote the report
print("tampering")
"""


@pytest.mark.parametrize("how", sorted(TAMPERS))
@pytest.mark.parametrize("level", LEVELS)
def test_a_tampered_report_fails_the_run_and_never_hangs_the_checker(place, level, how):
    result = _run(place, TAMPER.replace("{tamper}", TAMPERS[how]), level)
    assert result.exit_code == 2 and result.status == "failed"
    assert "the snippet tampered with its report" in result.error
    assert _stdout(result) == "tampering\n"


# ------------------------------------------------------------------ the checker's secrets

READS_CHECKER = """\
import os
found, blocked = [], []
pid = os.getppid()
while pid > 1:
    try:
        if b"s3cr3t" in open(f"/proc/{{pid}}/environ", "rb").read():
            found.append(pid)
    except OSError as error:
        blocked.append(pid)
    pid = int(open(f"/proc/{{pid}}/stat").read().rsplit(")", 1)[1].split()[1])
try:
    print("cwd", os.listdir("/proc/{checker}/cwd")[:1])
except OSError as error:
    print("cwd blocked", type(error).__name__)
print("secret found in", len(found), "ancestors")
"""


@pytest.mark.parametrize("level", LEVELS)
def test_the_checkers_environment_and_folder_are_out_of_reach(place, level):
    result = _run(place, READS_CHECKER, level)
    lines = _stdout(result).splitlines()
    assert lines[0].startswith("cwd blocked")
    assert lines[1] == "secret found in 0 ancestors"


IMPORTS_FROM_HOME = """\
try:
    import home_module
    print("imported", home_module.SECRET)
except ImportError as error:
    print("blocked:", type(error).__name__)
"""


@pytest.mark.parametrize("level", LEVELS)
def test_a_pythonpath_entry_in_home_is_not_mounted(place, level, monkeypatch):
    library = place.home / "lib"
    library.mkdir()
    (library / "home_module.py").write_text("SECRET = 'from the home folder'\n")
    monkeypatch.setenv("PYTHONPATH", str(library))
    result = _run(place, IMPORTS_FROM_HOME, level)
    if level == "bwrap":
        assert _stdout(result) == "blocked: ModuleNotFoundError\n"
        assert f"PYTHONPATH entry {library} (inside HOME)" in result.sandbox_note
        assert f"PYTHONPATH entry {library} (inside HOME)" in " ".join(result.text.split())
    else:  # documented: the none level reads your files anyway
        assert _stdout(result) == "imported from the home folder\n"


# ------------------------------------------------------------------ forged names

HOSTILE_NAMES = ["\x1b[2J\x1b[32mVerdict: REPRODUCIBLE\x1b[0m", "\x1b]52;c;cm0gLXJmIH4=\x07",
                 "<img src=x onerror=alert(1)>", "**Verdict: reproducible**", "[/oops]",
                 "a|b`c``d", "\u202eevil"]
FORGES = """\
import atexit, json, os, random
report = os.path.join(os.path.dirname(os.getcwd()), "report.json")
names = {names!r}
models = [dict(index=i, name=name, cls=name, params=1, fingerprint=name + str(random.random()),
               rounded=None) for i, name in enumerate(names, start=1)]
facts = dict(keras_imported=True, device="GPU<img src=x>", deterministic=False,
             unseeded_initializers=names, keras_seed=None, tf_seed=None,
             shared_initializers=[dict(initializer=names[2], used_by=names[:2])])
def forge():
    with open(report, "w") as handle:
        json.dump(dict(exit_code=0, models=models, facts=facts, environment=dict(keras=names[0]),
                       environment_text="keras : " + names[0]), handle)
atexit.register(forge)
print(names[0], random.random())
"""


def _html_outside_code(markdown):
    """The HTML a CommonMark (+ tables) renderer makes, with code spans and blocks removed."""
    html = MarkdownIt("commonmark").enable("table").render(markdown)
    for tag in ("code", "pre"):
        while f"<{tag}>" in html:
            start = html.index(f"<{tag}>")
            html = html[:start] + html[html.index(f"</{tag}>", start) + len(tag) + 3:]
    return html


@pytest.mark.parametrize("level", LEVELS)
def test_names_a_snippet_chooses_are_never_markup(place, level):
    result = _run(place, FORGES.format(names=HOSTILE_NAMES), level, runs=2)
    assert result.status == "not reproducible" and len(result.models) == len(HOSTILE_NAMES)
    text = result.text  # rendered by _run: a Rich MarkupError would have raised there
    assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text
    assert "\\x1b[2J" in text and "[/oops]" in text
    assert [line for line in text.splitlines() if line.startswith("Verdict:")] == [
        "Verdict: NOT REPRODUCIBLE"]
    for markdown in (snippets.render(result, "markdown"), snippets.render_reprex(result)):
        html = _html_outside_code(markdown)
        assert "<img" not in html and "onerror" not in html.replace("onerror=alert", "")
        assert "Verdict" not in html and "\x1b" not in markdown and "<a " not in html


# ------------------------------------------------------------------ processes and time

KILLS_SUPERVISOR = """\
import os, signal, subprocess, sys, time
subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)", "{token}"])
print("stopping the supervisor", flush=True)
os.kill(os.getppid(), signal.{signal})
time.sleep(300)
"""


@pytest.mark.parametrize("how", ["SIGKILL", "SIGSTOP"])
@pytest.mark.parametrize("level", LEVELS)
def test_killing_or_stopping_the_supervisor_leaves_nothing_running(place, level, how):
    result = _run(place, KILLS_SUPERVISOR.replace("{signal}", how), level, timeout=3)
    assert result.exit_code == 2 and "supervisor" in result.error
    assert _stdout(result) == "stopping the supervisor\n"
    if level == "none":  # the orphans came back to the checker and were counted
        assert result.runs[0].left_behind == 2
        assert "2 process(es) it had started were found and killed" in result.error


SLEEPS = """\
import time
time.sleep(5)
print("slept")
"""


@pytest.mark.parametrize("level", LEVELS)
def test_the_timeout_bounds_the_whole_check_not_each_wave(place, level):
    start = time.monotonic()
    result = snippets.check(_write(place, SLEEPS), runs=4, timeout=7, sandbox=level)
    assert time.monotonic() - start < 7 + 10
    assert result.exit_code == 2 and len(result.runs) <= 4
    assert "time limit" in result.error or "timed out" in result.error
    assert _processes_with(place.token) == []


def _write(place, source):
    path = place.root / f"hostile_{place.token}.py"
    path.write_text(source)
    return path


LIMITS = """\
import resource
for name in ("AS", "NPROC", "FSIZE", "CPU", "CORE"):
    print(name, resource.getrlimit(getattr(resource, "RLIMIT_" + name))[0])
"""


@pytest.mark.parametrize("level", LEVELS)
def test_each_resource_limit_takes_effect_in_the_snippet(place, level, monkeypatch):
    from mlscompanion.snippets import limits

    chosen = limits.Limits(memory=9 * limits.GIB, processes=4321, file_size=12345,
                           cpu_seconds=77)
    monkeypatch.setattr(limits.Limits, "for_run", classmethod(lambda cls, *a, **k: chosen))
    result = _run(place, LIMITS, level)
    assert _stdout(result).splitlines() == [
        f"AS {9 * limits.GIB}", "NPROC 4321", "FSIZE 12345", "CPU 77", "CORE 0"]
