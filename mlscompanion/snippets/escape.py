"""Snippet-made text made inert for the format it lands in: a terminal, Rich, Markdown.

A snippet chooses its layer and model names, its class names, what it
prints and (by forging its report) its facts; Keras accepts any layer name.
Every such string goes through one of these before it reaches a report:

- ``safe``: control characters (C0, DEL, C1, so ESC and CSI too) and the
  Unicode bidirectional overrides shown as visible escapes (``\\x1b``), for
  the terminal; Rich markup is never parsed from it (reports build
  ``rich.text.Text`` objects, never markup strings);
- ``code_span``: an inline Markdown code span no backtick run can close;
- ``cell``: a code span fit for a Markdown table cell (``|`` escaped);
- ``markdown_text``: plain Markdown text inside a line, every mark that
  can open an inline element backslash-escaped, so no emphasis, code, link,
  image or HTML can form.

Example:

>>> safe("\\x1b[2Jgreen")
'\\\\x1b[2Jgreen'
>>> code_span("a `b` c")
'``a `b` c``'
"""

import re

__all__ = ["safe", "code_span", "cell", "markdown_text", "CONTROL"]

CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# The marks that can open an inline element mid-line: code, emphasis, links and images,
# HTML and entities, table cells, strikethrough.
_MARKS = re.compile(r"([\\`*_\[\]<>&!|~])")


def _visible(match):
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def safe(text):
    """``text`` with every control character shown as an escape (``\\x1b``), never sent."""
    return CONTROL.sub(_visible, str(text))


def code_span(text):
    """``text`` as one inline code span on one line (the fence outruns any backticks in it)."""
    text = safe(text).replace("\n", " ").replace("\r", " ")
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def cell(text):
    """``text`` as a code span for a Markdown table cell."""
    return code_span(text).replace("|", "\\|")


def markdown_text(text):
    """``text`` as literal Markdown inside a line: inline marks backslash-escaped."""
    return _MARKS.sub(r"\\\1", safe(text).replace("\n", " "))
