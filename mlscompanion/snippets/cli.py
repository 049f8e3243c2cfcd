"""``mlscompanion snippet check|render FILE``: the commands' glue around ``check``,
``reprex`` and their renderers.

Exit codes: 0 reproducible, 1 not reproducible, 2 the snippet failed or
timed out, 3 bad arguments (raised as ValueError, mapped by ``mlscompanion.cli``).
"""

import pathlib
import sys

from mlscompanion.snippets.checker import check
from mlscompanion.snippets.report import render
from mlscompanion.snippets.reprex import render_reprex, reprex

__all__ = ["cli_main"]


def _progress(index, runs):
    print(f"run {index}/{runs} in a fresh process ...", file=sys.stderr, flush=True)


def cli_main(args):
    """Run the check (or render) the parsed ``args`` describe, print it, return the exit code.

    ``mlscompanion snippet check answer.py --format json`` calls it so:

    >>> import argparse, pathlib
    >>> _ = pathlib.Path("answer.py").write_text("print(1 + 1)")
    >>> args = argparse.Namespace(snippet_command="check", file="answer.py", runs=2, seed=None,
    ...                           timeout=60.0, decimals=None, sandbox="auto", python=None,
    ...                           format="json")
    >>> mlscompanion.snippets.cli_main(args)
    {
      "file": "answer.py",
      "status": "reproducible",
    ...
    0
    """
    command = reprex if args.snippet_command == "render" else check
    result = command(pathlib.Path(args.file), runs=args.runs, seed=args.seed,
                     timeout=args.timeout, decimals=args.decimals, sandbox=args.sandbox,
                     python=args.python, progress=_progress if sys.stderr.isatty() else None)
    color = args.format == "text" and sys.stdout.isatty()
    if args.snippet_command == "render":
        print(render_reprex(result, args.format, color=color))
    else:
        print(render(result, args.format, color=color))
    return result.exit_code
