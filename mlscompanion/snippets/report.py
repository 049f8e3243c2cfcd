"""Render a ``SnippetResult``: text for the terminal, Markdown for the forum, JSON for tools.

Example:

>>> result = check("forum_answer.py")
>>> print(render(result, "markdown"))         # verdict, fingerprints, fix, environment
>>> print(render(result, "text", color=True))  # rich colours, for a terminal
"""

import dataclasses
import io
import json

from mlscompanion.snippets.compare import differing_spans
from mlscompanion.snippets.result import FAILED, NOT_REPRODUCIBLE, REPRODUCIBLE

__all__ = ["render", "FORMATS"]

FORMATS = ("text", "markdown", "json")
_VERDICT_STYLE = {REPRODUCIBLE: "bold green", NOT_REPRODUCIBLE: "bold red",
                  FAILED: "bold red"}
_STDERR_TAIL = 15


def render(result, format="text", color=False, width=100):
    """The report as a string in ``format`` ("text", "markdown" or "json").

    ``color`` adds terminal colours to the text format (the command turns it
    on only when stdout is a terminal).
    """
    if format == "text":
        return _text(result, color, width)
    if format == "markdown":
        return _markdown(result)
    if format == "json":
        return json.dumps(dataclasses.asdict(result), indent=2, default=str)
    raise ValueError(f"`format` must be one of {', '.join(FORMATS)}. Received: format={format!r}")


def _setup(result):
    runs = len(result.runs)
    text = f"{runs} fresh run{'s' if runs != 1 else ''}" if runs else "not run"
    if result.seed is not None:
        text += f", mlscompanion.set_seed({result.seed}) injected first"
    if result.decimals is not None:
        text += f", tolerance {result.decimals} decimals"
    return text


def _environment_block(result):
    if result.environment_text:
        return result.environment_text
    from mlscompanion.seeding import format_environment

    return format_environment(result.environment)


def _others(result, model):
    """'same' or which runs hold another fingerprint for this model."""
    for diff in result.model_diffs:
        if (diff.index, diff.name) == (model.index, model.name):
            others = [f"run {i}: {fp or 'missing'}" for i, fp in
                      enumerate(diff.fingerprints, start=1) if i > 1 and fp != model.fingerprint]
            text = "DIFFERENT (" + ", ".join(others) + ")"
            if diff.rounded_equal:
                text += f", same to {result.decimals} decimals"
            return text
    return "same" if len(result.runs) > 1 else "-"


def _failed_run(result):
    return next((run for run in result.runs if not run.ok), None)


def _stderr_tail(run):
    lines = run.stderr.rstrip().splitlines()
    return "\n".join(lines[-_STDERR_TAIL:])


# ---------------------------------------------------------------- text (rich)

def _text(result, color, width):
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    out = io.StringIO()
    console = Console(file=out, force_terminal=color, no_color=not color, width=width,
                      highlight=False, color_system="standard" if color else None)
    console.print(Text.assemble(("Snippet check: ", "bold"), result.file, f"  ({_setup(result)})"))
    console.print(Text.assemble(
        ("Verdict: ", "bold"), (result.status.upper(), _VERDICT_STYLE.get(result.status, "bold yellow"))))
    console.print(result.message)

    if result.runs:
        table = Table(title="Runs", title_justify="left", show_edge=False)
        for column in ("run", "exit", "seconds", "models", "problem"):
            table.add_column(column)
        for run in result.runs:
            table.add_row(str(run.index), "-" if run.returncode is None else str(run.returncode),
                          f"{run.seconds:.1f}", str(len(run.models)), run.error or "")
        console.print()
        console.print(table)

    if result.status == FAILED:
        console.print()
        console.print(Text("Error", style="bold red"))
        console.print(Text(result.error or ""))
        run = _failed_run(result)
        if run is not None and run.stderr.strip():
            console.print(Text(f"stderr of run {run.index} (last lines):", style="bold"))
            console.print(Text(_stderr_tail(run), style="dim"))

    if result.line_diffs:
        console.print()
        console.print(Text("Output that differs (normalized stdout, run 1 vs other runs)", style="bold"))
        for diff in result.line_diffs:
            console.print(Text(f"@@ line {diff.line}, run {diff.run} @@", style="cyan"))
            spans_a, spans_b = differing_spans(diff.first or "", diff.other or "")
            if diff.first is not None:
                console.print(_marked("- " + diff.first, spans_a, 2, "red"))
            if diff.other is not None:
                console.print(_marked("+ " + diff.other, spans_b, 2, "green"))
        if result.omitted_line_diffs:
            console.print(f"... {result.omitted_line_diffs} more differing line(s) not shown")

    if result.models:
        table = Table(title="Model fingerprints (hash of all weights, creation order)",
                      title_justify="left", show_edge=False)
        rounded = result.decimals is not None
        for column in ("#", "model", "class", "params", "run 1",
                       *([f"run 1, {result.decimals} decimals"] if rounded else []), "other runs"):
            table.add_column(column)
        for model in result.models:
            others = _others(result, model)
            table.add_row(str(model.index), model.name, model.cls, str(model.params),
                          model.fingerprint, *([model.rounded or "-"] if rounded else []),
                          Text(others, style="red" if others.startswith("DIFF") else "green"))
        console.print()
        console.print(table)

    if result.findings:
        console.print()
        console.print(Text("Why, and the fix", style="bold"))
        for finding in result.findings:
            where = f"line {finding.line}, " if finding.line else ""
            console.print(Text.assemble(
                (f"[{finding.code}] ", "bold yellow"), (finding.title, "bold"),
                f" ({where}{finding.origin})"))
            console.print(_indented(Text(finding.explanation)))
            if finding.detail:
                console.print(_indented(Text("Seen: " + finding.detail, style="dim")))
            console.print(_indented(Text.assemble(("Fix: ", "bold green"), finding.fix)))

    if result.environment:
        console.print()
        console.print(Text("Environment", style="bold"))
        console.print(Text(_environment_block(result)))
    return "\n".join(line.rstrip() for line in out.getvalue().rstrip("\n").split("\n"))


def _indented(renderable):
    from rich.padding import Padding

    return Padding(renderable, (0, 0, 0, 2), expand=False)


def _marked(line, spans, offset, style):
    from rich.text import Text

    text = Text(line, style=style)
    for start, end in spans:
        text.stylize(f"bold reverse {style}", start + offset, end + offset)
    return text


# ---------------------------------------------------------------- Markdown

def _markdown(result):
    lines = [f"**Snippet check of `{result.file}`: {result.status}** ({_setup(result)})", "",
             f"> {result.message}", ""]
    if result.status == FAILED:
        lines += ["**Error**", "", "```text", result.error or ""]
        run = _failed_run(result)
        if run is not None and run.stderr.strip():
            lines += ["", f"# stderr of run {run.index} (last lines)", _stderr_tail(run)]
        lines += ["```", ""]
    if result.models:
        rounded = result.decimals is not None
        header = f" run 1, {result.decimals} decimals |" if rounded else ""
        lines += ["**Model fingerprints** (hash of all weights, in creation order)", "",
                  f"| # | model | class | params | run 1 |{header} other runs |",
                  "|---|---|---|---:|---|" + ("---|" if rounded else "") + "---|"]
        for model in result.models:
            cell = f" `{model.rounded}` |" if rounded else ""
            lines.append(f"| {model.index} | {model.name} | {model.cls} | {model.params} | "
                         f"`{model.fingerprint}` |{cell} {_others(result, model)} |")
        lines.append("")
    if result.line_diffs:
        lines += ["**Output that differs** (run 1 vs other runs)", "", "```diff"]
        for diff in result.line_diffs:
            lines.append(f"@@ line {diff.line}, run {diff.run} @@")
            if diff.first is not None:
                lines.append("-" + diff.first)
            if diff.other is not None:
                lines.append("+" + diff.other)
        if result.omitted_line_diffs:
            lines.append(f"@@ ... {result.omitted_line_diffs} more differing line(s) @@")
        lines += ["```", ""]
    if result.findings:
        lines += ["**Why, and the fix**", ""]
        for number, finding in enumerate(result.findings, start=1):
            where = f"line {finding.line}, " if finding.line else ""
            lines.append(f"{number}. **{finding.title}** ({where}{finding.origin}). "
                         f"{finding.explanation}" + (f" Seen: {finding.detail}." if finding.detail else "")
                         + f" *Fix:* {finding.fix}")
        lines.append("")
    if result.environment:
        lines += ["**Environment**", "", "```text", _environment_block(result),
                  "```"]
    return "\n".join(lines).rstrip("\n")
