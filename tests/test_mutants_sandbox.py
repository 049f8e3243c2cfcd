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
        data = handle.read()
    os.waitpid(pid, 0)
    (kind, value), hits = pickle.loads(data)
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
    owners = {"1": 0, "20": 5, "21": 5, "22": 6}

    def fake_stat(path):
        name = path.rsplit("/", 1)[1]
        if name == "23":
            raise OSError("gone")
        return types.SimpleNamespace(st_uid=owners[name])

    monkeypatch.setattr(limits.os, "getuid", lambda: 5)
    monkeypatch.setattr(limits.os, "listdir", lambda path: ["1", "20", "self", "21", "22", "23"])
    monkeypatch.setattr(limits.os, "stat", fake_stat)
    assert limits._user_processes() == 2


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
        str(tmp_path / "x.zip"), str(tmp_path / "y.egg"), f"{prefix}-base_prefix/lib"])
    env = {"PYTHONPATH": "/pp/a:rel:/left:/pkgroot", "LD_LIBRARY_PATH": "/ld/a"}
    assert sandbox._python_paths("/pkgroot", env, left_out=("/left",)) == [
        str(prefix), f"{prefix}-base_prefix", f"{prefix}-exec_prefix",
        f"{prefix}-base_exec_prefix", "/pkgroot/mlscompanion",
        str(prefix / "lib/python3/site-packages"), str(tmp_path / "other/site-packages"),
        str(tmp_path / "other/dist-packages"), str(tmp_path / "x.zip"), str(tmp_path / "y.egg"),
        f"{prefix}-base_prefix/lib", "/pp/a", "/ld/a", str(tmp_path / "bin")]
    assert sandbox._python_paths("/pkgroot", {})[-1] == str(tmp_path / "bin")


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

    def python_paths(package_root, env, left_out=()):
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
