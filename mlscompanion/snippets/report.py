"""Render a ``SnippetResult``: text for the terminal, Markdown for the forum, JSON for tools.

Example:

>>> result = check("forum_answer.py")
>>> print(render(result, "markdown"))         # verdict, fingerprints, fix, environment
>>> print(render(result, "text", color=True))  # rich colours, for a terminal
"""

import dataclasses
import io
import json
import re

from mlscompanion.snippets.compare import differing_spans
from mlscompanion.snippets.escape import CONTROL, cell, code_span, markdown_text, safe
from mlscompanion.snippets.result import FAILED, NOT_REPRODUCIBLE, REPRODUCIBLE

__all__ = ["render", "FORMATS", "safe", "fenced", "sandbox_lines", "device_line", "footer_lines"]

FORMATS = ("text", "markdown", "json")
_VERDICT_STYLE = {REPRODUCIBLE: "bold green", NOT_REPRODUCIBLE: "bold red",
                  FAILED: "bold red"}
_STDERR_TAIL = 15
NOT_SANDBOXED = ", NOT SANDBOXED: bubblewrap is not available, see the sandbox line"


def render(result, format="text", color=False, width=100):
    """The report as a string in ``format`` ("text", "markdown" or "json").

    Example:

    >>> result = mlscompanion.snippets.check("print(1 + 1)")
    >>> print(mlscompanion.snippets.render(result, "text"))
    Snippet check: <source>  (2 fresh runs)
    Verdict: REPRODUCIBLE
    ...

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


def fenced(text, info="text"):
    """``text`` in a Markdown code fence longer than any backtick run inside it,
    so snippet output cannot close the fence and inject Markdown into the post."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return [f"{fence}{info}", safe(text), fence]


def _facts(result):
    return next((run.facts for run in result.runs if run.facts.get("device")), {})


def device_line(result):
    """Where the runs computed and whether GPU determinism was on, from the runs' facts."""
    facts = _facts(result)
    device = facts.get("device")
    if not device:
        return None
    if not (isinstance(device, str) and re.fullmatch(r"[A-Z0-9]{1,16}", device)):
        device = "unknown"  # the bootstrap writes CPU, GPU, TPU...: anything else is forged
    if device == "CPU":
        return "Device: CPU (GPU determinism does not apply)"
    state = {True: "on", False: "off"}.get(facts.get("deterministic"), "unknown")
    return f"Device: {safe(device)}; GPU determinism: {state}; runs went one at a time"


def sandbox_lines(result):
    """The sandbox's one-line note, then what it had to do in each run."""
    lines = [result.sandbox_note] if result.sandbox_note else []
    for run in result.runs:
        if run.incidents:
            lines.append(f"Run {run.index}: " + "; ".join(run.incidents) + ".")
    return lines


def _setup(result):
    runs = len(result.runs)
    text = f"{runs} fresh run{'s' if runs != 1 else ''}" if runs else "not run"
    if result.sandbox_fallback:
        text += NOT_SANDBOXED
    if result.seed is not None:
        text += f", mlscompanion.set_seed({result.seed}) injected first"
    if result.decimals is not None:
        text += f", tolerance {result.decimals} decimals"
    return text


def _environment_block(result):
    if result.environment_text:
        return result.environment_text
    from mlscompanion.run_environment import format_environment

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

    out = io.StringIO()
    console = Console(file=out, force_terminal=color, no_color=not color, width=width,
                      highlight=False, color_system="standard" if color else None)
    _text_header(console, result)
    if result.runs:
        _text_runs(console, result)
    if result.status == FAILED:
        _text_error(console, result)
    if result.line_diffs:
        _text_line_diffs(console, result)
    if result.models:
        _text_models(console, result)
    if result.findings:
        _text_findings(console, result)
    if result.environment:
        _text_environment(console, result)
    return "\n".join(line.rstrip() for line in out.getvalue().rstrip("\n").split("\n"))


def _text_header(console, result):
    from rich.text import Text

    console.print(Text.assemble(("Snippet check: ", "bold"), safe(result.file),
                                f"  ({_setup(result)})"))
    console.print(Text.assemble(
        ("Verdict: ", "bold"), (result.status.upper(), _VERDICT_STYLE.get(result.status, "bold yellow"))))
    console.print(Text(safe(result.message)))
    for line in filter(None, [device_line(result), *sandbox_lines(result)]):
        console.print(Text(safe(line), style="dim"))


def _text_runs(console, result):
    from rich.table import Table
    from rich.text import Text

    table = Table(title="Runs", title_justify="left", show_edge=False)
    for column in ("run", "exit", "seconds", "models", "problem"):
        table.add_column(column)
    for run in result.runs:
        table.add_row(str(run.index), "-" if run.returncode is None else str(run.returncode),
                      f"{run.seconds:.1f}", str(len(run.models)),
                      Text(safe("; ".join(filter(None, [run.error, *run.incidents])))))
    console.print()
    console.print(table)


def _text_error(console, result):
    from rich.text import Text

    console.print()
    console.print(Text("Error", style="bold red"))
    console.print(Text(safe(result.error or "")))
    run = _failed_run(result)
    if run is not None and run.stderr.strip():
        console.print(Text(f"stderr of run {run.index} (last lines):", style="bold"))
        console.print(Text(safe(_stderr_tail(run)), style="dim"))


def _text_line_diffs(console, result):
    from rich.text import Text

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


def _text_models(console, result):
    from rich.table import Table
    from rich.text import Text

    table = Table(title="Model fingerprints (hash of all weights, creation order)",
                  title_justify="left", show_edge=False)
    rounded = result.decimals is not None
    for column in ("#", "model", "class", "params", "run 1",
                   *([f"run 1, {result.decimals} decimals"] if rounded else []), "other runs"):
        table.add_column(column)
    for model in result.models:
        others = _others(result, model)
        table.add_row(str(model.index), Text(safe(model.name)), Text(safe(model.cls)),
                      str(model.params), Text(safe(model.fingerprint)),
                      *([Text(safe(model.rounded or "-"))] if rounded else []),
                      Text(safe(others), style="red" if others.startswith("DIFF") else "green"))
    console.print()
    console.print(table)


def _text_findings(console, result):
    from rich.text import Text

    console.print()
    console.print(Text("Why, and the fix", style="bold"))
    for finding in result.findings:
        where = f"line {finding.line}, " if finding.line else ""
        console.print(Text.assemble(
            (f"[{finding.code}] ", "bold yellow"), (finding.title, "bold"),
            f" ({where}{finding.origin})"))
        console.print(_indented(Text(finding.explanation)))
        if finding.detail:
            console.print(_indented(Text("Seen: " + safe(finding.detail), style="dim")))
        console.print(_indented(Text.assemble(("Fix: ", "bold green"), finding.fix)))


def _text_environment(console, result):
    from rich.text import Text

    console.print()
    console.print(Text("Environment", style="bold"))
    console.print(Text(safe(_environment_block(result))))


def _indented(renderable):
    from rich.padding import Padding

    return Padding(renderable, (0, 0, 0, 2), expand=False)


def _marked(line, spans, offset, style):
    from rich.text import Text

    text = Text(CONTROL.sub("?", line), style=style)  # same length: the spans still fit
    for start, end in spans:
        text.stylize(f"bold reverse {style}", start + offset, end + offset)
    return text


# ---------------------------------------------------------------- Markdown

def _markdown(result):
    lines = [f"**Snippet check of {code_span(result.file)}: {result.status}** "
             f"({_setup(result)})", ""]
    lines += _markdown_body(result)
    lines += footer_lines(result)
    return "\n".join(lines).rstrip("\n")


def footer_lines(result):
    """The device and sandbox lines, small, as literal Markdown text."""
    lines = []
    for line in filter(None, [device_line(result), *sandbox_lines(result)]):
        lines += [f"<sub>{markdown_text(line)}</sub>", ""]
    return lines


def _others_markdown(result, model):
    """``_others`` for a Markdown cell: the snippet-made fingerprints in code spans."""
    others = _others(result, model)
    return others if others in ("same", "-") else cell(others)


def _markdown_body(result):
    """Verdict, error, fingerprints, differences, findings, environment, in Markdown."""
    message = ("The snippet failed; the error is below." if result.status == FAILED
               else result.message)
    lines = [f"> {message}", ""]
    if result.status == FAILED:
        error = result.error or ""
        run = _failed_run(result)
        if run is not None and run.stderr.strip():
            error += f"\n\n# stderr of run {run.index} (last lines)\n{_stderr_tail(run)}"
        lines += ["**Error**", "", *fenced(error), ""]
    if result.models:
        rounded = result.decimals is not None
        header = f" run 1, {result.decimals} decimals |" if rounded else ""
        lines += ["**Model fingerprints** (hash of all weights, in creation order)", "",
                  f"| # | model | class | params | run 1 |{header} other runs |",
                  "|---|---|---|---:|---|" + ("---|" if rounded else "") + "---|"]
        for model in result.models:
            rounded_cell = f" {cell(model.rounded or '-')} |" if rounded else ""
            lines.append(f"| {model.index} | {cell(model.name)} | {cell(model.cls)} | "
                         f"{model.params} | {cell(model.fingerprint)} |{rounded_cell} "
                         f"{_others_markdown(result, model)} |")
        lines.append("")
    if result.line_diffs:
        body = []
        for diff in result.line_diffs:
            body.append(f"@@ line {diff.line}, run {diff.run} @@")
            if diff.first is not None:
                body.append("-" + diff.first)
            if diff.other is not None:
                body.append("+" + diff.other)
        if result.omitted_line_diffs:
            body.append(f"@@ ... {result.omitted_line_diffs} more differing line(s) @@")
        lines += ["**Output that differs** (run 1 vs other runs)", "",
                  *fenced("\n".join(body), "diff"), ""]
    if result.findings:
        lines += ["**Why, and the fix**", ""]
        for number, finding in enumerate(result.findings, start=1):
            where = f"line {finding.line}, " if finding.line else ""
            seen = f" Seen: {code_span(finding.detail)}." if finding.detail else ""
            lines.append(f"{number}. **{finding.title}** ({where}{finding.origin}). "
                         f"{finding.explanation}{seen} *Fix:* {finding.fix}")
        lines.append("")
    if result.environment:
        lines += ["**Environment**", "", *fenced(_environment_block(result)), ""]
    return lines
