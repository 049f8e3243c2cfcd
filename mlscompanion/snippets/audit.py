"""Why a snippet may not give the same numbers twice: a static and a run-time audit.

``static_audit(source)`` reads the code (``ast``, nothing is run);
``runtime_audit(facts)`` reads what the snippet did while it ran (recorded by
the bootstrap); ``merge`` joins both into one finding per cause. Every
finding has a short code, plain words, the fix and, when static, a line.

Example:

>>> [f.code for f in static_audit("import tensorflow as tf\\ntf.random.set_seed(1)\\n"
...                               "import keras\\nkeras.layers.Dense(3)")]
['TF_SEED_ONLY']
"""

import ast

from mlscompanion.snippets.causes import CAUSES
from mlscompanion.snippets.escape import code_span
from mlscompanion.snippets.result import Finding

__all__ = ["CAUSES", "static_audit", "runtime_audit", "merge"]

_FULL_SEED = {"keras.utils.set_random_seed", "mlscompanion.set_seed",
              "mlscompanion.seeding.set_seed", "keras.src.utils.rng_utils.set_random_seed"}
_TF_SEED = {"tensorflow.random.set_seed", "tensorflow.set_random_seed",
            "tensorflow.compat.v1.set_random_seed", "tensorflow.compat.v1.random.set_random_seed"}
_NP_SEED = {"numpy.random.seed"}
_UNSEEDED_CONSTRUCTORS = {"numpy.random.default_rng", "numpy.random.RandomState"}
_NP_GLOBAL_DRAWS = {f"numpy.random.{name}" for name in (
    "rand", "randn", "randint", "random", "random_sample", "normal", "uniform",
    "choice", "shuffle", "permutation", "binomial", "standard_normal")}
_RANDOM_INITIALIZERS = {
    "glorotuniform", "glorotnormal", "heuniform", "henormal", "lecununiform",
    "lecunnormal", "randomnormal", "randomuniform", "truncatednormal",
    "variancescaling", "orthogonal", "orthogonalinitializer"}
# Keras layers whose main weights start random, and the keywords choosing their initializers.
_KERNEL = ("kernel_initializer",)
_RANDOM_WEIGHT_LAYERS = {
    **{name: _KERNEL for name in (
        "Dense", "EinsumDense", "Conv1D", "Conv2D", "Conv3D", "Conv1DTranspose",
        "Conv2DTranspose", "Conv3DTranspose", "MultiHeadAttention")},
    **{name: ("kernel_initializer", "recurrent_initializer") for name in ("SimpleRNN", "LSTM", "GRU")},
    **{name: ("depthwise_initializer", "pointwise_initializer")
       for name in ("SeparableConv1D", "SeparableConv2D")},
    **{name: ("depthwise_initializer",) for name in ("DepthwiseConv1D", "DepthwiseConv2D")},
    "Embedding": ("embeddings_initializer",),
}
_CONSTANT_INITIALIZER_STRINGS = {"zeros", "ones", "identity", "constant"}
# Initializers that draw random values unless given a seed (ours included: they wrap one).
_SEEDABLE_INITIALIZERS = _RANDOM_INITIALIZERS | {"identicalunits", "tiedunits"}
_ITERATING_CALLS = {"list", "tuple", "enumerate", "iter", "next", "zip"}


def _finding(code, line=None, origin="static", detail=""):
    title, explanation, fix = CAUSES[code]
    return Finding(code=code, title=title, explanation=explanation, fix=fix,
                   line=line, origin=origin, detail=detail)


class _Names(ast.NodeVisitor):
    """Resolves import aliases so ``np.random.seed`` reads ``numpy.random.seed``."""

    def __init__(self):
        self.aliases = {}

    def visit_Import(self, node):
        for alias in node.names:
            if alias.asname:
                self.aliases[alias.asname] = alias.name
            else:
                top = alias.name.split(".")[0]
                self.aliases[top] = top

    def visit_ImportFrom(self, node):
        if node.module and not node.level:
            for alias in node.names:
                self.aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"

    def dotted(self, node):
        """The canonical dotted name of ``a.b.c`` (aliases resolved), or None."""
        parts = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            return None
        parts.append(self.aliases.get(node.id, node.id))
        name = ".".join(reversed(parts))
        for prefix in ("tensorflow.keras.", "tf_keras."):
            if name.startswith(prefix):
                name = "keras." + name[len(prefix):]
        return name


def _parents(tree):
    parents = {}
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            parents[child] = node
    return parents


def _in_loop(node, parents):
    loops = (ast.For, ast.AsyncFor, ast.While, ast.ListComp, ast.SetComp,
             ast.DictComp, ast.GeneratorExp)
    while node in parents:
        node = parents[node]
        if isinstance(node, loops):
            return True
    return False


def _is_string_set(node, set_names):
    """True for a set display / set() / frozenset() / set comprehension, or a name bound to one."""
    if isinstance(node, ast.Name):
        return node.id in set_names
    if isinstance(node, ast.Set):
        return not all(isinstance(e, ast.Constant) and isinstance(e.value, (int, float))
                       for e in node.elts)
    if isinstance(node, ast.SetComp):
        return True
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id in ("set", "frozenset"))


class _Facts:
    """What the static audit collects in one walk over the tree."""

    def __init__(self, tree):
        self.names = _Names()
        self.names.visit(tree)
        self.calls = []  # (canonical name, node)
        self.uses_keras = False
        for node in ast.walk(tree):
            if isinstance(node, (ast.Attribute, ast.Name)):
                name = self.names.dotted(node)
                if name and (name == "keras" or name.startswith("keras.")):
                    self.uses_keras = True
            if isinstance(node, ast.Call):
                self.calls.append((self.names.dotted(node.func), node))

    def first(self, names):
        for name, node in self.calls:
            if name in names:
                return node
        return None


def _initializer_is_random(value, bindings, names):
    """True if this ``*_initializer=`` value draws unseeded random values (unknown: True)."""
    if isinstance(value, ast.Name) and value.id in bindings:
        value = bindings[value.id]
    if isinstance(value, ast.Constant) and isinstance(value.value, str):
        return value.value.lower() not in _CONSTANT_INITIALIZER_STRINGS
    if isinstance(value, ast.Call):
        callee = (names.dotted(value.func) or "").split(".")[-1].replace("_", "").lower()
        if callee not in _SEEDABLE_INITIALIZERS:
            return False  # Zeros, Constant, FromArray, ...: the same values every run
        seed = next((k.value for k in value.keywords if k.arg == "seed"), None)
        return seed is None or isinstance(seed, ast.Constant) and seed.value is None
    return True


def _random_weight_lines(tree, facts):
    """Lines of Keras layers created with unseeded random initial weights."""
    bindings = {node.targets[0].id: node.value for node in ast.walk(tree)
                if isinstance(node, ast.Assign) and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)}
    lines = []
    for name, node in facts.calls:
        if not name or not name.startswith("keras."):
            continue
        keywords = _RANDOM_WEIGHT_LAYERS.get(name.split(".")[-1])
        if keywords is None:
            continue
        given = {k.arg: k.value for k in node.keywords}
        if any(kw not in given or _initializer_is_random(given[kw], bindings, facts.names)
               for kw in keywords):
            lines.append(node.lineno)
    return lines


def static_audit(source):
    """Findings from reading ``source`` (a string of Python); raises SyntaxError if invalid."""
    if not isinstance(source, str):
        raise TypeError(f"`source` must be a string of Python code. Received: "
                        f"{type(source).__name__}")
    tree = ast.parse(source)
    facts = _Facts(tree)
    findings = []
    full, tf_seed, np_seed = (facts.first(_FULL_SEED), facts.first(_TF_SEED),
                              facts.first(_NP_SEED))
    random_layers = _random_weight_lines(tree, facts)
    if random_layers and full is None:
        detail = (f"the layer at line {random_layers[0]} draws random initial weights "
                  "without a seed of its own")
        if tf_seed is not None:
            findings.append(_finding("TF_SEED_ONLY", tf_seed.lineno, detail=detail))
        elif np_seed is not None:
            findings.append(_finding("NUMPY_SEED_ONLY", np_seed.lineno, detail=detail))
        else:
            findings.append(_finding("NOT_SEEDED", random_layers[0], detail=detail))
    findings += _unseeded_numpy(facts, seeded=full is not None or np_seed is not None)
    findings += _shared_initializers(tree, facts)
    if facts.uses_keras and full is None and tf_seed is None:
        findings += _unseeded_shuffles(facts)
    findings += _set_iterations(tree)
    return findings


def _unseeded_numpy(facts, seeded):
    for name, node in facts.calls:
        unseeded_constructor = name in _UNSEEDED_CONSTRUCTORS and (
            not node.args and not node.keywords
            or node.args and isinstance(node.args[0], ast.Constant) and node.args[0].value is None)
        if unseeded_constructor:
            return [_finding("UNSEEDED_RNG", node.lineno, detail=f"`{name}()` without a seed")]
        if name in _NP_GLOBAL_DRAWS and not seeded:
            return [_finding("UNSEEDED_RNG", node.lineno,
                             detail=f"`{name}` with no `np.random.seed` before it")]
    return []


def _shared_initializers(tree, facts):
    """A name bound to a random-initializer call and passed to two layers (or to one in a loop)."""
    bound = {}
    for node in ast.walk(tree):
        if (isinstance(node, ast.Assign) and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name) and isinstance(node.value, ast.Call)):
            callee = (facts.names.dotted(node.value.func) or "").split(".")[-1]
            if callee.replace("_", "").lower() in _RANDOM_INITIALIZERS:
                bound[node.targets[0].id] = (node.lineno, callee)
    parents = _parents(tree)
    uses = {name: [] for name in bound}
    in_loop = set()
    for node in ast.walk(tree):
        if (isinstance(node, ast.keyword) and node.arg and node.arg.endswith("initializer")
                and isinstance(node.value, ast.Name) and node.value.id in bound):
            uses[node.value.id].append(node.value.lineno)
            if _in_loop(node, parents):
                in_loop.add(node.value.id)
    findings = []
    for name, lines in uses.items():
        if len(lines) > 1 or (lines and name in in_loop):
            line, callee = bound[name]
            where = ", ".join(str(n) for n in sorted(set(lines)))
            where = f"line{'s' if len(set(lines)) > 1 else ''} {where}"
            if name in in_loop:
                where += ", in a loop"
            findings.append(_finding(
                "SHARED_INITIALIZER", line,
                detail=f"`{name} = {callee}(...)` is passed to several layers ({where})"))
    return findings


def _unseeded_shuffles(facts):
    for name, node in facts.calls:
        if not (name and name.split(".")[-1] == "fit" and isinstance(node.func, ast.Attribute)):
            continue
        shuffle = next((k.value for k in node.keywords if k.arg == "shuffle"), None)
        if isinstance(shuffle, ast.Constant) and shuffle.value is False:
            continue
        how = "shuffle=True" if shuffle is not None else "shuffle=True by default"
        return [_finding("UNSEEDED_SHUFFLE", node.lineno, detail=f"`fit` with {how}")]
    return []


def _set_iterations(tree):
    set_names = {t.id for node in ast.walk(tree) if isinstance(node, ast.Assign)
                 and _is_string_set(node.value, set())
                 for t in node.targets if isinstance(t, ast.Name)}
    for node in ast.walk(tree):
        iterables = []
        if isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)):
            iterables = [node.iter]
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
              and node.func.id in _ITERATING_CALLS):
            iterables = node.args
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
              and node.func.attr == "join"):
            iterables = node.args
        for iterable in iterables:
            if _is_string_set(iterable, set_names):
                return [_finding("SET_ITERATION", iterable.lineno)]
    return []


_SEEDING = ("NOT_SEEDED", "TF_SEED_ONLY", "NUMPY_SEED_ONLY")


def runtime_audit(facts):
    """Findings from the run-time facts the bootstrap recorded (a dict)."""
    findings = []
    if not facts.get("keras_imported"):
        return findings
    keras_seed, tf_seed = facts.get("keras_seed"), facts.get("tf_seed")
    unseeded = facts.get("unseeded_initializers", [])
    if unseeded and keras_seed is None:
        code = "NOT_SEEDED" if tf_seed is None else "TF_SEED_ONLY"
        findings.append(_finding(code, origin="run time", detail=(
            f"{len(unseeded)} initializer(s) without a seed ran while Keras was not "
            f"seeded ({', '.join(code_span(u) for u in unseeded[:4])}"
            + (", ..." if len(unseeded) > 4 else "") + ")"
            + ("" if tf_seed is None else f"; TensorFlow's global seed was {tf_seed}"))))
    shuffled = [call for call in facts.get("fit_calls", []) if call.get("shuffle")]
    if shuffled and tf_seed is None and keras_seed is None:
        line = shuffled[0].get("line")
        findings.append(_finding("UNSEEDED_SHUFFLE", origin="run time", detail=(
            f"`fit` shuffled with no TensorFlow seed ({len(shuffled)} call(s)"
            + (f", the first at line {line}" if line else "") + ")")))
    for shared in facts.get("shared_initializers", []):
        findings.append(_finding("SHARED_INITIALIZER", origin="run time", detail=(
            f"one {code_span(shared['initializer'])} instance is used by "
            + ", ".join(code_span(u) for u in shared["used_by"]))))
    if facts.get("device") == "GPU" and facts.get("deterministic") is False:
        findings.append(_finding("GPU_NONDETERMINISM", origin="run time"))
    return findings


def merge(static, facts=None, seed_injected=False):
    """One finding per cause, from the static findings and one run's facts.

    The run time is the referee for what it can see: when the snippet used
    Keras and no seed was injected, a static seeding or shuffling finding
    that did not happen at run time (say, every weight was set explicitly)
    is dropped. A static line is kept; run-time evidence goes to ``detail``.
    """
    facts = facts or {}
    runtime = runtime_audit(facts)
    static_codes = {f.code for f in static}
    for finding in runtime:  # the run time cannot see np.random.seed: keep the static name
        if finding.code == "NOT_SEEDED" and "NUMPY_SEED_ONLY" in static_codes:
            finding.code, finding.title, finding.explanation, finding.fix = (
                "NUMPY_SEED_ONLY", *CAUSES["NUMPY_SEED_ONLY"])
    checked = set()
    if facts.get("keras_imported") and not seed_injected:
        checked = {*_SEEDING, "UNSEEDED_SHUFFLE"}
    seen_at_runtime = {f.code for f in runtime}
    static = [f for f in static if f.code not in checked or f.code in seen_at_runtime]
    merged = {}
    for finding in list(static) + runtime:
        known = merged.get(finding.code)
        if known is None:
            merged[finding.code] = Finding(**vars(finding))
            continue
        if known.origin != finding.origin:
            known.origin = "static + run time"
        if finding.detail and finding.detail not in known.detail:
            known.detail = "; ".join(d for d in (known.detail, finding.detail) if d)
        known.line = known.line or finding.line
    order = list(CAUSES)
    return sorted(merged.values(), key=lambda f: order.index(f.code))
