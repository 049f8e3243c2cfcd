"""The docstrings are the API reference, and their examples run.

Every public name that the site's API pages list (the ``__all__`` of the
modules below) has a ``>>>`` usage example in its docstring, and every
example in those docstrings (the module's own, the names', their methods')
runs as a doctest with the output it shows.
"""

import doctest
import importlib
import inspect
import pathlib
import re

import pytest

#: The modules the site's API pages document (docs/site/api/*.md), and seeding.
PUBLIC_MODULES = (
    "mlscompanion",
    "mlscompanion.callbacks",
    "mlscompanion.constraints",
    "mlscompanion.datasets",
    "mlscompanion.initializers",
    "mlscompanion.labs",
    "mlscompanion.seeding",
    "mlscompanion.fingerprints",
    "mlscompanion.run_environment",
    "mlscompanion.sinks",
    "mlscompanion.snippets",
    "mlscompanion.tying",
)

FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def _public_objects():
    """(qualified name, object) for every function and class in the modules' ``__all__``."""
    seen = {}
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        for name in module.__all__:
            obj = getattr(module, name)
            if (inspect.isfunction(obj) or inspect.isclass(obj)) and id(obj) not in seen:
                seen[id(obj)] = (f"{module_name}.{name}", obj)
    return list(seen.values())


def _doctests():
    finder = doctest.DocTestFinder(exclude_empty=True)
    tests = {}
    for module_name in PUBLIC_MODULES:  # the module's own docstring only
        module = importlib.import_module(module_name)
        for test in doctest.DocTestFinder(recurse=False).find(module, module_name, module=module):
            tests[test.name] = test
    for name, obj in _public_objects():
        for test in finder.find(obj, name, module=inspect.getmodule(obj)):
            tests.setdefault(test.name, test)
    return sorted((t for t in tests.values() if t.examples), key=lambda t: t.name)


def _globs():
    import keras
    import numpy as np

    import mlscompanion

    # A 2-2-1 network with known weights (w1..w6 = 0.1, 0.3, 0.2, 0.4, 0.5, 0.6;
    # biases 0), compiled, and eight points to fit it on: the ``model``, ``x``
    # and ``y`` the examples use.
    model = keras.Sequential(
        [
            keras.Input((2,)),
            keras.layers.Dense(2, activation="sigmoid", name="layer1"),
            keras.layers.Dense(1, name="layer2"),
        ]
    )
    model.get_layer("layer1").set_weights([np.array([[0.1, 0.2], [0.3, 0.4]]), np.zeros(2)])
    model.get_layer("layer2").set_weights([np.array([[0.5], [0.6]]), np.zeros(1)])
    model.compile(optimizer="sgd", loss="mse")
    x = np.random.default_rng(0).normal(size=(8, 2)).astype("float32")
    y = (x.sum(axis=1, keepdims=True) > 0).astype("float32")
    return {"keras": keras, "np": np, "mlscompanion": mlscompanion, "mlc": mlscompanion,
            "model": model, "x": x, "y": y}


def test_the_api_pages_document_these_modules():
    pages = pathlib.Path(__file__).resolve().parents[1] / "docs" / "site" / "api"
    documented = {
        match for page in pages.glob("*.md")
        for match in re.findall(r"automodule:: (\S+)", page.read_text(encoding="utf-8"))
    }
    assert documented, f"no automodule directive found in {pages}"
    assert documented <= set(PUBLIC_MODULES), documented - set(PUBLIC_MODULES)


def test_every_public_name_has_a_usage_example():
    missing = [name for name, obj in _public_objects() if ">>>" not in (inspect.getdoc(obj) or "")]
    assert not missing, f"public names without a '>>>' example in their docstring: {missing}"


@pytest.mark.parametrize("test", _doctests(), ids=lambda t: t.name)
def test_docstring_example_runs(test, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # examples that write files write them here
    test.globs = {**test.globs, **_globs()}  # the defining module's names, and the usual imports
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    output = []
    runner.run(test, out=output.append)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, "".join(output)
