"""``mlscompanion snippet render``: the snippet with each statement's output as ``#>`` lines,
evaluated by reprexlite inside the sandboxed run, and the verdict below it."""

import json
import pathlib
import subprocess
import sys

import pytest

from mlscompanion import cli
from mlscompanion.snippets import reprex
from mlscompanion.snippets.reprex import render_reprex

SNIPPETS = pathlib.Path(__file__).parent / "snippets"

PLAIN = """\
import os
x = [1, 2]
x + [3]
print("home is", os.environ["HOME"])
for i in range(2):
    print(i * 10)
"""


def test_each_statement_gets_its_output_as_comment_lines():
    result = reprex.reprex(PLAIN, runs=2)
    assert result.status == "reproducible" and result.exit_code == 0
    markdown = render_reprex(result)
    assert markdown.startswith("**Reprex of `<source>`: reproducible** (2 fresh runs, compared)")
    assert ("```python\nimport os\nx = [1, 2]\nx + [3]\n#> [1, 2, 3]\n"
            "print(\"home is\", os.environ[\"HOME\"])\n#> home is <run>/home\n"
            "for i in range(2):\n    print(i * 10)\n#> 0\n#> 10\n```") in markdown
    assert "> All 2 runs printed the same output and built no Keras model." in markdown
    assert "<sub>Sandbox: " in markdown


def test_differences_between_runs_point_at_the_reprex_lines():
    result = reprex.reprex("import random\nrandom.seed()\nrandom.random()\n", runs=2)
    assert result.status == "not reproducible" and result.exit_code == 1
    (diff,) = result.line_diffs
    assert diff.line == 4 and diff.first.startswith("#> 0.") and diff.first != diff.other


def test_an_error_shows_as_a_traceback_and_fails_like_check():
    result = reprex.reprex("a = 1\nb = a / 0\nprint('after')\n", runs=1)
    assert result.status == "failed" and result.exit_code == 2
    assert "ZeroDivisionError: division by zero (in the statement `b = a / 0`)" in result.error
    code = result.runs[0].reprex
    assert "b = a / 0\n#> Traceback (most recent call last):" in code
    assert code.rstrip().endswith("print('after')\n#> after")  # like R's reprex: it goes on


def test_render_command_exit_codes_and_json(capsys, tmp_path):
    path = tmp_path / "answer.py"
    path.write_text("print(6 * 7)\n")
    assert cli.main(["snippet", "render", str(path), "--runs", "1"]) == 0
    out = capsys.readouterr().out
    assert "```python\nprint(6 * 7)\n#> 42\n```" in out and ": single run**" in out
    assert cli.main(["snippet", "render", str(path), "--format", "json", "--runs", "1"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["reprex"] == "print(6 * 7)\n#> 42" and data["sandbox"] in ("bwrap", "none")
    assert cli.main(["snippet", "render", str(SNIPPETS / "exits_nonzero.py")]) == 2
    assert cli.main(["snippet", "render", str(tmp_path / "missing.py")]) == 3


def test_the_checking_process_never_evaluates_the_snippet():
    code = ("import sys\nfrom mlscompanion.snippets import reprex\n"
            "r = reprex.reprex('import os\\nos.getpid()\\n', runs=1, sandbox='none')\n"
            "print(r.status, 'reprexlite' in sys.modules, r.runs[0].reprex.count('#>'))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert done.stdout.strip().endswith("single run False 1"), done.stderr[-2000:]


@pytest.mark.tf_only
def test_keras_snippet_reprex_has_fingerprints_and_environment():
    result = reprex.reprex(SNIPPETS / "keras_seeded.py", runs=2)
    assert result.status == "reproducible", result.error
    markdown = render_reprex(result)
    assert "#> [[" in markdown  # the printed kernel, under its print statement
    assert "| 1 | `sequential` | `Sequential` | 9 | `" in markdown and "| same |" in markdown
    assert "**Environment**" in markdown and "backend         : tensorflow" in markdown
    assert "<sub>Device: CPU (GPU determinism does not apply)</sub>" in markdown
