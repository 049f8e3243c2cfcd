"""Prove a forum snippet gives the same numbers on every run, and say why when it does not.

``check`` runs the snippet in N fresh, sandboxed Python processes (each in
its own temporary folder, without stdin, with a time limit), fingerprints every Keras
model it creates, compares the printed output and the fingerprints, and
audits its seeding (statically with ``ast`` and while it runs). ``render``
turns the result into terminal text, forum Markdown or JSON.

Example:

>>> from mlscompanion import snippets
>>> result = snippets.check("import random; print(random.random())", runs=2)
>>> result.status                 # or a file: snippets.check("forum_answer.py")
'not reproducible'
>>> print(snippets.render(result, "markdown"))
**Snippet check of `<source>`: not reproducible** (2 fresh runs)
...

Modules: ``runner`` (one fresh-process run), ``_bootstrap`` (what runs in
that process), ``sandbox`` (bubblewrap or none), ``childenv`` (the cleared
environment), ``limits`` (resource limits), ``_supervisor`` and ``capture``
(the run always ends, nothing survives it), ``compare``, ``audit``,
``report``, ``checker``, ``reprex`` (``snippet render``), ``cli``.
"""

from mlscompanion.snippets.checker import check
from mlscompanion.snippets.cli import cli_main
from mlscompanion.snippets.report import render
from mlscompanion.snippets.reprex import render_reprex  # reprex() stays in its module
from mlscompanion.snippets.result import (
    Finding, LineDiff, ModelDiff, ModelPrint, Run, SnippetResult)

__all__ = ["check", "render", "render_reprex", "cli_main", "SnippetResult", "Finding", "Run",
           "ModelPrint", "LineDiff", "ModelDiff"]
