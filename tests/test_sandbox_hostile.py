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
import socket
import tempfile
import time
import uuid

import pytest

from mlscompanion import snippets
from mlscompanion.snippets import sandbox

SECRET = "s3cr3t-value-for-the-test"
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
                               port=self.port)


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
    path.write_text(place.format(source))
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
