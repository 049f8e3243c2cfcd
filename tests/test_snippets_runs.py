"""Snippet check with real fresh processes: the headline claims, failures, isolation, exit codes.

Each TensorFlow run starts TF in a new process (seconds), so results are
shared through module-scoped fixtures and the other checks use snippets
that do not import TensorFlow.
"""

import json
import pathlib
import tempfile

import pytest

from mlscompanion import cli, snippets

SNIPPETS = pathlib.Path(__file__).parent / "snippets"


def _cli(capsys, *argv):
    """Exit code and stdout of the command, whitespace collapsed (rich wraps long lines)."""
    code = cli.main(["snippet", "check", *map(str, argv)])
    out = capsys.readouterr().out
    return code, out if "--format" in argv else " ".join(out.split())


# ------------------------------------------------------------------ with TensorFlow

@pytest.fixture(scope="module")
def tf_only():
    return snippets.check(SNIPPETS / "tf_seed_only.py", runs=2, decimals=3)


@pytest.fixture(scope="module")
def injected():
    """NumPy-only seeding, a shared initializer, fit shuffling: with a seed injected."""
    return snippets.check(SNIPPETS / "runtime_facts.py", runs=2, seed=7)


@pytest.mark.tf_only
def test_tf_seed_only_is_not_reproducible_with_the_keras3_explanation(tf_only):
    assert tf_only.status == "not reproducible" and tf_only.exit_code == 1
    assert [run.ok for run in tf_only.runs] == [True, True]
    (diff,) = tf_only.model_diffs
    assert diff.name == "sequential" and diff.fingerprints[0] != diff.fingerprints[1]
    assert diff.rounded_equal is False  # not float noise: the weights really differ
    assert tf_only.within_decimals is False
    assert {d.line for d in tf_only.line_diffs} == {1, 2}  # both printed kernel rows
    (finding,) = tf_only.findings
    assert finding.code == "TF_SEED_ONLY" and finding.origin == "static + run time"
    assert finding.line == 5 and "Keras 3" in finding.explanation
    assert "dense.kernel_initializer" in finding.detail
    assert "Only `tf.random.set_seed`" in tf_only.message


@pytest.mark.tf_only
def test_keras_seeded_snippet_is_reproducible_and_the_markdown_says_so(capsys):
    code, markdown = _cli(capsys, SNIPPETS / "keras_seeded.py", "--format", "markdown")
    assert code == 0
    assert "**Snippet check of" in markdown and ": reproducible** (2 fresh runs)" in markdown
    assert "| 1 | `sequential` | `Sequential` | 9 | `" in markdown and "| same |" in markdown
    assert "**Environment**" in markdown and "backend         : tensorflow" in markdown
    assert "Why, and the fix" not in markdown


@pytest.mark.tf_only
def test_injected_seed_makes_a_numpy_seeded_snippet_reproducible(injected):
    assert injected.status == "reproducible" and injected.exit_code == 0
    prints = [run.models[0].fingerprint for run in injected.runs]
    assert prints[0] == prints[1]
    assert injected.runs[0].facts["keras_seed"] == 7
    # The snippet as written is still flawed: the static findings stay, with their fixes.
    found = {f.code: f.origin for f in injected.findings}
    assert found == {"NUMPY_SEED_ONLY": "static", "UNSEEDED_SHUFFLE": "static",
                     "SHARED_INITIALIZER": "static + run time"}
    assert "still found 3 thing(s)" in injected.message


@pytest.mark.tf_only
def test_runtime_hooks_see_shared_initializer_shuffle_and_only_user_models(injected):
    run = injected.runs[0]
    # The Sequential's internal Functional shares its weights: not reported twice.
    assert [(m.name, m.cls, m.params) for m in run.models] == [("sequential", "Sequential", 15)]
    assert run.facts["fit_calls"] == [{"shuffle": True, "explicit": False, "line": 12}]
    assert run.facts["shared_initializers"] == [{
        "initializer": "GlorotUniform",
        "used_by": ["dense.kernel_initializer", "dense_1.kernel_initializer"]}]
    shared = next(f for f in injected.findings if f.code == "SHARED_INITIALIZER")
    assert "in a loop" in shared.detail and "dense_1.kernel_initializer" in shared.detail
    # Computed in the run: the shared instance gave both layers the same kernel, and fit
    # changed it (a snippet that never trained, or fresh initializers, would print False).
    assert run.stdout == "same initial kernels: True\nkernel moved: True\n"


# ------------------------------------------------------------------ without TensorFlow

def test_a_checked_snippet_finds_our_classes_registered_once_it_imports_keras():
    """The run's bootstrap imports mlscompanion without Keras, to start fast;
    a snippet that reloads a saved model with a tie must still find TieUnits."""
    result = snippets.check(SNIPPETS / "loads_saved_model.py", runs=1)
    assert result.exit_code == 0, result.runs[0].error
    assert result.runs[0].stdout == "TieUnits\n"


def test_random_output_is_not_reproducible_exit_1(capsys):
    code, text = _cli(capsys, SNIPPETS / "random_output.py", "--runs", "3")
    assert code == 1
    assert "Verdict: NOT REPRODUCIBLE" in text and "@@ line 1, run 2 @@" in text
    assert "The audit found no known cause" in text


def test_decimals_tell_float_noise_from_real_differences():
    exact = snippets.check(SNIPPETS / "float_noise.py", runs=2)
    assert exact.status == "not reproducible"  # bit for bit, the noise shows (p = 1/65536 of a tie)
    tolerant = snippets.check(SNIPPETS / "float_noise.py", runs=2, decimals=6)
    assert tolerant.status == "reproducible" and tolerant.within_decimals is True
    assert "beyond 6 decimals" in tolerant.message


def test_timeout_kills_a_hanging_snippet_exit_2(capsys):
    code, text = _cli(capsys, SNIPPETS / "hangs.py", "--timeout", "1", "--runs", "3")
    assert code == 2
    assert "Verdict: FAILED" in text and "timed out after 1 s (the process was killed)" in text
    # Runs 1 and 2 go together and both time out; run 3 is never started.
    assert "The remaining 1 run(s) were skipped" in text


def test_snippet_reading_stdin_fails_fast_with_a_clear_message():
    result = snippets.check(SNIPPETS / "reads_stdin.py", runs=2, timeout=60)
    assert result.status == "failed" and result.exit_code == 2
    assert result.runs and not any(run.timed_out for run in result.runs)
    assert "reads standard input" in result.error
    assert "reads_stdin.py\", line 1" in result.runs[0].stderr


def test_snippet_exception_and_nonzero_exit_are_failures():
    result = snippets.check("def f():\n    raise ValueError('bad value')\nf()\n", runs=1)
    assert result.status == "failed" and "ValueError: bad value (line 2)" in result.error
    assert "_bootstrap" not in result.runs[0].stderr  # traceback starts in the snippet
    exited = snippets.check(SNIPPETS / "exits_nonzero.py", runs=2)
    assert exited.exit_code == 2 and "exited with code 3" in exited.error
    assert exited.runs[0].stdout == "about to fail\n"


def test_each_run_has_its_own_temporary_folder_removed_afterwards(tmp_path, monkeypatch):
    runs_root = tmp_path / "runs"
    runs_root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(runs_root))  # where the run folders go
    monkeypatch.chdir(tmp_path)
    result = snippets.check(SNIPPETS / "writes_files.py", runs=2)
    assert result.status == "reproducible", result.line_diffs
    assert result.runs[0].stdout == "cwd: <workdir>\nfiles: ['weights.txt']\n"
    assert list(runs_root.iterdir()) == []  # each run's folder is gone
    assert not (tmp_path / "weights.txt").exists()
    assert not (SNIPPETS / "weights.txt").exists()


def test_syntax_error_is_shown_with_its_line_exit_2(capsys):
    code, text = _cli(capsys, SNIPPETS / "syntax_error.py")
    assert code == 2
    assert "SyntaxError: expected ':' (line 2)" in text and "if True" in text


def test_binary_file_is_not_python(tmp_path):
    path = tmp_path / "model.py"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    result = snippets.check(path)
    assert result.exit_code == 2 and "not a Python text file" in result.error


def test_bad_arguments_exit_3(capsys):
    code = cli.main(["snippet", "check", str(SNIPPETS / "no_such_snippet.py")])
    assert code == 3 and "no such file" in capsys.readouterr().err
    with pytest.raises(SystemExit) as stop:
        cli.main(["snippet", "check", str(SNIPPETS / "hangs.py"), "--runs", "0"])
    assert stop.value.code == 3


@pytest.mark.parametrize("kwargs, name", [
    ({"runs": 0}, "runs"), ({"seed": -1}, "seed"), ({"timeout": 0}, "timeout"),
    ({"decimals": 1.5}, "decimals"), ({"runs": True}, "runs"),
])
def test_check_rejects_bad_arguments_naming_them(kwargs, name):
    with pytest.raises(ValueError, match=f"`{name}`"):
        snippets.check("print(1)\n", **kwargs)


def test_json_format_for_tools(capsys):
    code, text = _cli(capsys, SNIPPETS / "exits_nonzero.py", "--format", "json", "--runs", "1")
    data = json.loads(text)
    assert code == 2 and data["status"] == "failed" and data["runs"][0]["returncode"] == 3
