"""``mlscompanion snippet check FILE``: the command's glue around ``check`` and ``render``.

Exit codes: 0 reproducible, 1 not reproducible, 2 the snippet failed or
timed out, 3 bad arguments (raised as ValueError, mapped by ``mlscompanion.cli``).
"""

import pathlib
import sys

from mlscompanion.snippets.checker import check
from mlscompanion.snippets.report import render

__all__ = ["cli_main"]


def _progress(index, runs):
    print(f"run {index}/{runs} in a fresh process ...", file=sys.stderr, flush=True)


def cli_main(args):
    """Run the check described by the parsed ``args``, print the report, return the exit code."""
    result = check(pathlib.Path(args.file), runs=args.runs, seed=args.seed,
                   timeout=args.timeout, decimals=args.decimals,
                   progress=_progress if sys.stderr.isatty() else None)
    color = args.format == "text" and sys.stdout.isatty()
    print(render(result, args.format, color=color))
    return result.exit_code
