"""The ``mlscompanion`` command (also ``python -m mlscompanion``).

    mlscompanion demo [--epochs N] [--out DIR]     the headline experiment
    mlscompanion env                               environment + seed audit, to paste
    mlscompanion labs list | run NAME [--quick]    the lab notebooks, headless
    mlscompanion snippet check FILE [...]          is a forum snippet reproducible?
    mlscompanion snippet render FILE [...]         the snippet with its output, to paste
"""

import argparse
import os
import sys

# Keep TensorFlow's C++ start-up chatter out of what learners paste.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


class _Parser(argparse.ArgumentParser):
    """ArgumentParser whose usage errors exit with ``exit_code`` (default 2)."""

    exit_code = 2

    def error(self, message):
        self.print_usage(sys.stderr)
        self.exit(self.exit_code, f"{self.prog}: error: {message}\n")


class _SnippetParser(_Parser):
    exit_code = 3  # documented: 3 = bad arguments


def _bounded(convert, low, strict, what):
    """An argparse type: ``convert`` the text and require > low (strict) or >= low."""

    def parse(text):
        try:
            value = convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None
        if not (value > low if strict else value >= low):
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}")
        return value

    return parse


_positive_int = _bounded(int, 0, True, "a positive integer")
_positive_float = _bounded(float, 0, True, "a positive number")
_non_negative_int = _bounded(int, 0, False, "an integer >= 0")


def _cmd_demo(args):
    from mlscompanion import demo

    demo.run(epochs=args.epochs, out=args.out, seed=args.seed)
    return 0


def _cmd_env(args):
    import mlscompanion

    print("```")
    print(mlscompanion.format_environment())
    print()
    print(mlscompanion.seed_audit())
    print("```")
    return 0


def _cmd_labs(args):
    from mlscompanion import labs

    return labs.cli_main(args)


def _cmd_snippet(args):
    from mlscompanion import snippets

    return snippets.cli_main(args)


_DESCRIPTION = ("Companion tools for Keras 3 learners and forum mentors: the tied-neurons demo,\n"
                "the lab notebooks, an environment report and the snippet check.\n"
                "Also runs as: python -m mlscompanion")
_CHECK_DESCRIPTION = ("Run FILE in fresh Python processes, compare what they print and the weights\n"
                      "of every Keras model they build, and say whether it is reproducible.\n\n"
                      "Exit code: 0 reproducible, 1 not reproducible, 2 the snippet failed or timed out,\n"
                      "3 bad arguments.")
_RENDER_DESCRIPTION = ("Run FILE in a sandbox and show it with each statement's output as #> lines,\n"
                       "then the reproducibility verdict of fresh runs, the model fingerprints\n"
                       "and the environment: one block to paste in a forum post.\n\n"
                       "Exit codes as for snippet check.")
# Help is plain text laid out by hand (one "Example:" line per command), not reST.
_PLAIN = argparse.RawDescriptionHelpFormatter


def _snippet_options(q, default_format, formats):
    """The options ``snippet check`` and ``snippet render`` share."""
    q.add_argument("file", metavar="FILE", help="the Python snippet")
    q.add_argument("--runs", type=_positive_int, default=2, help="fresh processes (default 2)")
    q.add_argument("--seed", type=_non_negative_int, default=None, help="inject mlscompanion.set_seed(S) first")
    q.add_argument("--format", choices=formats, default=default_format,
                   help=f"report format (default {default_format})")
    q.add_argument("--timeout", type=_positive_float, default=300.0,
                   help="seconds for the whole check (default 300)")
    q.add_argument("--python", metavar="PATH", default=None,
                   help="run the snippet with this Python, e.g. a venv with the course's "
                        "TensorFlow 2.15 (default: this one)")
    q.add_argument("--decimals", type=_non_negative_int, default=None,
                   help="also compare numbers and fingerprints rounded to this many decimals")
    q.add_argument("--sandbox", choices=("auto", "bwrap", "none"), default="auto",
                   help="bwrap: bubblewrap isolation; none: limits only; auto (default): "
                        "bwrap where it works, else none, said in the report")
    q.set_defaults(func=_cmd_snippet)


def _add_demo(sub):
    p = sub.add_parser("demo", help="tied vs untied neurons on the coffee data",
                       description="Train the forum's 2-2-1 network twice on the coffee data, tied and untied.",
                       epilog="Example: mlscompanion demo --epochs 5 --out demo_out",
                       formatter_class=_PLAIN)
    p.add_argument("--epochs", type=_positive_int, default=10, help="epochs per network (default 10)")
    p.add_argument("--out", default="demo_out", help="folder for the figure (default demo_out)")
    p.add_argument("--seed", type=_non_negative_int, default=1234, help="random seed (default 1234)")
    p.set_defaults(func=_cmd_demo)


def _add_env(sub):
    p = sub.add_parser("env", help="environment block and seed audit, to paste in a forum post",
                       description="Print the environment and the seed audit as a block to paste in a forum post.",
                       epilog="Example: mlscompanion env",
                       formatter_class=_PLAIN)
    p.set_defaults(func=_cmd_env)


def _add_labs(sub):
    p = sub.add_parser("labs", help="list or run the lab notebooks headless",
                       description="List the lab notebooks, or run one headless.",
                       epilog="Example: mlscompanion labs list",
                       formatter_class=_PLAIN)
    labs_sub = p.add_subparsers(dest="labs_command", metavar="ACTION", parser_class=_Parser)
    labs_sub.required = True
    q = labs_sub.add_parser("list", help="the labs and the question each answers",
                            description="List the labs and the question each answers.",
                            epilog="Example: mlscompanion labs list",
                            formatter_class=_PLAIN)
    q.set_defaults(func=_cmd_labs)
    q = labs_sub.add_parser("run", help="execute a lab notebook and save the executed copy",
                            description="Execute a lab notebook headless and save the executed copy.",
                            epilog="Example: mlscompanion labs run coffee_roasting --quick --out labs_out",
                            formatter_class=_PLAIN)
    q.add_argument("name", help="lab name or number, as shown by 'mlscompanion labs list'")
    q.add_argument("--quick", action="store_true", help="small budget (seconds, for checks)")
    q.add_argument("--out", default="labs_out", help="folder for the executed notebook")
    q.add_argument("--timeout", type=_positive_int, default=600, help="seconds per cell (default 600)")
    q.set_defaults(func=_cmd_labs)


def _add_snippet(sub):
    p = sub.add_parser("snippet", help="check that a forum snippet is reproducible, or render it",
                       description="Check that a forum snippet gives the same results on every run,\n"
                                   "or render it with its output for a forum post.",
                       epilog="Example: mlscompanion snippet check answer.py",
                       formatter_class=_PLAIN)
    snip_sub = p.add_subparsers(dest="snippet_command", metavar="ACTION", parser_class=_SnippetParser)
    snip_sub.required = True
    q = snip_sub.add_parser("check", help="run FILE in fresh sandboxed processes and compare",
                            description=_CHECK_DESCRIPTION,
                            epilog="Example: mlscompanion snippet check answer.py --runs 2 --format markdown",
                            formatter_class=_PLAIN)
    _snippet_options(q, "text", ("text", "markdown", "json"))
    q = snip_sub.add_parser("render", help="FILE with each statement's output as #> lines, "
                            "and the verdict below: a reprex to paste in the forum",
                            description=_RENDER_DESCRIPTION,
                            epilog="Example: mlscompanion snippet render answer.py > post.md",
                            formatter_class=_PLAIN)
    _snippet_options(q, "markdown", ("markdown", "text", "json"))


def build_parser():
    parser = _Parser(prog="mlscompanion", description=_DESCRIPTION, epilog="Example: mlscompanion demo",
    formatter_class=_PLAIN)
    from mlscompanion import __version__

    parser.add_argument("--version", action="version", version=f"mlscompanion {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    _add_demo(sub)
    _add_env(sub)
    _add_labs(sub)
    _add_snippet(sub)
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except ValueError as error:
        print(f"mlscompanion {args.command}: {error}", file=sys.stderr)
        return 3 if args.command == "snippet" else 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
