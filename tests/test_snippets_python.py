"""``snippet check --python PATH``: the snippet runs with another interpreter, and the
report's environment block shows that interpreter (here the system's /usr/bin/python3,
which has none of the checker's packages)."""

import os
import platform
from pathlib import Path

import pytest

from mlscompanion import cli, snippets
from mlscompanion.snippets import interpreter, sandbox

OTHER = "/usr/bin/python3"
SNIPPETS = Path(__file__).parent / "snippets"
pytestmark = pytest.mark.skipif(not os.access(OTHER, os.X_OK),
                                reason=f"{OTHER} is needed as the other interpreter")
LEVELS = [pytest.param("bwrap", marks=pytest.mark.skipif(
    sandbox.bwrap_problem() is not None, reason=f"bubblewrap unavailable ({sandbox.bwrap_problem()})")),
    "none"]
WHO = "import sys\nprint(sys.executable, '.'.join(map(str, sys.version_info[:2])))\n"


@pytest.mark.parametrize("level", LEVELS)
def test_the_snippet_runs_with_the_interpreter_given(level):
    other = interpreter.find(OTHER)
    result = snippets.check(WHO, runs=2, python=OTHER, sandbox=level, timeout=60)
    assert result.status == "reproducible", result.error
    major_minor = ".".join(other.version.split(".")[:2])
    assert result.runs[0].stdout == f"{OTHER} {major_minor}\n"
    assert result.environment["python"] == other.version
    assert result.environment["executable"] == OTHER
    text = snippets.render(result, "text", width=200)
    assert f"python     : {other.version}" in text and f"executable : {OTHER}" in text


def test_the_probe_reads_the_other_interpreters_prefix_and_packages():
    other = interpreter.find(OTHER)
    assert not other.is_current and other.prefixes[0] == "/usr"
    assert "keras" in other.packages and interpreter.find(None).is_current
    assert interpreter.current().version == platform.python_version()


@pytest.mark.parametrize("bad", ["/nonexistent/python", "/etc/passwd", "/bin/true"])
def test_a_path_that_is_not_a_python_is_a_bad_argument_naming_it(bad):
    with pytest.raises(ValueError, match=r"`python` .*Received: python='" + bad):
        snippets.check("print(1)\n", python=bad)


def test_the_command_takes_python_and_maps_a_bad_one_to_exit_3(capsys, tmp_path):
    path = tmp_path / "who.py"
    path.write_text(WHO)
    assert cli.main(["snippet", "check", str(path), "--runs", "1", "--python", OTHER]) == 0
    assert f"executable : {OTHER}" in capsys.readouterr().out
    assert cli.main(["snippet", "check", str(path), "--python", "/nonexistent/python"]) == 3
    assert "`python` must be the path of a Python interpreter" in capsys.readouterr().err


COURSE = os.environ.get("MLSC_COURSE_PYTHON")  # .ci/run: the venv with TF 2.15 and Keras 2


@pytest.mark.skipif(not COURSE, reason="set MLSC_COURSE_PYTHON to a Python with TensorFlow "
                                        "2.15 and Keras 2 (.ci/run does)")
def test_a_course_snippet_checked_with_the_courses_keras_2():
    """The course lab's seeding checked in the course's environment: the runs build
    models under Keras 2, fingerprinted and audited there."""
    result = snippets.check(SNIPPETS / "tf_seed_only.py", runs=2, python=COURSE, timeout=240)
    assert result.status == "not reproducible"
    assert result.environment["keras"].startswith("2.") and "Keras 2" in result.environment["keras"]
    assert len(result.models) == 1 and result.model_diffs
    assert [finding.code for finding in result.findings][:1] == ["TF_SEED_ONLY"]


@pytest.mark.skipif(not COURSE, reason="set MLSC_COURSE_PYTHON to a Python with TensorFlow "
                                        "2.15 and Keras 2 (.ci/run does)")
def test_lab_8s_course_half_under_keras_2():
    """Lab 8's experiment with the course's interpreter: under Keras 2.15 too, the TF seed
    alone leaves the initial weights different, and a full seed fixes all."""
    from mlscompanion.labs.reproducibility import experiment as reproducibility

    result = reproducibility.compare_seedings(["tf", "keras"], epochs=1, python=COURSE)
    assert {run.keras[:2] for o in result.outcomes for run in o.runs} == {"2."}
    assert result.outcome("tf").matches == {"initial weights": False, "shuffle order": True,
                                            "final weights": False}
    assert result.outcome("keras").reproducible
