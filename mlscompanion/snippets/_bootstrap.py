"""Run one snippet in this (fresh) process and record what the check compares.

Used by ``runner.py`` as::

    python -m mlscompanion.snippets._bootstrap RESULT_JSON SNIPPET [--seed S] [--decimals D] [--reprex]

The snippet runs unchanged, as ``__main__`` (``runpy.run_path``), with
``sys.path[0]`` set to its folder like ``python SNIPPET`` would. Its stdout
and stderr are left alone; everything the check needs goes to RESULT_JSON.
With ``--reprex`` reprexlite evaluates it statement by statement instead,
and RESULT_JSON also holds the code with each statement's output as ``#>``
lines (this process is the sandboxed one: the checker never runs the code).

How models are found: when (and only if) the snippet imports Keras, an
import hook wraps ``keras.Model.__new__`` so that every model the snippet
creates is remembered in creation order, also those that went out of
scope, and wraps ``keras.Model.fit`` to note whether training shuffled.
Nothing of Keras is imported before the snippet does it (unless ``--seed``
asks for ``mlscompanion.set_seed``), so a snippet that never touches Keras
starts as fast as plain Python.
"""

import argparse
import json
import math
import os
import runpy
import sys
import traceback

from mlscompanion import _internals
from mlscompanion._registration import AfterImport

# Where keras.Model is defined: Keras 3, and Keras 2 (tf.keras of TensorFlow 2.13-2.15).
MODEL_MODULES = (_internals.KERAS_MODEL_MODULE, _internals.KERAS2_MODEL_MODULE)

STDIN_MESSAGE = (
    "snippet check runs snippets without standard input: the snippet tried to "
    "read from stdin (input() or sys.stdin). Replace the input with fixed "
    "values in the snippet."
)


class _NoStdin:
    """Stands in for ``sys.stdin``: any read fails at once with a clear message."""

    reads = 0

    def _fail(self, *args, **kwargs):
        _NoStdin.reads += 1
        raise EOFError(STDIN_MESSAGE)

    read = readline = readlines = __iter__ = __next__ = _fail

    def isatty(self):
        return False

    def fileno(self):
        return 0  # the real descriptor is /dev/null

    def close(self):
        pass


class _Recorder:
    """Remembers every Keras model created and every ``fit`` call."""

    def __init__(self, snippet):
        self.snippet = os.path.abspath(snippet)
        self.created = []
        self._ids = set()
        self.fit_calls = []

    def install(self, model_module):
        if getattr(self, "_installed", False):
            return
        self._installed = True
        _internals.record_model_creation(model_module.Model, self._created)
        _internals.record_fit_calls(model_module.Model, self._fitted)

    def _created(self, model):
        if id(model) not in self._ids:
            self._ids.add(id(model))
            self.created.append(model)  # strong reference: kept to the end

    def _fitted(self, model, arguments, passed):
        self.fit_calls.append(self._describe_fit(arguments, passed))

    def _describe_fit(self, arguments, passed):
        x, shuffle = arguments.get("x"), arguments.get("shuffle", True)
        dataset_like = hasattr(x, "element_spec") or "Dataset" in type(x).__name__
        return {"shuffle": bool(shuffle) and not dataset_like,
                "explicit": "shuffle" in passed, "line": self._snippet_line()}

    def _snippet_line(self):
        frame = sys._getframe(1)
        while frame is not None:
            if os.path.abspath(frame.f_code.co_filename) == self.snippet:
                return frame.f_lineno
            frame = frame.f_back
        return None

    def models(self):
        """Models with weights, minus those whose weights all belong to an earlier one.

        That drops the internal ``Functional`` a ``Sequential`` builds for
        itself (and stale copies of it), which share the Sequential's weights.
        """
        kept, seen = [], []
        for model in self.created:
            try:
                ids = {id(w) for w in model.weights}
            except Exception:
                continue
            if ids and not any(ids <= earlier for earlier in seen):
                kept.append(model)
            seen.append(ids)
        return kept


def _fingerprints(models, decimals):
    if not models:
        return []  # and Keras stays unimported if the snippet never used it
    from mlscompanion.fingerprints import fingerprint

    records = []
    for index, model in enumerate(models, start=1):
        try:
            records.append({
                "index": index,
                "name": model.name,
                "cls": type(model).__name__,
                "params": int(sum(math.prod(w.shape) for w in model.weights)),
                "fingerprint": fingerprint(model),
                "rounded": None if decimals is None else fingerprint(model, decimals=decimals),
            })
        except Exception as error:  # a half-built model must not hide the others
            records.append({"index": index, "name": getattr(model, "name", "?"),
                            "cls": type(model).__name__, "params": 0,
                            "fingerprint": f"unavailable ({type(error).__name__})",
                            "rounded": None})
    return records


def _layers(models):
    seen, stack = set(), list(models)
    while stack:
        layer = stack.pop(0)
        for child in getattr(layer, "layers", None) or []:
            if id(child) not in seen:
                seen.add(id(child))
                stack.append(child)
                yield child


def _random_initializers(models):
    """Random initializers of the models' layers: (shared ones, unseeded ones).

    Shared: one instance used by several layers, ``[{"initializer", "used_by"}]``.
    Unseeded: ``layer.attribute`` names whose initializer got no ``seed=``
    (its values then depend on the global seeding).
    """
    try:
        RandomInitializer = _internals.random_initializer_class()
    except _internals.InternalsChanged:  # Keras 2 has no such base class: no facts
        return [], []
    users, unseeded = {}, []
    for layer in _layers(models):
        for attr, value in vars(layer).items():
            if isinstance(value, RandomInitializer):
                where = f"{layer.name}.{attr}"
                users.setdefault(id(value), (type(value).__name__, []))[1].append(where)
                if _internals.initializer_seed(value) is None:
                    unseeded.append(where)
    shared = [{"initializer": name, "used_by": where}
              for name, where in users.values() if len(where) > 1]
    return shared, unseeded


def _facts(recorder, models):
    """Run-time facts for the audit; Keras-dependent ones only if Keras was imported."""
    facts = {"keras_imported": "keras" in sys.modules, "stdin_reads": _NoStdin.reads,
             "python_hash_seed": os.environ.get("PYTHONHASHSEED", "random"),
             "fit_calls": recorder.fit_calls, "models_created": len(models)}
    environment = {}
    if facts["keras_imported"]:
        from mlscompanion import run_environment, seeding

        audit = seeding.seed_audit()
        environment = run_environment.environment()
        shared, unseeded = _random_initializers(models)
        facts.update(keras_seed=audit.keras_seed, tf_seed=audit.tf_seed,
                     deterministic=audit.deterministic, backend=audit.backend,
                     device=environment.get("device"), shared_initializers=shared,
                     unseeded_initializers=unseeded)
    return facts, environment


def _exit_code(code):
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def _describe_error(error, snippet):
    """Print the traceback from the snippet's first frame on; return a one-line summary."""
    tb = error.__traceback__
    while tb is not None and os.path.abspath(tb.tb_frame.f_code.co_filename) != snippet:
        tb = tb.tb_next
    shown = traceback.TracebackException(type(error), error, tb or error.__traceback__)
    shown.stack = traceback.StackSummary.from_list(
        [frame for frame in shown.stack if frame.filename != __file__])
    print("".join(shown.format()), end="", file=sys.stderr)
    line = None
    for frame, lineno in traceback.walk_tb(tb):
        if os.path.abspath(frame.f_code.co_filename) == snippet:
            line = lineno
    where = f" (line {line})" if line else ""
    return f"{type(error).__name__}: {error}{where}"


_TRACEBACK = "Traceback (most recent call last):\n"


def _run_reprex(snippet):
    """(exit code, error, reprex text): the snippet evaluated by reprexlite.

    Like R's reprex, a statement that raises shows its traceback as ``#>``
    lines and the next statements still run; the first error is reported.
    """
    from reprexlite import Reprex, ReprexConfig

    with open(snippet, encoding="utf-8-sig") as handle:
        source = handle.read()
    config = ReprexConfig(venue="py", advertise=False, session_info=False)
    scope = {"__name__": "__main__", "__file__": snippet}
    try:
        reprex = Reprex.from_input(source, config=config, scope=scope)
    except SystemExit as stop:
        return (_exit_code(stop.code), "the snippet called sys.exit(), which ends a reprex "
                "before its output can be shown", None)
    error = None
    for statement, result in zip(reprex.statements, reprex.results):
        if result.raw is None and (result.stdout or "").startswith(_TRACEBACK):
            first = statement.raw_code.strip().splitlines()[0]
            error = f"{result.stdout.splitlines()[-1]} (in the statement `{first}`)"
            break
    return (1 if error else 0), error, reprex.render()


def main(argv=None):
    parser = argparse.ArgumentParser(prog="mlscompanion.snippets._bootstrap")
    parser.add_argument("result")
    parser.add_argument("snippet")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--decimals", type=int, default=None)
    parser.add_argument("--reprex", action="store_true")
    args = parser.parse_args(argv)

    snippet = os.path.abspath(args.snippet)
    recorder = _Recorder(snippet)
    for module in MODEL_MODULES:
        if module in sys.modules:
            recorder.install(sys.modules[module])
        else:
            sys.meta_path.insert(0, AfterImport(module, recorder.install))
    # Importing mlscompanion (to run this module) set up the registration of our
    # classes for when the snippet imports Keras, so its load_model calls find them.
    sys.stdin = _NoStdin()
    sys.argv = [args.snippet]
    sys.path[0] = os.path.dirname(snippet)
    if args.seed is not None:
        from mlscompanion.seeding import set_seed

        set_seed(args.seed)

    exit_code, error, reprex = 0, None, None
    try:
        if args.reprex:
            exit_code, error, reprex = _run_reprex(snippet)
        else:
            runpy.run_path(snippet, run_name="__main__")
    except SystemExit as stop:
        exit_code = _exit_code(stop.code)
    except BaseException as failure:  # noqa: BLE001 - report whatever the snippet raised
        error = _describe_error(failure, snippet)
        exit_code = 1
    sys.stdout.flush()

    report = {"exit_code": exit_code, "error": error, "reprex": reprex}
    keras_imported = "keras" in sys.modules
    try:
        models = recorder.models() if keras_imported else []
        report["models"] = _fingerprints(models, args.decimals)
        report["facts"], report["environment"] = _facts(recorder, models)
        if report["environment"]:
            from mlscompanion.run_environment import format_environment

            report["environment_text"] = format_environment(report["environment"])
    except Exception as failure:  # noqa: BLE001 - the report must still be written
        report.setdefault("models", [])
        report["facts"] = {"error": f"{type(failure).__name__}: {failure}"}
    _write_report(args.result, report)
    return exit_code


def _write_report(path, report):
    """Write the report beside ``path``, then move it in place: whatever the snippet
    left at ``path`` (a FIFO, a link) is replaced, never opened."""
    partial = f"{path}.{os.getpid()}.partial"
    with open(partial, "x", encoding="utf-8") as handle:
        json.dump(report, handle, default=str)
    os.replace(partial, path)


if __name__ == "__main__":
    sys.exit(main())
