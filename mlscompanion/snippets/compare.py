"""Compare the runs of a snippet: printed output line by line, model fingerprints.

Before comparing, stdout is reduced to what a terminal would finally show
(Keras progress bars redraw with ``\\r``, ``\\b`` and colour codes) and
run-dependent noise is masked: timings such as ``0s``, ``3ms/step``,
``ETA: 1s`` and object addresses such as ``0x7f3a9c2b1d90``. Everything else,
every digit of every number, must match.

Example:

>>> same_output(["loss: 0.6931\\n", "loss: 0.6931\\n"])
True
>>> numbers_rounded("w = 0.123456789", 4)
'w = 0.1235'
"""

import difflib
import re

from mlscompanion.snippets.result import LineDiff, ModelDiff

__all__ = ["normalize", "numbers_rounded", "same_output", "line_diffs", "model_diffs",
           "differing_spans", "NUMBER"]

NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")
_FLOAT = re.compile(r"(?<![\w.])[-+]?(?:\d+\.\d*|\.\d+|\d+(?=[eE]))(?:[eE][-+]?\d+)?(?!\w|\.\d)")
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_TIMING = re.compile(r"(?<![\w.])\d+(?:\.\d+)?(?:s|ms|us|µs)(?:/(?:step|sample))?(?![\w])")
_ADDRESS = re.compile(r"\b0x[0-9a-fA-F]{6,}\b")
MAX_LINE_DIFFS = 12


def _final_line(line):
    """What a terminal shows after ``\\r`` redraws and backspaces."""
    segments = [seg for seg in line.replace("\b", "").split("\r") if seg.strip()]
    return segments[-1] if segments else ""


def normalize(text):
    """stdout as comparable lines: terminal view, timings and addresses masked."""
    text = _ANSI.sub("", text.replace("\r\n", "\n"))
    lines = []
    for line in text.split("\n"):
        line = _final_line(line).rstrip()
        line = _TIMING.sub("<time>", line)
        lines.append(_ADDRESS.sub("<address>", line))
    while lines and not lines[-1]:
        lines.pop()
    return lines


def numbers_rounded(text, decimals):
    """``text`` with every decimal number rounded to ``decimals`` places (-0 printed as 0)."""
    def rounded(match):
        value = round(float(match.group()), decimals) + 0.0
        return f"{value:.{decimals}f}"

    return _FLOAT.sub(rounded, text)


def same_output(stdouts, decimals=None):
    """True if every run printed the same (normalized, optionally rounded) lines."""
    views = [_view(out, decimals) for out in stdouts]
    return all(view == views[0] for view in views[1:])


def _view(stdout, decimals=None):
    lines = normalize(stdout)
    if decimals is not None:
        lines = [numbers_rounded(line, decimals) for line in lines]
    return lines


def line_diffs(stdouts, limit=MAX_LINE_DIFFS):
    """Lines that differ from run 1 in each other run: (list of LineDiff, number left out)."""
    first = _view(stdouts[0])
    diffs, omitted = [], 0
    for run, stdout in enumerate(stdouts[1:], start=2):
        other = _view(stdout)
        changes = []
        matcher = difflib.SequenceMatcher(None, first, other, autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "equal":
                continue
            for k in range(max(i2 - i1, j2 - j1)):
                a = first[i1 + k] if i1 + k < i2 else None
                b = other[j1 + k] if j1 + k < j2 else None
                changes.append(LineDiff(run=run, line=min(i1 + k, i2) + 1, first=a, other=b))
        diffs += changes[:limit]
        omitted += max(0, len(changes) - limit)
    return diffs, omitted


def _split_numbers(text):
    tokens, last = [], 0
    for match in NUMBER.finditer(text):
        tokens += [text[last:match.start()], match.group()]
        last = match.end()
    tokens.append(text[last:])
    return [t for t in tokens if t]


def differing_spans(a, b):
    """Character spans of the tokens (numbers, mostly) that differ: (spans in a, spans in b)."""
    ta, tb = _split_numbers(a), _split_numbers(b)
    starts_a = _starts(ta)
    starts_b = _starts(tb)
    spans_a, spans_b = [], []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, ta, tb, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        spans_a += [(starts_a[i], starts_a[i] + len(ta[i])) for i in range(i1, i2)]
        spans_b += [(starts_b[j], starts_b[j] + len(tb[j])) for j in range(j1, j2)]
    return spans_a, spans_b


def _starts(tokens):
    starts, position = [], 0
    for token in tokens:
        starts.append(position)
        position += len(token)
    return starts


def model_diffs(runs, decimals=None):
    """Models whose fingerprint differs between runs (matched by creation order and name)."""
    keys = []
    for run in runs:
        for model in run.models:
            if (model.index, model.name) not in keys:
                keys.append((model.index, model.name))
    diffs = []
    for index, name in keys:
        prints = [_find(run, index, name) for run in runs]
        exact = [p.fingerprint if p else None for p in prints]
        if len(set(exact)) == 1:
            continue
        rounded_equal = None
        if decimals is not None:
            rounded = [p.rounded if p else None for p in prints]
            rounded_equal = None not in rounded and len(set(rounded)) == 1
        diffs.append(ModelDiff(index=index, name=name, fingerprints=exact,
                               rounded_equal=rounded_equal))
    return diffs


def _find(run, index, name):
    for model in run.models:
        if model.index == index and model.name == name:
            return model
    return None
