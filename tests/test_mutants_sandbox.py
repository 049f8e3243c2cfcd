"""The snippet sandbox's parts, each on its own and in this process where it can be.

Pure parts (the bubblewrap command line, the paths left out, the child's
environment, the limits, the escapes, the report reading) are called
directly. The parts that change the process they run in (the supervisor's
privileges, limits and subreaper, the checker's guard) run in a child forked
from the test (``in_child``), never in the test process itself; they start
only ``sh`` and ``sleep``, so these tests take milliseconds and stay part of
the mutation runs (``small_processes``; docs/testing.md).
"""

import json
import os
import pickle
import resource
import signal
import stat
import sys
import time
import types

import pytest

from mlscompanion.snippets import (_supervisor, capture, childenv, escape, guard, limits,
                                   runner, sandbox)

GIB = 1024**3
CHILD_LIMIT = 60  # seconds a forked child may take (each takes well under one)
small_processes = pytest.mark.small_processes


def _mutmut_hits():
    """The functions mutmut saw called in this process (empty outside mutation runs)."""
    state = sys.modules.get("mutmut.state")
    return set(state.state()._stats) if state is not None else set()


def in_child(function, *args):
    """``function(*args)`` in a forked child; its result, or its exception as AssertionError.

    The child also sends back which mutated functions it called, so that a
    mutation run knows these tests reach them.
    """
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover (the child)
        code = 0
        signal.alarm(CHILD_LIMIT)  # a child that hangs (a mutant) ends on its own
        try:
            os.close(read)
            try:
                result = ("ok", function(*args))
            except BaseException as error:  # noqa: BLE001 (reported to the parent)
                result = ("error", f"{type(error).__name__}: {error}")
            with os.fdopen(write, "wb") as out:
                pickle.dump((result, _mutmut_hits()), out)
        except BaseException:  # noqa: BLE001
            code = 1
        os._exit(code)
    os.close(write)
    with os.fdopen(read, "rb") as handle:
        try:  # one message: processes the child left (a mutant's) may hold the pipe open
            (kind, value), hits = pickle.load(handle)
        except EOFError:
            (kind, value), hits = ("error", "the child ended without a result"), set()
    os.waitpid(pid, 0)
    state = sys.modules.get("mutmut.state")
    if state is not None:
        state.state()._stats.update(hits)
    if kind == "error":
        raise AssertionError(f"in the child: {value}")
    return value


def _status_field(name, pid="self"):
    with open(f"/proc/{pid}/status") as handle:
        for line in handle:
            if line.startswith(name + ":"):
                return line.split()[1]
    raise KeyError(name)


def _alive(pid):
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            state = handle.read().rsplit(b")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in (b"Z", b"X")


# --- escape.py -------------------------------------------------------------------------------

def test_safe_shows_every_control_character_and_keeps_tabs_newlines_and_text():
    assert escape.safe("a\x00b\x08\tc\nd\x0b\x1f\x7f\x80\x9f\xa0é") == (
        "a\\x00b\\x08\tc\nd\\x0b\\x1f\\x7f\\x80\\x9f\xa0é")
    bidi = "\u200e\u200f\u202a\u202e\u2066\u2069"
    assert escape.safe(bidi) == "\\u200e\\u200f\\u202a\\u202e\\u2066\\u2069"
    harmless = "\u200d\u2029\u202f\u2065\u206a"
    assert escape.safe(harmless) == harmless
    assert escape.safe(12) == "12" and escape.safe("\x1b[2J") == "\\x1b[2J"


def test_code_span_outruns_backticks_pads_when_needed_and_stays_on_one_line():
    assert escape.code_span("a") == "`a`"
    assert escape.code_span("a `b` c") == "``a `b` c``"
    assert escape.code_span("x``y") == "```x``y```"
    assert escape.code_span("`a") == "`` `a ``" and escape.code_span("a`") == "`` a` ``"
    assert escape.code_span("  ") == "`    `" and escape.code_span("") == "`  `"
    assert escape.code_span("a\nb\rc") == "`a b\\x0dc`"  # \r is a control: shown
    assert escape.code_span("\x1b") == "`\\x1b`"
    assert escape.cell("a|b") == "`a\\|b`" and escape.cell("a") == "`a`"


def test_markdown_text_escapes_every_inline_mark_and_nothing_else():
    assert escape.markdown_text("\\`*_[]<>&!|~") == "\\\\\\`\\*\\_\\[\\]\\<\\>\\&\\!\\|\\~"
    assert escape.markdown_text("# 1. a-b (c) {d}") == "# 1. a-b (c) {d}"
    assert escape.markdown_text("a\nb") == "a b"
    assert escape.markdown_text("\x1b") == "\\\\x1b"


# --- childenv.py -----------------------------------------------------------------------------

ALLOWED_NAMES = (
    "PATH", "LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "LC_NUMERIC", "TZ", "TERM",
    "LD_LIBRARY_PATH", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS",
    "KERAS_BACKEND", "CUBLAS_WORKSPACE_CONFIG", "NVIDIA_VISIBLE_DEVICES",
    "NVIDIA_DRIVER_CAPABILITIES", "HIP_VISIBLE_DEVICES", "ROCR_VISIBLE_DEVICES",
    "PYTORCH_CUDA_ALLOC_CONF", "PYTORCH_ENABLE_MPS_FALLBACK",
    "TF_X", "XLA_X", "JAX_X", "CUDA_X", "CUDNN_X", "NCCL_X")
DENIED_NAMES = (
    "TF_X_TOKEN", "TF_SECRET", "XLA_PASSWORD", "JAX_PASSWD", "CUDA_CREDENTIALS", "NCCL_API_KEY",
    "TF_KEY", "TF_AUTH", "TF_ENCRYPTION", "TF_VAR_x", "TF_token", "USER", "LD_PRELOAD",
    "PYTHONSTARTUP", "XTF_X", "tf_x", "PATH2", "SSH_AUTH_SOCK")


def test_allowlist_lets_exactly_the_listed_names_through():
    source = {name: "1" for name in ALLOWED_NAMES + DENIED_NAMES}
    env = childenv.child_environment("/run", "/pkg", source=source)
    for name in ALLOWED_NAMES:
        assert env.get(name) == "1", name
    for name in DENIED_NAMES:
        assert name not in env, name


def test_values_that_are_urls_with_credentials_are_dropped_whatever_the_name():
    values = {"TF_A": "https://user:pw@host/x", "TF_B": "git+ssh://u@h", "TF_C": "s3.x-y://u@h",
              "TF_D": "text https://u:p@h", "TF_E": "https://host/path@x", "TF_F": "a@b",
              "TF_G": "https://u v@h", "TF_H": "https://@h"}
    env = childenv.child_environment("/run", "/pkg", source=values)
    assert {name for name in values if name in env} == {"TF_E", "TF_F", "TF_G", "TF_H"}


def test_child_environment_is_exactly_the_allowed_the_defaults_and_the_runs_own():
    source = {"PATH": "/bin", "PYTHONPATH": "/a::/home/x/lib:/b", "LD_LIBRARY_PATH": "/l:/home/x/l",
              "TF_CPP_MIN_LOG_LEVEL": "0", "HOME": "/home/x", "PYTHONHASHSEED": "0"}
    env = childenv.child_environment("/run", "/pkg", source=source,
                                     left_out=("/home/x/lib", "/home/x/l"))
    assert env == {
        "PATH": "/bin", "LD_LIBRARY_PATH": "/l", "TF_CPP_MIN_LOG_LEVEL": "0",
        "XLA_PYTHON_CLIENT_PREALLOCATE": "false", "TF_FORCE_GPU_ALLOW_GROWTH": "true",
        "PYTHONHASHSEED": "random", "MPLBACKEND": "Agg", "PYTHONIOENCODING": "utf-8",
        "PYTHONUNBUFFERED": "1", "PYTHONDONTWRITEBYTECODE": "1",
        "HOME": os.path.join("/run", "home"), "TMPDIR": os.path.join("/run", "tmp"),
        "PYTHONPATH": "/pkg:/a:/b"}
    bare = childenv.child_environment("/run", "/pkg", source={})
    assert bare["PATH"] == os.defpath and bare["PYTHONPATH"] == "/pkg"
    assert bare["TF_CPP_MIN_LOG_LEVEL"] == "3" and "LD_LIBRARY_PATH" not in bare


def test_child_environment_reads_this_process_environment_by_default(monkeypatch):
    monkeypatch.setenv("TF_MARKER_FOR_TEST", "on")
    monkeypatch.setenv("GITHUB_TOKEN", "t")
    env = childenv.child_environment("/run", "/pkg")
    assert env["TF_MARKER_FOR_TEST"] == "on" and "GITHUB_TOKEN" not in env


# --- limits.py -------------------------------------------------------------------------------

def test_limits_for_run_follow_memory_cores_and_the_users_processes(monkeypatch):
    monkeypatch.setattr(limits, "_user_processes", lambda: 7)
    monkeypatch.setattr(limits.os, "cpu_count", lambda: 4)
    monkeypatch.setattr(limits, "_physical_memory", lambda: 16 * GIB)
    run = limits.Limits.for_run(2.5)
    assert (run.memory, run.processes, run.file_size, run.cpu_seconds, run.output) == (
        16 * GIB, 263, GIB, 22, 10 * 1000 * 1000)
    monkeypatch.setattr(limits, "_physical_memory", lambda: 4 * GIB)
    assert limits.Limits.for_run(1).memory == 8 * GIB
    monkeypatch.setattr(limits, "_physical_memory", lambda: None)
    monkeypatch.setattr(limits.os, "cpu_count", lambda: None)
    run = limits.Limits.for_run(3)
    assert run.memory == 8 * GIB and run.cpu_seconds == 13
    assert limits.Limits.for_run(3, gpu=True).memory is None


def test_physical_memory_is_pages_times_page_size_or_none(monkeypatch):
    sizes = {"SC_PAGE_SIZE": 4096, "SC_PHYS_PAGES": 1000}
    monkeypatch.setattr(limits.os, "sysconf", lambda name: sizes[name])
    assert limits._physical_memory() == 4096 * 1000
    for error in (ValueError, OSError, AttributeError):
        def fail(name, error=error):
            raise error(name)
        monkeypatch.setattr(limits.os, "sysconf", fail)
        assert limits._physical_memory() is None


def test_user_processes_counts_this_users_pids_only(monkeypatch):
    owners = {"1": 0, "20": 5, "21": 5, "22": 6, "24": 5}

    def fake_stat(path):
        name = path.rsplit("/", 1)[1]
        if name == "23":
            raise OSError("gone")
        return types.SimpleNamespace(st_uid=owners[name])

    monkeypatch.setattr(limits.os, "getuid", lambda: 5)
    def fake_listdir(path):
        assert path == "/proc"
        return ["1", "20", "self", "21", "22", "23", "24"]

    monkeypatch.setattr(limits.os, "listdir", fake_listdir)
    monkeypatch.setattr(limits.os, "stat", fake_stat)
    assert limits._user_processes() == 3


def test_limits_rlimits_and_describe():
    run = limits.Limits(memory=int(1.5 * GIB), processes=9, file_size=GIB // 2, cpu_seconds=7,
                        output=2_500_000)
    assert run.rlimits() == {"memory": int(1.5 * GIB), "processes": 9, "file_size": GIB // 2,
                             "cpu_seconds": 7, "core": 0}
    assert run.describe() == ("address space 1.5 GiB, 0.5 GiB a file, 7 s of CPU a process, "
                              "2.5 MB of output a stream")
    bare = limits.Limits(memory=None, processes=None, file_size=None, cpu_seconds=None)
    assert bare.describe() == "no memory limit (a GPU is visible), 10 MB of output a stream"


# --- sandbox.py ------------------------------------------------------------------------------

def test_inside_compares_real_paths_by_whole_components(tmp_path):
    (tmp_path / "home" / "lib").mkdir(parents=True)
    (tmp_path / "homework").mkdir()
    os.symlink(tmp_path / "home" / "lib", tmp_path / "link")
    home = str(tmp_path / "home")
    assert sandbox._inside(home, home) and sandbox._inside(home + "/lib", home)
    assert sandbox._inside(str(tmp_path / "link"), home)  # a link into HOME is inside it
    assert not sandbox._inside(str(tmp_path / "homework"), home)
    assert not sandbox._inside(str(tmp_path), home)
    assert not sandbox._inside("/usr/lib", "/")  # HOME at / leaves nothing out
    assert sandbox._inside(home + "/lib", str(tmp_path / "link") + "/..")


def test_left_out_paths_name_the_variable_the_entry_and_why(tmp_path, monkeypatch):
    home, cwd = tmp_path / "home", tmp_path / "project"
    environ = {"HOME": str(home),
               "PYTHONPATH": f"{home}/lib::/opt/lib:{cwd}/src:{home}",
               "LD_LIBRARY_PATH": f"{cwd}/native:/usr/lib"}
    assert sandbox.left_out_paths(environ, cwd=str(cwd)) == (
        ("PYTHONPATH", f"{home}/lib", "inside HOME"),
        ("PYTHONPATH", f"{cwd}/src", "inside the current folder"),
        ("PYTHONPATH", str(home), "inside HOME"),
        ("LD_LIBRARY_PATH", f"{cwd}/native", "inside the current folder"))
    # An entry inside both is named once, as inside HOME; relative entries are resolved
    # against the current folder of this process.
    monkeypatch.chdir(tmp_path)
    inner = {"HOME": str(tmp_path), "PYTHONPATH": "rel"}
    assert sandbox.left_out_paths(inner, cwd=str(tmp_path)) == (("PYTHONPATH", "rel", "inside HOME"),)
    assert sandbox.left_out_paths({"HOME": str(home)}, cwd=str(cwd)) == ()
    # Defaults: this process's environment and folder, and ~ when HOME is empty.
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("PYTHONPATH", f"{home}/x:{tmp_path}/y")
    monkeypatch.delenv("LD_LIBRARY_PATH", raising=False)
    assert sandbox.left_out_paths() == (("PYTHONPATH", f"{home}/x", "inside HOME"),
                                        ("PYTHONPATH", f"{tmp_path}/y", "inside the current folder"))
    expanded = os.path.expanduser("~")
    empty_home = {"HOME": "", "PYTHONPATH": os.path.join(expanded, "lib")}
    if expanded != os.sep:
        assert sandbox.left_out_paths(empty_home, cwd="/nowhere")[0][2] == "inside HOME"


def test_choose_names_each_level_and_what_was_left_out(monkeypatch):
    monkeypatch.setattr(sandbox, "bwrap_problem", lambda: None)
    left = (("PYTHONPATH", "/h/lib", "inside HOME"), ("LD_LIBRARY_PATH", "/p/n", "inside the current folder"))
    monkeypatch.setattr(sandbox, "left_out_paths", lambda: left)
    chosen = sandbox.choose("auto")
    assert chosen == sandbox.Sandbox(
        "bwrap", sandbox.BWRAP_NOTE + " Not mounted, to keep your files out of reach: PYTHONPATH "
        "entry /h/lib (inside HOME); LD_LIBRARY_PATH entry /p/n (inside the current folder).",
        fallback=False, left_out=left)
    assert chosen.left_out_paths == ("/h/lib", "/p/n") and sandbox.choose("bwrap").level == "bwrap"
    monkeypatch.setattr(sandbox, "left_out_paths", lambda: ())
    assert sandbox.choose().note == sandbox.BWRAP_NOTE
    none = sandbox.choose("none")
    assert none == sandbox.Sandbox("none", sandbox.NONE_NOTE.format(
        why=" (asked for)", hint="; install bubblewrap (apt-get install bubblewrap) for isolation"))
    assert none.note.startswith("Sandbox: none (asked for). HOME and TMPDIR")
    assert none.note.endswith("(your shell's included); install bubblewrap (apt-get install "
                              "bubblewrap) for isolation.")
    monkeypatch.setattr(sandbox, "bwrap_problem", lambda: "no luck")
    fallback = sandbox.choose("auto")
    assert fallback.fallback and fallback.level == "none" and fallback.left_out == ()
    assert fallback.note.startswith("Sandbox: none (bubblewrap is not available: no luck). HOME")
    with pytest.raises(ValueError) as error:
        sandbox.choose("bwrap")
    assert str(error.value) == ("`sandbox` is 'bwrap' but no luck: install bubblewrap "
                                "(apt-get install bubblewrap) or use sandbox='auto'. "
                                "Received: sandbox='bwrap'")
    with pytest.raises(ValueError) as error:
        sandbox.choose("docker")
    assert str(error.value) == ("`sandbox` must be one of auto, bwrap, none. "
                                "Received: sandbox='docker'")


def test_gpu_device_files_are_the_matches_of_every_pattern_sorted_once(monkeypatch):
    found = {"/dev/nvidia*": ["/dev/nvidia1", "/dev/nvidia0", "/dev/nvidiactl"],
             "/dev/nvidia-caps/*": ["/dev/nvidia-caps/nvidia-cap1"],
             "/dev/dri/*": ["/dev/dri/card0", "/dev/nvidia0"], "/dev/kfd": ["/dev/kfd"]}
    monkeypatch.setattr(sandbox.glob, "glob", lambda pattern: found[pattern])
    assert sandbox.gpu_device_files() == [
        "/dev/dri/card0", "/dev/kfd", "/dev/nvidia-caps/nvidia-cap1", "/dev/nvidia0",
        "/dev/nvidia1", "/dev/nvidiactl"]


def test_bind_mounts_a_path_at_its_real_place_and_where_it_is_named(tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    os.symlink(real, tmp_path / "link")
    assert sandbox._bind("--ro-bind", str(tmp_path / "missing")) == []
    assert sandbox._bind("--ro-bind", str(real)) == ["--ro-bind", str(real), str(real)]
    assert sandbox._bind("--bind", str(tmp_path / "link")) == [
        "--bind", str(real), str(real), "--bind", str(real), str(tmp_path / "link")]


def test_python_paths_are_the_prefixes_the_package_sys_path_and_the_mentors_entries(monkeypatch, tmp_path):
    prefix = tmp_path / "prefix"
    for name in ("prefix/lib/python3/site-packages", "other/site-packages", "other/dist-packages",
                 "other/plain", "bin"):
        (tmp_path / name).mkdir(parents=True)
    for attribute in ("prefix", "base_prefix", "exec_prefix", "base_exec_prefix"):
        monkeypatch.setattr(sys, attribute, f"{prefix}-{attribute}" if attribute != "prefix" else str(prefix))
    monkeypatch.setattr(sys, "executable", str(tmp_path / "bin" / "python"))
    monkeypatch.setattr(sys, "path", [
        "", "relative", str(prefix / "lib/python3/site-packages"), str(tmp_path / "other/site-packages"),
        str(tmp_path / "other/dist-packages"), str(tmp_path / "other/plain"),
        str(tmp_path / "x.zip"), str(tmp_path / "y.egg"), f"{prefix}-base_prefix/lib",
        "rel/site-packages", "/pkgroot/mlscompanion/vendor"])  # relative, and under the package
    env = {"PYTHONPATH": "/pp/a:rel:/left:/pkgroot", "LD_LIBRARY_PATH": "/ld/a"}
    assert sandbox._python_paths("/pkgroot", env, left_out=("/left",)) == [
        str(prefix), f"{prefix}-base_prefix", f"{prefix}-exec_prefix",
        f"{prefix}-base_exec_prefix", "/pkgroot/mlscompanion",
        str(prefix / "lib/python3/site-packages"), str(tmp_path / "other/site-packages"),
        str(tmp_path / "other/dist-packages"), str(tmp_path / "x.zip"), str(tmp_path / "y.egg"),
        f"{prefix}-base_prefix/lib", "/pp/a", "/ld/a", str(tmp_path / "bin")]
    assert sandbox._python_paths("/pkgroot", {})[-1] == str(tmp_path / "bin")


def test_bwrap_command_binds_top_level_folders_and_links_them_where_they_are_links(monkeypatch, tmp_path):
    monkeypatch.setattr(sandbox.shutil, "which", lambda name: "/opt/bwrap")
    monkeypatch.setattr(sandbox, "_identity", lambda path: ())
    monkeypatch.setattr(sandbox, "gpu_device_files", lambda: [])
    monkeypatch.setattr(sandbox, "_python_paths", lambda *args, **kwargs: [])
    (tmp_path / "lib").mkdir()
    os.symlink("usr/bin", tmp_path / "bin")
    top = (str(tmp_path / "bin"), str(tmp_path / "lib"), str(tmp_path / "missing"))
    monkeypatch.setattr(sandbox, "_TOP_LEVEL", top)
    args = sandbox.bwrap_command(["x"], "/run", "/run/work", str(tmp_path / "gone.py"), "/p", {})
    start = args.index("/usr") + 2
    assert args[start:start + 6] == ["--symlink", "usr/bin", top[0], "--ro-bind", top[1], top[1]]
    assert args[start + 6] == "--ro-bind-try" and top[2] not in args


def test_bwrap_command_in_full(monkeypatch, tmp_path):
    monkeypatch.setattr(sandbox.shutil, "which", lambda name: "/opt/bwrap" if name == "bwrap" else None)
    identity = ("--unshare-all", "--cap-drop", "ALL", "--uid", "65534")
    monkeypatch.setattr(sandbox, "_identity", lambda path: identity if path == "/opt/bwrap" else ())
    monkeypatch.setattr(sandbox, "gpu_device_files", lambda: ["/dev/nvidia0", "/dev/kfd"])
    for name in ("a", "b", "real"):
        (tmp_path / name).mkdir()
    os.symlink(tmp_path / "real", tmp_path / "link")
    snippet = tmp_path / "answer.py"
    snippet.write_text("print(1)\n")
    seen = {}

    def python_paths(package_root, env, left_out=(), interpreter=None):
        seen.update(package_root=package_root, env=env, left_out=left_out)
        return [str(tmp_path / "a"), str(tmp_path / "a"), "/usr/lib/python3", str(tmp_path / "link"),
                str(tmp_path / "real"), str(tmp_path / "missing"), str(tmp_path / "b")]

    monkeypatch.setattr(sandbox, "_python_paths", python_paths)
    args = sandbox.bwrap_command(["python", "x"], "/run", "/run/work", str(snippet), "/pkgroot",
                                 {"E": "1"}, left_out=("/left",))
    assert seen == {"package_root": "/pkgroot", "env": {"E": "1"}, "left_out": ("/left",)}
    top = []
    for folder in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.islink(folder):
            top += ["--symlink", os.readlink(folder), folder]
        elif os.path.isdir(folder):
            top += ["--ro-bind", folder, folder]
    etc = []
    for path in ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime",
                 "/etc/nsswitch.conf", "/etc/passwd", "/etc/group", "/etc/hosts",
                 "/etc/alternatives", "/etc/mime.types", "/etc/ssl/certs", "/etc/fonts"):
        etc += ["--ro-bind-try", path, path]
    real = str(tmp_path / "real")
    assert args == [
        "/opt/bwrap", *identity, "--die-with-parent", "--new-session", "--proc", "/proc",
        "--dev", "/dev", "--tmpfs", "/tmp", "--ro-bind", "/usr", "/usr", *top, *etc,
        "--ro-bind-try", "/sys", "/sys", "--dev-bind", "/dev/nvidia0", "/dev/nvidia0",
        "--dev-bind", "/dev/kfd", "/dev/kfd",
        "--ro-bind", str(tmp_path / "a"), str(tmp_path / "a"),
        "--ro-bind", real, real, "--ro-bind", real, str(tmp_path / "link"),
        "--ro-bind", str(tmp_path / "b"), str(tmp_path / "b"),
        "--bind", "/run", "/run", "--ro-bind", str(snippet), str(snippet),
        "--chdir", "/run/work", "--", "python", "x"]


@small_processes
@pytest.mark.parametrize("works", [True, False])
def test_identity_drops_capabilities_and_makes_a_root_checker_nobody_where_bwrap_can(tmp_path, works):
    fake = tmp_path / "bwrap"
    log = tmp_path / "args"
    fake.write_text(f'#!/bin/sh\necho "$@" > {log}\nexit {0 if works else 1}\n')
    fake.chmod(0o755)
    identity = sandbox._identity.__wrapped__(str(fake))
    if os.geteuid() != 0:
        assert identity == ("--unshare-all", "--cap-drop", "ALL") and not log.exists()
        return
    assert log.read_text() == ("--unshare-all --cap-drop ALL --unshare-user --uid 65534 --gid 65534 "
                               "--ro-bind / / true\n")
    nobody = ("--unshare-user", "--uid", "65534", "--gid", "65534")
    assert identity == ("--unshare-all", "--cap-drop", "ALL") + (nobody if works else ())
    assert sandbox._identity.__wrapped__(str(tmp_path / "missing")) == (
        "--unshare-all", "--cap-drop", "ALL")


# --- _supervisor.py --------------------------------------------------------------------------

def test_descendants_walk_the_tree_and_leave_spared_subtrees_alone():
    table = {10: (1, "S"), 11: (10, "S"), 12: (10, "Z"), 13: (11, "R"), 14: (13, "S"),
             20: (1, "S"), 21: (20, "S"), 15: (12, "S")}
    assert sorted(_supervisor._descendants(table, 10)) == [11, 12, 13, 14, 15]
    assert sorted(_supervisor._descendants(table, 10, spared={11})) == [12, 15]
    assert sorted(_supervisor._descendants(table, 1, spared=(20,))) == [10, 11, 12, 13, 14, 15]
    assert _supervisor._descendants(table, 14) == [] and _supervisor._descendants({}, 1) == []


@small_processes
def test_process_table_reads_parent_and_state_even_through_odd_names(tmp_path):
    odd = tmp_path / "a) (b c"
    os.symlink("/bin/sleep", odd)
    import subprocess

    child = subprocess.Popen([str(odd), "30"])
    try:
        table = _supervisor._process_table()
        assert table[child.pid][0] == os.getpid() and table[child.pid][1] in "RSD"
        assert table[os.getpid()] == (os.getppid(), "R")
        assert all(isinstance(pid, int) and isinstance(ppid, int) for pid, (ppid, _) in table.items())
    finally:
        child.kill()
        child.wait()


def test_process_table_skips_vanished_processes_and_other_entries(monkeypatch):
    stats = {"7": b"7 (x) y) S 3 7 7 0", "8": None, "9": b"9 (sh) Z 7 9 9 0",
             "10": b"10 (\xc3\xa9t\xe9) R 9 10 10 0"}

    def fake_open(path, mode):
        assert mode == "rb"
        data = stats[path.split("/")[2]]
        if data is None:
            raise FileNotFoundError(path)
        import io

        return io.BytesIO(data)

    monkeypatch.setattr(_supervisor.os, "listdir", lambda path: ["self", "7", "8", "9", "net", "10"])
    monkeypatch.setattr(_supervisor, "open", fake_open, raising=False)
    assert _supervisor._process_table() == {7: (3, "S"), 9: (7, "Z"), 10: (9, "R")}


def test_request_stop_sets_the_flag(monkeypatch):
    monkeypatch.setattr(_supervisor, "_stop_requested", False)
    _supervisor._request_stop(signal.SIGTERM, None)
    assert _supervisor._stop_requested is True


def _drop_and_read():
    assert _supervisor._become_subreaper() is True
    _supervisor.drop_privileges()
    return {name: _status_field(name) for name in ("NoNewPrivs", "CapBnd", "CapEff", "CapPrm",
                                                   "CapInh")} | {"subreaper": guard._subreaper()}


def test_drop_privileges_leaves_no_capability_and_no_new_privileges():
    status = in_child(_drop_and_read)
    assert status["NoNewPrivs"] == "1" and status["subreaper"] == 1
    assert status["CapEff"] == status["CapPrm"] == status["CapInh"] == "0" * 16
    if os.geteuid() == 0:  # an ordinary user holds no bounding set to drop
        assert status["CapBnd"] == "0" * 16


def _limited(limits_, preset=None):
    if preset:
        for which, value in preset.items():
            resource.setrlimit(which, value)
    before = {which: resource.getrlimit(which) for which in (
        resource.RLIMIT_AS, resource.RLIMIT_NPROC, resource.RLIMIT_FSIZE, resource.RLIMIT_CPU,
        resource.RLIMIT_CORE)}
    _supervisor._limiter(limits_)()
    after = {which: resource.getrlimit(which) for which in before}
    return before, after, _status_field("NoNewPrivs")


def test_limiter_lowers_each_limit_and_drops_privileges():
    asked = {"memory": 6 * GIB, "processes": 4000, "file_size": 1 << 20, "cpu_seconds": 50,
             "core": 0}
    _supervisor._limiter(asked)  # mutmut records the call here; the limits apply in the child
    cpu_hard = resource.getrlimit(resource.RLIMIT_CPU)[1]
    before, after, no_new_privs = in_child(_limited, asked)
    assert after == {resource.RLIMIT_AS: (6 * GIB, 6 * GIB), resource.RLIMIT_NPROC: (4000, 4000),
                     resource.RLIMIT_FSIZE: (1 << 20, 1 << 20), resource.RLIMIT_CPU: (50, cpu_hard),
                     resource.RLIMIT_CORE: (0, 0)}
    assert no_new_privs == "1"


def test_limiter_never_raises_a_limit_and_leaves_unnamed_ones():
    _supervisor._limiter({})
    preset = {resource.RLIMIT_FSIZE: (1000, 1000), resource.RLIMIT_CPU: (40, 60)}
    before, after, _ = in_child(_limited, {"memory": None, "file_size": 1 << 20, "cpu_seconds": 100},
                                preset)
    assert after[resource.RLIMIT_FSIZE] == (1000, 1000)  # lowered to the hard limit, not raised
    assert after[resource.RLIMIT_CPU] == (60, 60)
    for which in (resource.RLIMIT_AS, resource.RLIMIT_NPROC, resource.RLIMIT_CORE):
        assert after[which] == before[which]


def _zombie(exit_code=0):
    pid = os.fork()
    if pid == 0:  # pragma: no cover
        os._exit(exit_code)
    os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT)  # dead, not yet collected
    return pid


def _sleeper():
    pid = os.fork()
    if pid == 0:  # pragma: no cover
        time.sleep(60)
        os._exit(0)
    return pid


def _collected(pid):
    """Whether ``pid`` was collected already (nothing left to wait for)."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


def _reap_some():
    first, second, third = _zombie(), _zombie(), _zombie()
    _supervisor._reap([first, 999999999])  # a pid that is no child: ignored
    only_first = (_collected(first), _zombie_still(second), _zombie_still(third))
    sleeper = _sleeper()
    _supervisor._reap()  # returns although a child is still running
    everything = (_collected(second), _collected(third), _alive(sleeper))
    os.kill(sleeper, signal.SIGKILL)
    os.waitpid(sleeper, 0)
    _supervisor._reap()  # no child at all
    return only_first, everything


def _zombie_still(pid):
    return os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT | os.WNOHANG) is not None


def test_reap_collects_the_named_dead_children_or_every_dead_child():
    _supervisor._reap([])
    only_first, everything = in_child(_reap_some)
    assert only_first == (True, True, True) and everything == (True, True, True)


def _signal_some():
    target = _sleeper()
    _supervisor._signal(target, signal.SIGKILL)
    _, status = os.waitpid(target, 0)
    _supervisor._signal(target, signal.SIGKILL)  # gone: no error
    return os.WIFSIGNALED(status) and os.WTERMSIG(status)


def test_signal_sends_and_ignores_processes_that_are_gone():
    _supervisor._signal(os.getpid(), 0)
    assert in_child(_signal_some) == signal.SIGKILL


def _tree():
    """A child with a grandchild, an orphan (its parent exited) and a child spared."""
    read, write = os.pipe()
    parent = os.fork()
    if parent == 0:  # pragma: no cover
        os.close(read)
        grandchild = _sleeper()
        orphan_parent = os.fork()
        if orphan_parent == 0:
            orphan = _sleeper()
            os.write(write, f"{orphan} ".encode())
            os._exit(0)
        os.waitpid(orphan_parent, 0)
        os.write(write, f"{grandchild}\n".encode())
        time.sleep(60)
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as handle:
        orphan, grandchild = map(int, handle.readline().split())
    return parent, grandchild, orphan


def _kill_tree():
    me = os.getpid()
    _supervisor._become_subreaper()
    parent, grandchild, orphan = _tree()
    spared = _sleeper()
    zombie = _zombie()  # dead already: neither killed nor, with spared pids, collected
    table = _supervisor._process_table()
    orphan_came_back = table[orphan][0] == me
    killed = _supervisor.kill_descendants(me, spared=[spared])
    after = (_alive(parent), _alive(grandchild), _alive(orphan), _alive(spared))
    collected = (_collected(parent), _zombie_still(zombie))
    again = _supervisor.kill_descendants(me)  # no spared pids: every dead child collected
    collected += (_collected(zombie), _collected(spared))
    return orphan_came_back, killed, (parent, grandchild, orphan, spared), after, collected, again


def test_kill_descendants_kills_the_whole_tree_orphans_too_and_spares_what_it_is_told():
    orphan_came_back, killed, (parent, grandchild, orphan, spared), after, collected, again = \
        in_child(_kill_tree)
    assert orphan_came_back  # we are its subreaper
    assert killed == {parent, grandchild, orphan} and after == (False, False, False, True)
    assert collected == (True, True, True, True) and again == {spared}


def test_kill_descendants_stops_a_tree_that_grows_during_the_sweep_before_killing_it(monkeypatch):
    me = 5
    tables = iter([
        {10: (me, "S"), 20: (me, "Z")},  # the sweep's first look: 10 alive, 20 dead
        {10: (me, "T"), 11: (10, "R"), 20: (me, "Z")},  # 10 forked 11 before it stopped
        {10: (me, "T"), 11: (10, "T"), 20: (me, "Z")},  # nothing new: kill both
    ])
    sent = []
    monkeypatch.setattr(_supervisor, "_process_table", lambda: next(tables, {}))
    monkeypatch.setattr(_supervisor, "_signal", lambda pid, signum: sent.append((pid, signum)))
    monkeypatch.setattr(_supervisor, "_reap", lambda pids=None: None)
    assert _supervisor.kill_descendants(me, spared=()) == {10, 11}
    assert sent == [(10, signal.SIGSTOP), (10, signal.SIGSTOP), (11, signal.SIGSTOP),
                    (10, signal.SIGKILL), (11, signal.SIGKILL)]


def _chain(depth):
    """A process that forks a child that forks a child ... (``depth`` deep), each then waiting."""
    for _ in range(depth):
        if os.fork() != 0:
            time.sleep(60)
            os._exit(0)
    time.sleep(60)
    os._exit(0)


def _kill_growing_tree():
    me = os.getpid()
    _supervisor._become_subreaper()
    head = os.fork()
    if head == 0:  # pragma: no cover
        _chain(300)
    killed = _supervisor.kill_descendants(me)
    left = [pid for pid in _supervisor._descendants(_supervisor._process_table(), me)
            if _alive(pid)]
    return head in killed, len(killed), left


def test_kill_descendants_outruns_a_tree_that_keeps_growing():
    head_killed, count, left = in_child(_kill_growing_tree)
    assert head_killed and count >= 1 and left == []


def _supervise(argv_tail, timeout="5", stop=False, limits_="{}"):
    read, write = os.pipe()
    os.set_inheritable(write, True)  # as capture.py passes it (pass_fds)
    _supervisor._stop_requested = stop
    argv_tail = [part.replace("{fd}", str(write)) for part in argv_tail]
    code = _supervisor.main(["--timeout", timeout, "--status-fd", str(write), "--limits", limits_,
                             *argv_tail])
    with os.fdopen(read) as handle:
        lines = handle.read().splitlines()
    return code, lines, signal.getsignal(signal.SIGHUP) is _supervisor._request_stop


@small_processes
def test_supervisor_reports_the_exit_code_and_kills_what_the_command_left(tmp_path):
    out = tmp_path / "limits"
    script = (f"cat /proc/self/limits /proc/self/status > {out}; "
              "sleep 30 >/dev/null 2>&1 & sleep 31 >/dev/null 2>&1 & exit 3")
    code, lines, handled = in_child(_supervise, ["--", "sh", "-c", script], "5", False,
                                    json.dumps({"file_size": 4096}))
    assert code == 0 and handled and len(lines) == 1
    assert json.loads(lines[0]) == {"returncode": 3, "timed_out": False, "stopped": False,
                                    "left_behind": 2, "subreaper": True}
    seen = out.read_text()
    assert any(line.startswith("Max file size") and line.split()[3:5] == ["4096", "4096"]
               for line in seen.splitlines())
    assert "NoNewPrivs:\t1" in seen


def _bad_arguments(argv):
    import contextlib
    import io

    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        try:
            _supervisor.main(argv)
        except SystemExit as exit:
            return exit.code, err.getvalue()
    return None, err.getvalue()


@pytest.mark.parametrize("argv, missing", [(["--status-fd", "9", "true"], "--timeout"),
                                           (["--timeout", "1", "true"], "--status-fd")])
def test_supervisor_needs_a_timeout_and_a_status_descriptor(argv, missing):
    code, err = in_child(_bad_arguments, argv)
    assert code == 2 and err.startswith("usage: _supervisor ") and missing in err


@small_processes
def test_supervisor_applies_no_limit_when_given_none_and_handles_every_stop_signal():
    read, write = os.pipe()

    def run():
        _supervisor.main(["--timeout", "5", "--status-fd", str(write), "true"])
        return [signal.getsignal(signum) is _supervisor._request_stop
                for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)]

    assert in_child(run) == [True, True, True]
    os.close(write)
    with os.fdopen(read) as handle:
        assert json.loads(handle.read())["returncode"] == 0


@small_processes
def test_supervisor_runs_the_command_in_its_own_session_without_the_status_descriptor(tmp_path):
    out = tmp_path / "seen"
    script = (f"cat /proc/$$/stat > {out}; echo $$ >> {out}; "
              f"if [ -e /proc/$$/fd/{{fd}} ]; then echo inherited >> {out}; fi")
    in_child(_supervise, ["sh", "-c", script])
    stat, pid = out.read_text().splitlines()[:2]
    fields = stat.rsplit(")", 1)[1].split()
    assert fields[2] == fields[3] == pid  # its own process group and session
    assert "inherited" not in out.read_text()  # it cannot write the supervisor's report


@small_processes
def test_supervisor_kills_the_command_at_the_deadline():
    code, lines, _ = in_child(_supervise, ["sleep", "30"], "0.05")
    assert json.loads(lines[0]) == {"returncode": -9, "timed_out": True, "stopped": False,
                                    "left_behind": 0, "subreaper": True}


@small_processes
def test_supervisor_stops_when_asked_and_says_so():
    code, lines, _ = in_child(_supervise, ["sleep", "30"], "30", True)
    assert json.loads(lines[0]) == {"returncode": -9, "timed_out": False, "stopped": True,
                                    "left_behind": 0, "subreaper": True}


# --- capture.py ------------------------------------------------------------------------------

def test_supervisor_command_runs_the_script_without_site_and_passes_everything():
    assert capture.supervisor_command(["python", "a b"], 2.5, "{status_fd}", {"core": 0}) == [
        sys.executable, "-S", capture.SUPERVISOR, "--timeout", "2.5", "--status-fd",
        "{status_fd}", "--limits", '{"core": 0}', "--", "python", "a b"]
    assert capture.supervisor_command([], 300.0, 7, {})[4] == "300"
    assert capture.SUPERVISOR == os.path.join(os.path.dirname(capture.__file__), "_supervisor.py")
    assert capture.GRACE == 8.0 and (capture.TERM_AFTER, capture.KILL_AFTER) == (3.0, 6.0)


def test_reader_keeps_the_cap_of_each_stream_and_counts_the_rest():
    pipes = {name: os.pipe() for name in ("a", "b")}
    streams = {name: os.fdopen(read, "rb") for name, (read, _) in pipes.items()}
    reader = capture._Reader(streams, cap=4)
    assert reader.open and not os.get_blocking(streams["a"].fileno())
    os.write(pipes["a"][1], b"abcdef")
    os.write(pipes["b"][1], b"xy")
    reader.poll(0)
    reader.poll(0)
    os.write(pipes["b"][1], b"zw!")
    reader.poll(0)
    assert reader.kept == {"a": bytearray(b"abcd"), "b": bytearray(b"xyzw")}
    assert reader.dropped == {"a": 2, "b": 1}
    os.close(pipes["a"][1])
    reader.poll(0)
    assert reader.open and streams["a"].closed and not streams["b"].closed
    os.close(pipes["b"][1])
    reader.poll(0)
    assert not reader.open and streams["b"].closed
    reader.close()


def test_reader_close_closes_the_streams_still_open():
    read, write = os.pipe()
    stream = os.fdopen(read, "rb")
    reader = capture._Reader({"s": stream}, cap=10)
    reader.close()
    assert stream.closed
    os.close(write)


def _fake(returncode, status=b"", stdout=b"o", stderr=b"e", dropped=None):
    process = types.SimpleNamespace(returncode=returncode)
    reader = types.SimpleNamespace(kept={"stdout": bytearray(stdout), "stderr": bytearray(stderr)},
                                   dropped=dropped or {"stdout": 0, "stderr": 0})
    return process, reader, status


def test_outcome_reads_the_last_status_line():
    status = (b'{"returncode": 9}\n{"returncode": 4, "timed_out": false, "stopped": false, '
              b'"left_behind": "3"}\n')
    outcome = capture._outcome(*_fake(0, status, dropped={"stdout": 0, "stderr": 5}), 1.5, False)
    assert outcome == capture.Outcome(returncode=4, stdout=b"o", stderr=b"e", seconds=1.5,
                                      timed_out=False, left_behind=3, dropped={"stderr": 5},
                                      supervisor_lost=False)
    timed = capture._outcome(*_fake(0, b'{"returncode": -9, "timed_out": true, "left_behind": 0}'),
                             2, False)
    assert timed.returncode is None and timed.timed_out is True and not timed.supervisor_lost
    stopped = capture._outcome(*_fake(0, b'{"returncode": -9, "timed_out": false, "stopped": true, '
                                         b'"left_behind": 1}'), 2, False)
    assert stopped.returncode == -9 and stopped.timed_out is True and stopped.left_behind == 1


@pytest.mark.parametrize("status", [b"", b"not json", b"\xff\xfe", b"\n\n"])
@pytest.mark.parametrize("code, killed, lost", [(0, False, False), (2, False, False),
                                                (128, False, False), (129, False, True),
                                                (-9, False, True), (-15, True, True),
                                                (0, True, True)])
def test_outcome_without_a_status_tells_a_lost_supervisor_from_a_failed_start(status, code, killed, lost):
    outcome = capture._outcome(*_fake(code, status), 3.0, killed)
    assert outcome.supervisor_lost is lost and outcome.timed_out is killed
    assert outcome.returncode == (None if lost else code) and outcome.left_behind == 0
    assert outcome.dropped == {} and (outcome.stdout, outcome.stderr) == (b"o", b"e")


def _session_kill():
    read, write = os.pipe()
    leader = os.fork()
    if leader == 0:  # pragma: no cover
        os.setsid()
        member = _sleeper()
        os.write(write, f"{member}\n".encode())
        time.sleep(60)
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as handle:
        member = int(handle.readline())
    capture._signal_session(leader, signal.SIGKILL)
    _, status = os.waitpid(leader, 0)
    for _ in range(1000):
        if not _alive(member):
            break
        time.sleep(0.01)
    gone = not _alive(member)
    capture._signal_session(leader, signal.SIGKILL)  # gone: no error
    return os.WTERMSIG(status), gone


def test_signal_session_signals_the_whole_session():
    assert in_child(_session_kill) == (signal.SIGKILL, True)


def _supervised(script, timeout=5, cap=1000, backstop=None):
    if backstop:
        capture.TERM_AFTER, capture.KILL_AFTER, capture.DRAIN, capture.GRACE = backstop
    outcome = capture.run_supervised(["sh", "-c", script], timeout, "/", {"PATH": os.defpath},
                                     cap=cap)
    return outcome, os.getpid()


@small_processes
def test_run_supervised_reads_streams_and_status_from_a_supervisor():
    script = ('echo out; echo err >&2; '
              'echo \'{"returncode": 4, "timed_out": false, "left_behind": 2}\' > /proc/self/fd/{status_fd}')
    outcome, _ = in_child(_supervised, script, 5, 2)
    assert (outcome.returncode, outcome.stdout, outcome.stderr) == (4, b"ou", b"er")
    assert outcome.dropped == {"stdout": 2, "stderr": 2} and outcome.left_behind == 2
    assert outcome.supervisor_lost is False and outcome.timed_out is False and outcome.seconds < 30


@small_processes
def test_run_supervised_without_a_report_is_a_failed_start():
    outcome, _ = in_child(_supervised, "exit 3")
    assert outcome.returncode == 3 and not outcome.supervisor_lost and outcome.left_behind == 0
    assert outcome.timed_out is False


@small_processes
def test_run_supervised_reads_what_a_grandchild_writes_after_the_supervisor_exits():
    # The supervisor exits at once; its grandchild writes a second later and then closes
    # the pipes. Reading goes on until then (DRAIN is long), and nothing is signalled
    # before the deadline (TERM_AFTER is past the supervisor's exit).
    script = "(sleep 2; echo late) & echo early"
    outcome, _ = in_child(_supervised, script, 0, 1000, (1.0, 30.0, 30.0, 40.0))
    assert outcome.stdout == b"early\nlate\n" and outcome.seconds < 20


@small_processes
def test_run_supervised_sends_sigterm_once():
    script = "trap 'echo term' TERM; while :; do sleep 0.01; done"
    outcome, _ = in_child(_supervised, script, 0, 1000, (0.05, 1.0, 0.2, 1.2))
    assert outcome.stdout == b"term\n" and outcome.supervisor_lost and outcome.timed_out


@small_processes
def test_run_supervised_sweeps_the_orphans_of_a_killed_supervisor():
    script = "sleep 30 >/dev/null 2>&1 & sleep 31 >/dev/null 2>&1 & kill -9 $$"
    # The sleeps hold the status pipe: its reading stops at timeout + GRACE.
    outcome, _ = in_child(_supervised, script, 0.2, 1000, (3.0, 6.0, 2.0, 0.2))
    assert outcome.supervisor_lost and outcome.returncode is None and outcome.left_behind == 2
    assert not outcome.timed_out


@small_processes
def test_run_supervised_terminates_then_kills_a_supervisor_past_its_deadline():
    polite, _ = in_child(_supervised, "sleep 30", 0, 1000, (0.05, 5.0, 0.05, 5.05))
    assert polite.supervisor_lost and not polite.timed_out and polite.seconds < 5.0
    stubborn, _ = in_child(_supervised, "trap '' TERM; sleep 30", 0, 1000, (0.05, 0.2, 0.05, 0.25))
    assert stubborn.supervisor_lost and stubborn.timed_out and stubborn.returncode is None


@small_processes
def test_run_supervised_stops_reading_when_a_grandchild_keeps_the_pipes_open():
    script = ('sleep 30 & echo \'{"returncode": 0, "timed_out": false, "left_behind": 0}\' '
              '> /proc/self/fd/{status_fd}')
    # The sleep holds stdout, stderr and the status pipe: reading stops DRAIN after the
    # supervisor exits, the status at timeout + GRACE.
    outcome, _ = in_child(_supervised, script, 0.5, 1000, (3.0, 6.0, 0.1, 0.5))
    assert outcome.returncode == 0 and outcome.seconds < 3.0


# --- guard.py --------------------------------------------------------------------------------

def _guard_states():
    before = (guard._prctl(guard.PR_GET_DUMPABLE, 0), guard._subreaper())
    kept = _sleeper()
    with guard.guarded():
        with guard.guarded():
            inside = (guard._prctl(guard.PR_GET_DUMPABLE, 0), guard._subreaper())
        still = (guard._prctl(guard.PR_GET_DUMPABLE, 0), guard._subreaper())
        known = guard._known
        orphan_maker = os.fork()
        if orphan_maker == 0:  # pragma: no cover
            _sleeper()
            os._exit(0)
        os.waitpid(orphan_maker, 0)
        swept = guard.sweep()
    after = (guard._prctl(guard.PR_GET_DUMPABLE, 0), guard._subreaper())
    kept_alive = _alive(kept)
    os.kill(kept, signal.SIGKILL)
    return before, inside, still, after, kept in known, swept, kept_alive, guard._children()


def test_guarded_hides_the_checker_collects_orphans_and_restores_itself():
    before, inside, still, after, known, swept, kept_alive, children = in_child(_guard_states)
    assert before == (1, 0) and inside == still == (0, 1) and after == before
    assert known and kept_alive and swept == 1


def _children_listed():
    first, second = _sleeper(), _sleeper()
    found = guard._children()
    for pid in (first, second):
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    return found == {first, second}


def test_children_are_this_process_children_only():
    assert in_child(_children_listed)


# --- runner.py: the report channel -----------------------------------------------------------

def _report(tmp_path, data):
    path = tmp_path / "report.json"
    path.write_bytes(data)
    return str(path)


def test_read_report_takes_a_json_object_from_a_regular_file(tmp_path):
    assert runner._read_report(_report(tmp_path, b'{"a": [1]}')) == {"a": [1]}
    assert runner._read_report(_report(tmp_path, b"")) is None
    assert runner._read_report(_report(tmp_path, b'{"x": "\xc3\xa9"}')) == {"x": "é"}


@pytest.mark.parametrize("data, message", [
    (b"[1]", "report.json is not the JSON object the check writes"),
    (b"{", "report.json is not the JSON the check writes"),
    (b'{"a": "\xff"}', "report.json is not the JSON the check writes"),
])
def test_read_report_refuses_what_the_check_does_not_write(tmp_path, data, message):
    with pytest.raises(runner.Tampered) as error:
        runner._read_report(_report(tmp_path, data))
    assert str(error.value) == message


def test_read_report_refuses_a_report_past_the_cap(tmp_path, monkeypatch):
    monkeypatch.setattr(runner, "REPORT_CAP", 10)
    assert runner._read_report(_report(tmp_path, b'{"a": 123}')) == {"a": 123}  # exactly 10
    with pytest.raises(runner.Tampered) as error:
        runner._read_report(_report(tmp_path, b'{"a": 1234}'))
    assert str(error.value) == "report.json holds more than 0 MB"
    assert runner.REPORT_CAP == 10 and "32 MB" in _cap_message(monkeypatch, tmp_path)


def test_read_report_reads_no_more_than_the_cap_and_one_byte(tmp_path, monkeypatch):
    monkeypatch.setattr(runner, "REPORT_CAP", 10)
    path = _report(tmp_path, b" " * 100_000)
    read = []
    real_fdopen = os.fdopen

    class Counting:
        def __init__(self, handle):
            self.handle = handle

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.handle.close()

        def read(self, *args):
            data = self.handle.read(*args)
            read.append(len(data))
            return data

    monkeypatch.setattr(runner.os, "fdopen", lambda fd, mode: Counting(real_fdopen(fd, mode)))
    with pytest.raises(runner.Tampered):
        runner._read_report(path)
    assert read == [11]


def _cap_message(monkeypatch, tmp_path):
    monkeypatch.setattr(runner, "REPORT_CAP", 32 * 1000 * 1000)
    path = tmp_path / "huge.json"
    with open(path, "wb") as handle:
        handle.truncate(32 * 1000 * 1000 + 1)  # sparse: no disk used
    with pytest.raises(runner.Tampered) as error:
        runner._read_report(str(path))
    return str(error.value)


def test_read_report_never_follows_links_or_opens_fifos_or_devices(tmp_path):
    report = tmp_path / "report.json"
    cases = {}
    os.symlink("/dev/zero", report)
    cases["link"] = report
    fifo = tmp_path / "fifo" / "report.json"
    fifo.parent.mkdir()
    os.mkfifo(fifo)
    folder = tmp_path / "folder" / "report.json"
    folder.mkdir(parents=True)
    messages = {}
    for name, path in (("link", report), ("fifo", fifo), ("folder", folder),
                       ("device", "/dev/null"), ("missing", tmp_path / "none.json")):
        with pytest.raises(runner.Tampered) as error:
            runner._read_report(str(path))
        messages[name] = str(error.value)
    assert messages == {"link": "report.json was replaced by a symbolic link",
                        "fifo": "report.json was replaced by a FIFO",
                        "folder": "report.json was replaced by a folder",
                        "device": "report.json was replaced by a character device",
                        "missing": "report.json was removed"}


def test_kind_names_each_file_type():
    assert runner._kind(stat.S_IFLNK) == "a symbolic link" and runner._kind(stat.S_IFIFO) == "a FIFO"
    assert runner._kind(stat.S_IFCHR) == "a character device"
    assert runner._kind(stat.S_IFBLK) == "a block device"
    assert runner._kind(stat.S_IFSOCK) == "a socket" and runner._kind(stat.S_IFDIR) == "a folder"
    assert runner._kind(stat.S_IFREG) == "not a regular file"


def test_read_report_refuses_a_file_swapped_after_the_check(tmp_path, monkeypatch):
    path = _report(tmp_path, b"{}")
    real_lstat = os.lstat
    os.remove(path)
    os.mkfifo(path)
    monkeypatch.setattr(runner.os, "lstat", lambda p: real_lstat(str(tmp_path / "other")))
    (tmp_path / "other").write_bytes(b"{}")
    with pytest.raises(runner.Tampered) as error:
        runner._read_report(path)  # the FIFO is opened without blocking and refused
    assert str(error.value) == "report.json was replaced by a FIFO"
    os.remove(path)
    os.symlink(tmp_path / "other", path)
    with pytest.raises(runner.Tampered) as error:
        runner._read_report(path)
    assert str(error.value).startswith("report.json could not be opened safely (")
    assert "link" in str(error.value) or "loop" in str(error.value).lower()


def test_field_takes_a_value_of_its_kind_or_the_default():
    report = {"a": [1], "b": None, "c": "x", "d": True}
    assert runner._field(report, "a", list, []) == [1]
    assert runner._field(report, "b", list, "default") == "default"
    assert runner._field(report, "z", dict, {"d": 1}) == {"d": 1}
    with pytest.raises(runner.Tampered) as error:
        runner._field(report, "c", list, [])
    assert str(error.value) == "report.json holds a c that is not list"


GOOD = {"index": 1, "name": "m", "cls": "Sequential", "params": 3, "fingerprint": "ab"}


def test_model_print_takes_a_record_of_the_written_shape():
    model = runner._model_print(dict(GOOD))
    assert (model.index, model.name, model.cls, model.params, model.fingerprint) == (
        1, "m", "Sequential", 3, "ab")
    assert runner._model_print({**GOOD, "rounded": "cd"}).rounded == "cd"
    assert runner._model_print({**GOOD, "rounded": None}).rounded is None


@pytest.mark.parametrize("record, message", [
    ([1], "report.json holds a model record the check does not write"),
    ({**GOOD, "extra": 1}, "report.json holds a model record the check does not write"),
    ({**GOOD, "index": "1"}, "report.json holds a model whose index is not int"),
    ({**GOOD, "index": True}, "report.json holds a model whose index is not int"),
    ({**GOOD, "params": False}, "report.json holds a model whose params is not int"),
    ({**GOOD, "name": 1}, "report.json holds a model whose name is not str"),
    ({**GOOD, "cls": None}, "report.json holds a model whose cls is not str"),
    ({**GOOD, "fingerprint": b"x"}, "report.json holds a model whose fingerprint is not str"),
    ({k: v for k, v in GOOD.items() if k != "fingerprint"},
     "report.json holds a model whose fingerprint is not str"),
    ({**GOOD, "rounded": 1}, "report.json holds a model whose rounded fingerprint is not text"),
])
def test_model_print_refuses_any_other_shape(record, message):
    with pytest.raises(runner.Tampered) as error:
        runner._model_print(record)
    assert str(error.value) == message
