"""Mutation score of the modules users plug in, measured with mutmut.

Usage (from the repository root, with the test extras and ``mutmut>=3.8``):

    python tools/mutation_score.py                      # every module, then the table
    python tools/mutation_score.py tracker.figures tying   # some modules
    python tools/mutation_score.py --report             # the table from the last run

mutmut copies the package into ``./mutants`` (git-ignored), makes one mutant
per small change (``+`` to ``-``, ``1`` to ``2``, an argument dropped, ...)
and runs, for each mutant, only the tests that call the mutated function
(``-x``, so a killed mutant stops at its first failing test). The tests it may
choose from, and what it mutates, are the ``[tool.mutmut]`` section of
``pyproject.toml``. See docs/testing.md for what the numbers mean.

The runs use the PyTorch backend with one thread: mutmut forks one process per
mutant from a process that has already run the tests, and forked TensorFlow or
multi-threaded PyTorch processes can hang. The figures' code is ``keras.ops``
only, so the backend changes what is compiled, not what is computed.

Surviving mutants that are equivalent (no test can tell them apart from the
original) are listed with the reason in the "Equivalent mutants" table of
docs/testing.md; this script reads that table, so the score and the
explanations cannot drift apart. A listed mutant that no longer exists or is
now killed is reported as stale.
"""

import argparse
import collections
import json
import os
import random
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODULES = ("tracker.figures", "tracker.describe", "initializers", "constraints", "tying",
           "seeding", "fingerprints", "run_environment", "tracker.record_window",
           "tracker.compiled", "tracker.layer_weights", "tracker.layers", "tracker.probes",
           "tracker.jax_state", "tracker.record_log", "tracker.callback", "tracker.history",
           "tracker.units_plot", "tracker.sinks.base", "tracker.sinks.group",
           "tracker.sinks.csv_file", "tracker.sinks.tensorboard", "tracker.sinks.live",
           "next_layer", "devices", "snippets.sandbox",
           "snippets.childenv", "snippets.limits", "snippets._supervisor", "snippets.capture",
           "snippets.guard", "snippets.escape", "snippets.runner")
# Modules of which only some functions are scored: the runner's report channel (the rest
# of runner.py starts the snippet's process, which the mutation runs do not).
FUNCTIONS = {"snippets.runner": ("x__read_report", "x__kind", "x__field", "x__model_print")}
DOC = ROOT / "docs" / "testing.md"
# mutmut's exit codes, by outcome (mutmut/stats.py)
KILLED = {1, 3, 37}
TIMEOUT = {-24, 24, 152, 255, 36}
SURVIVED = {0}
NO_TESTS = {5, 33}
MUTANT = re.compile(r"`(mlscompanion\.([\w.]+)\.\w+__mutmut_\d+)`")


def mutation_env():
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)  # the tests must import ./mutants/mlscompanion
    env.update(KERAS_BACKEND="torch", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1",
               TF_CPP_MIN_LOG_LEVEL="3", PYTHONHASHSEED="0")
    return env


def listed(heading):
    """{mutant name: last cell} from the table under ``## heading`` in docs/testing.md."""
    found = {}
    if not DOC.exists():
        return found
    section = DOC.read_text().split(f"## {heading}", 1)
    if len(section) < 2:
        return found
    for line in section[1].split("\n## ", 1)[0].splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        match = MUTANT.fullmatch(cells[0]) if cells else None
        if match and len(cells) >= 2:
            found[match.group(1)] = cells[-1]
    return found


def results(module):
    """{mutant name: exit code} of the last run on ``module``."""
    meta = _meta(module)
    if not meta.exists():
        return {}
    codes = json.loads(meta.read_text())["exit_code_by_key"]
    if module in FUNCTIONS:
        codes = {name: code for name, code in codes.items() if _scored(module, name)}
    return codes


def _meta(module):
    return ROOT / "mutants" / "mlscompanion" / f"{module.replace('.', '/')}.py.meta"


def _scored(module, name):
    function = name.rsplit(".", 1)[1].split("__mutmut_")[0]
    return module not in FUNCTIONS or function in FUNCTIONS[module]


def run(module, children, sample=None, survivors=None):
    """Run mutmut on every mutant of ``module``, a seeded random sample, or ``survivors``
    (the results of an earlier run: then only those that survived it)."""
    names = [f"mlscompanion.{module}.*"]
    if module in FUNCTIONS:
        names = [f"mlscompanion.{module}.{function}__mutmut_*" for function in FUNCTIONS[module]]
    if survivors is not None:
        names = sorted(name for name, code in survivors.items() if code in SURVIVED | NO_TESTS)
        if not names:
            return
    elif sample:
        every = sorted(results(module))  # the names exist once mutmut has generated them
        if not every:
            sys.exit(f"no mutants of {module} yet: run it once without --sample")
        names = sorted(random.Random(0).sample(every, min(sample, len(every))))
    command = [sys.executable, "-m", "mutmut", "run", "--max-children", str(children), *names]
    print("$", " ".join(command[:7]), "..." if len(command) > 7 else "", flush=True)
    log = ROOT / "mutants" / f"{module}.log"
    log.parent.mkdir(exist_ok=True)
    with open(log, "w") as out:
        done = subprocess.run(command, cwd=ROOT, env=mutation_env(), stdout=out, stderr=out)
    if done.returncode != 0:
        sys.exit(f"mutmut failed on {module} (exit {done.returncode}); see {log}")


def keep_kills(before):
    """Restore the kills in ``before`` ({module: results}) that mutmut has forgotten.

    A change to the test selection makes mutmut forget every verdict. With tests
    only added, a mutant killed before is still killed (its killing test still
    runs), so ``--survivors`` puts those verdicts back.
    """
    for module, old in before.items():
        meta = _meta(module)
        if not old or not meta.exists():
            continue
        data = json.loads(meta.read_text())
        codes = data["exit_code_by_key"]
        for name, code in old.items():
            if codes.get(name, "gone") is None and code in KILLED | TIMEOUT:
                codes[name] = code
        meta.write_text(json.dumps(data))


def table(modules):
    equivalent = listed("Equivalent mutants")
    elsewhere = listed("Killed in a separate run")
    explained = listed("Not killed")
    rows, missed, stale = [], [], []
    for module in modules:
        codes = results(module)
        if not codes:
            rows.append(f"| {module} | not run | | | | | | | | |")
            continue
        count = collections.Counter()
        checked = {name: code for name, code in codes.items() if code is not None}
        for name, code in sorted(checked.items()):
            if code in KILLED:
                count["killed"] += 1
            elif code in TIMEOUT:
                count["timeout"] += 1
            elif code in SURVIVED and name in equivalent:
                count["equivalent"] += 1
            elif code in SURVIVED | NO_TESTS and name in elsewhere:
                count["elsewhere"] += 1
            elif code in SURVIVED or code in NO_TESTS:
                count["survived"] += 1
                if name not in explained:
                    missed.append(name)
            else:  # interrupted, suspicious, segfault
                count["other"] += 1
                missed.append(name)
        stale += [name for name in {**equivalent, **elsewhere}
                  if name.rsplit(".", 1)[0] == f"mlscompanion.{module}"
                  and codes.get(name, "missing") not in SURVIVED | NO_TESTS | {None}]
        scored = len(checked) - count["equivalent"]
        killed = count["killed"] + count["timeout"]
        score = killed / scored if scored else float("nan")
        overall = (killed + count["elsewhere"]) / scored if scored else float("nan")
        tested = f"{len(checked)} of {len(codes)}" if len(checked) < len(codes) else len(codes)
        rows.append(f"| {module} | {tested} | {count['killed']} | {count['timeout']} | "
                    f"{count['equivalent']} | {count['elsewhere']} | {count['survived']} | "
                    f"{count['other']} | {100 * score:.1f}% | {100 * overall:.1f}% |")
    print("| module | mutants checked | killed | timeout | equivalent | killed elsewhere | "
          "survived | other | score | with kills elsewhere |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    print("\n".join(rows))
    print("\nscore = (killed + timeout) / (checked - equivalent); 'with kills elsewhere' also "
          "counts the mutants killed in a separate run (another backend, one process, "
          "or without mutmut's trampolines)")
    if missed:
        print("\nNot killed and not explained in docs/testing.md "
              "(see each with `mutmut show NAME`):")
        print("\n".join(f"  {name}" for name in missed))
    if stale:
        print("\nListed as equivalent but killed or gone (update docs/testing.md):")
        print("\n".join(f"  {name}" for name in stale))
    return not missed and not stale  # everything killed or explained


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("modules", nargs="*", metavar="MODULE",
                        help=f"modules of mlscompanion to mutate, of {', '.join(MODULES)} (default: all)")
    parser.add_argument("--report", action="store_true", help="print the table of the last run")
    parser.add_argument("--children", type=int, default=1, help="mutants tested at once")
    parser.add_argument("--survivors", action="store_true",
                        help="rerun only the mutants that survived the last run (after adding "
                             "tests); the verdicts of killed mutants are kept")
    parser.add_argument("--sample", type=int, metavar="N",
                        help="check a seeded random sample of N mutants per module (after a "
                             "first run has generated them); the others stay unchecked")
    args = parser.parse_args(argv)
    modules = args.modules or list(MODULES)
    unknown = sorted(set(modules) - set(MODULES))
    if unknown:
        parser.error(f"unknown module(s) {unknown}: expected some of {list(MODULES)}")
    if not args.report:
        before = {module: results(module) for module in MODULES}
        for module in modules:
            run(module, args.children, args.sample, before[module] if args.survivors else None)
            if args.survivors:
                keep_kills(before)
    table(modules)


if __name__ == "__main__":
    main()
