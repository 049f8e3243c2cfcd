import os
import re
import subprocess
import sys

import pytest

from mlscompanion import cli


@pytest.mark.slow
def test_demo_runs_end_to_end_and_writes_its_png(tmp_path):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    out = subprocess.run([sys.executable, "-m", "mlscompanion", "demo", "--epochs", "2", "--out", str(tmp_path)],
                         capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    png = tmp_path / "tied_vs_untied.png"
    assert png.exists() and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    for text in ("w1", "w6", "b3", "effective width of layer1", "tied: 1", "untied: 2",
                 "Tied units identical after training: yes"):
        assert text in out.stdout
    # the tied run started apart (so "yes" is the tie's doing, not the start's)
    gap = re.search(r"at the start w1 - w3 = (-?[0-9.]+)", out.stdout)
    assert gap and abs(float(gap.group(1))) > 0.01
    assert "Epoch 2/2" in out.stdout  # the learner sees it move


def test_env_prints_a_pasteable_block(capsys):
    assert cli.main(["env"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("```") and "keras" in text and "Seed audit" in text


@pytest.mark.parametrize("argv", [["demo", "--epochs", "0"], ["demo", "--epochs", "two"], ["nope"], []])
def test_bad_arguments_exit_2_with_a_message(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(argv)
    assert exc.value.code == 2
    assert "error" in capsys.readouterr().err


def test_labs_list_shows_every_lab_in_order(capsys):
    assert cli.main(["labs", "list"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert [int(line.split()[0]) for line in lines] == list(range(1, 9))
    assert "coffee_roasting" in lines[0] and "seeded_reproducibility" in lines[-1]


def test_labs_run_unknown_name_says_which_exist(capsys):
    assert cli.main(["labs", "run", "no_such_lab"]) == 2
    err = capsys.readouterr().err
    assert "No lab named 'no_such_lab'" in err and "1 coffee_roasting" in err
