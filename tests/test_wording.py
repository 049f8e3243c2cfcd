"""User-facing text names forum questions by title, and the command's help is plain text.

The forum threads behind the labs are stored as numbered files; those numbers
are ours, never a learner's. Every text a user reads names a question by its
title or by its label in docs/questions.md, so a file number must not come back.
"""

import argparse
import pathlib
import re

import pytest

from mlscompanion import cli

ROOT = pathlib.Path(__file__).resolve().parent.parent

#: "seed 004", "Seeds 000, 003", "thread 004", "Seed 004's", "seeds/004_...".
FILE_NUMBER = re.compile(r"\b(?:seed|thread)s?[\s_/-]*(?:#|no\.?\s*)?0\d\d(?!\d)", re.IGNORECASE)

SCANNED = ["README.md", "setup.cfg", "mlscompanion/**/*.py", "docs/**/*.md", "labs/*.ipynb",
           "tests/**/*.py", "benchmarks/**/*.py", "benchmarks/*.md"]


def _scanned_files():
    files = {path for pattern in SCANNED for path in ROOT.glob(pattern)}
    files.discard(pathlib.Path(__file__).resolve())  # this file spells the pattern out
    return sorted(files)


@pytest.mark.parametrize("text", ["seed 004", "Seed 004's style", "seeds 000, 003", "Seeds 000 and 003",
                                  "thread 004", "(seed 002)", "seeds/004_233ef.txt"])
def test_pattern_catches_file_numbers(text):
    assert FILE_NUMBER.search(text)


@pytest.mark.parametrize("text", ["set_seed(1234)", "SEED = 2", "seed=1", "15,000 steps", "threading.Event()",
                                  "three seeds (0, 1, 2)", "seed 1234"])
def test_pattern_leaves_real_seeds_alone(text):
    assert not FILE_NUMBER.search(text)


def test_no_file_numbers_in_user_facing_text():
    files = _scanned_files()
    assert len(files) > 20 and any(p.suffix == ".ipynb" for p in files)
    hits = [f"{path.relative_to(ROOT)}:{number}: {line.strip()[:100]}"
            for path in files
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
            if FILE_NUMBER.search(line)]
    assert not hits, "name the question by its title (docs/questions.md), not its file number:\n" + "\n".join(hits)


def test_questions_page_lists_the_five_questions_and_the_readme_links_them():
    page = (ROOT / "docs" / "questions.md").read_text(encoding="utf-8")
    sections = re.findall(r"^## (.+)$", page, flags=re.MULTILINE)
    assert len(sections) == 5
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for section in sections:
        anchor = re.sub(r"[^a-z0-9 -]", "", section.lower()).replace(" ", "-")
        assert f"docs/questions.md#{anchor}" in readme, section


def _commands(parser, prefix=()):
    """Every command path of the parser: (), ("demo",), ("labs", "run"), ..."""
    yield prefix
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _commands(sub, prefix + (name,))


COMMANDS = list(_commands(cli.build_parser()))


def test_every_command_is_walked():
    assert {("demo",), ("env",), ("labs", "list"), ("labs", "run"), ("snippet", "check")} <= set(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "mlscompanion")
def test_help_is_plain_text_with_an_example(command, capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main([*command, "--help"])
    assert exc.value.code == 0
    text = capsys.readouterr().out
    assert text.startswith("usage: mlscompanion")
    for markup in ("`", "**", ":func:", ":class:", ".. "):
        assert markup not in text, f"markup {markup!r} in help of {command}"
    assert not FILE_NUMBER.search(text)
    examples = [line for line in text.splitlines() if line.startswith("Example: mlscompanion ")]
    assert len(examples) == 1
    assert examples[0].split()[2:2 + len(command)] == list(command)
