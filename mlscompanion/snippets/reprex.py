"""``render``: a reprex for the forum, the code with its output, and the verdict under it.

Like R's ``reprex`` (and Python's reprexlite, which does the evaluation and
the ``#>`` formatting here), the snippet comes back with each statement's
output as ``#>`` comment lines under it. Each run happens in the sandbox:
reprexlite runs inside the sandboxed process (``_bootstrap.py --reprex``),
never in the checker. Below the code come the verdict from N fresh runs
(compared on the whole reprex text), the model fingerprints, the fix and the
environment block.

Example:

>>> result = reprex("answer.py", runs=2)
>>> print(render_reprex(result))          # one Markdown block to paste
>>> result.exit_code                      # 0, 1 or 2, as for check
"""

import dataclasses
import json

from mlscompanion.snippets.checker import check, load_snippet
from mlscompanion.snippets.escape import code_span, safe
from mlscompanion.snippets.report import NOT_SANDBOXED, _markdown_body, fenced, footer_lines, render

__all__ = ["reprex", "render_reprex", "FORMATS"]

FORMATS = ("markdown", "text", "json")


def reprex(path_or_source, runs=2, seed=None, timeout=300.0, decimals=None, sandbox="auto",
           progress=None, python=None):
    """Run the snippet ``runs`` times with reprexlite, sandboxed; return the ``SnippetResult``.

    The arguments are those of ``check``; each run's ``reprex`` holds the
    code with its output as ``#>`` lines.
    """
    return check(path_or_source, runs=runs, seed=seed, timeout=timeout, decimals=decimals,
                 progress=progress, sandbox=sandbox, reprex=True, python=python)


def _code(result):
    """The first run's reprex, or the bare code when no run got that far."""
    for run in result.runs:
        if run.reprex is not None:
            return run.reprex.rstrip("\n")
    try:
        return load_snippet(result.file)[2].rstrip("\n")
    except Exception:  # noqa: BLE001 - a missing or binary file: nothing to show
        return ""


def render_reprex(result, format="markdown", color=False):
    """The reprex as a string: "markdown" (to paste), "text" or "json".

    Example (``reprex`` runs the snippet as ``check`` does, keeping each
    statement's output):

    >>> from mlscompanion.snippets.reprex import reprex
    >>> result = reprex("import random; random.seed(0); print(random.random())")
    >>> print(mlscompanion.snippets.render_reprex(result))
    **Reprex of `<source>`: reproducible** (2 fresh runs, compared)
    <BLANKLINE>
    ```python
    import random; random.seed(0); print(random.random())
    #> 0.8444218515250481
    ```
    ...
    """
    if format == "markdown":
        return _markdown(result)
    if format == "text":
        return safe(_code(result)) + "\n\n" + render(result, "text", color=color)
    if format == "json":
        data = dataclasses.asdict(result)
        data["reprex"] = _code(result)
        return json.dumps(data, indent=2, default=str)
    raise ValueError(f"`format` must be one of {', '.join(FORMATS)}. Received: format={format!r}")


def _markdown(result):
    lines = [f"**Reprex of {code_span(result.file)}: {result.status}** ({_runs(result)})", "",
             *fenced(_code(result), "python"), ""]
    lines += _markdown_body(result)
    lines += footer_lines(result)
    lines.append("<sub>Output shown as `#>` lines by reprexlite; checked with "
                 "`mlscompanion snippet render`.</sub>")
    return "\n".join(lines).rstrip("\n")


def _runs(result):
    count = len(result.runs)
    text = f"{count} fresh run{'s' if count != 1 else ''}, compared"
    if result.sandbox_fallback:
        text += NOT_SANDBOXED
    if result.seed is not None:
        text += f", mlscompanion.set_seed({result.seed}) injected first"
    if result.decimals is not None:
        text += f", tolerance {result.decimals} decimals"
    return text
