"""The import contract of the package: layers import only downwards, no cycles.

Layers, lowest first (docs/architecture.md says what each holds):

1. ``core``: the pieces a learner plugs in and the private door to the
   internals;
2. ``tracker``: ``NeuronDifferentiation`` and everything it is made of;
3. ``labs``: one place per lab, the course data, models and training;
4. ``top``: the demo and the command.

``snippets`` (the mentor's tool) may use the core, never the tracker or the
labs. Every import counts, also one inside a function: a cycle that only
imports inside functions keep from breaking is still a cycle.

Run alone: ``python -m pytest -q tests/test_architecture.py``.
"""

import ast
from pathlib import Path


PACKAGE = Path(__file__).resolve().parents[1] / "mlscompanion"

#: first name under ``mlscompanion`` -> layer. ``mlscompanion`` itself is the
#: package's ``__init__`` (it registers the core's classes).
LAYERS = {
    "core": {"mlscompanion", "_validation", "_internals", "_keras", "_registration", "devices",
             "initializers",
             "constraints", "tying", "next_layer", "seeding", "fingerprints", "run_environment", "similarity", "gradients", "datasets",
             "style"},
    "tracker": {"tracker", "callbacks", "sinks"},
    "labs": {"labs", "models", "training", "plotting"},
    "top": {"demo", "cli", "__main__"},
    "snippets": {"snippets"},
}
ORDER = ["core", "tracker", "labs", "top"]
#: what each layer may import besides itself
ALLOWED = {layer: set(ORDER[:i]) for i, layer in enumerate(ORDER)}
ALLOWED["snippets"] = {"core"}
ALLOWED["top"] |= {"snippets"}  # the command runs the snippet check


def module_name(path):
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def all_modules():
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imports_of(name, path, modules):
    """The package's modules ``name`` imports, anywhere in its source."""
    is_package = path.name == "__init__.py"
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = name.split(".")
                anchor = anchor if is_package else anchor[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            # ``from pkg import sub`` imports the submodule pkg.sub
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                       for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def import_graph():
    modules = all_modules()
    return {name: imports_of(name, path, modules) for name, path in modules.items()}


def layer_of(module):
    parts = module.split(".")
    first = parts[1] if len(parts) > 1 else "mlscompanion"
    for layer, names in LAYERS.items():
        if first in names:
            return layer
    return None


def find_cycles(graph):
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, cycles = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph.get(node, ())):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                other = stack.pop()
                on_stack.discard(other)
                component.append(other)
                if other == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return cycles


def test_every_module_has_a_layer():
    missing = [m for m in all_modules() if layer_of(m) is None]
    assert not missing, "modules with no layer in LAYERS: " + ", ".join(missing)


def test_layers_import_only_downwards():
    wrong = []
    for module, targets in import_graph().items():
        layer = layer_of(module)
        for target in sorted(targets):
            other = layer_of(target)
            if other != layer and other not in ALLOWED.get(layer, ()):
                wrong.append(f"{module} ({layer}) imports {target} ({other})")
    assert not wrong, "upward imports:\n" + "\n".join(wrong)


def test_no_import_cycle_in_the_package():
    cycles = find_cycles(import_graph())
    assert not cycles, "import cycles among: " + "; ".join(" ".join(c) for c in cycles)


def test_the_contract_sees_a_cycle_and_an_upward_import():
    """The checker itself: a made-up graph with a circle is caught."""
    graph = {"mlscompanion.a": {"mlscompanion.b"}, "mlscompanion.b": {"mlscompanion.c"},
             "mlscompanion.c": {"mlscompanion.a"}, "mlscompanion.d": set()}
    assert find_cycles(graph) == [["mlscompanion.a", "mlscompanion.b", "mlscompanion.c"]]
    assert layer_of("mlscompanion.tracker.callback") == "tracker"
    assert "labs" not in ALLOWED["tracker"] and "labs" not in ALLOWED["snippets"]


def test_public_paths_from_before_the_tracker_package_still_work():
    import mlscompanion as mlc
    from mlscompanion import tracker
    from mlscompanion.callbacks import NeuronDifferentiation, describe_units
    from mlscompanion.sinks import CSVSink, LiveSink, SinkGroup, TensorBoardSink, read_csv

    assert NeuronDifferentiation is tracker.NeuronDifferentiation is mlc.callbacks.NeuronDifferentiation
    assert describe_units is tracker.describe_units
    assert mlc.sinks.CSVSink is CSVSink and mlc.sinks.SinkGroup is SinkGroup
    assert {LiveSink.__module__, TensorBoardSink.__module__, read_csv.__module__} <= {
        "mlscompanion.tracker.sinks.live", "mlscompanion.tracker.sinks.tensorboard",
        "mlscompanion.tracker.sinks.csv_file"}


#: Private names of Keras, TensorFlow and JAX that only ``_internals`` may use.
PRIVATE_MODULES = ("keras.src", "jax._src", "tensorflow.python")
PRIVATE_ATTRIBUTES = {"_inbound_nodes", "_model", "_jax_state", "_jax_state_synced", "_backends"}
#: The bootstrap until it goes through the door too; the audit only names
#: ``keras.src...set_random_seed`` as a call to look for in a snippet.
NOT_YET_THROUGH_THE_DOOR = {"mlscompanion.snippets.audit"}


def private_uses(path):
    uses = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and not node.level:
            names = [node.module or ""]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            names = [node.value] if node.value.startswith(PRIVATE_MODULES) else []
        elif isinstance(node, ast.Attribute) and node.attr in PRIVATE_ATTRIBUTES:
            uses.append(f"line {node.lineno}: .{node.attr}")
        uses += [f"line {node.lineno}: {name}" for name in names
                 if name.startswith(PRIVATE_MODULES)]
    return uses


def test_only_the_door_reaches_keras_tensorflow_and_jax_internals():
    wrong = {name: private_uses(path) for name, path in all_modules().items()
             if name != "mlscompanion._internals" and name not in NOT_YET_THROUGH_THE_DOOR}
    wrong = {name: uses for name, uses in wrong.items() if uses}
    assert not wrong, f"internals reached outside mlscompanion/_internals.py: {wrong}"
    assert private_uses(PACKAGE / "_internals.py")  # the check sees them
