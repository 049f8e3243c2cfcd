"""pytest plugin for mutation runs only (loaded by the [tool.mutmut] section).

Four things differ from a plain ``python -m pytest``:

- Tests that start a fresh Python process are skipped. They take seconds
  each (a new interpreter imports Keras), and a mutant would reach them only
  through the environment; the in-process tests cover the same code.
  Tests marked ``small_processes`` keep ``subprocess.Popen``: they start
  only small programs (``sh``, ``sleep``, a fake ``bwrap``) or fork the
  test process to run the sandbox's child-side code, in milliseconds.
- ``test_compile_for_backend_jits_with_static_flags_under_jax`` is skipped:
  JAX hangs in a process forked from one that has used it. Its mutants are
  checked in one process instead (docs/testing.md, "Killed in a separate run").
- The compiled figures are traced again in every test. mutmut forks one
  process per mutant from a process that has already run the tests, and
  switches mutants inside each function at call time. A trace inherited from
  the parent (``tracker.compiled._COMPILED``) would run the unmutated code, and a
  traced function only runs while it is traced, so without a fresh trace per
  test neither the mutant nor mutmut's "which tests call this function"
  record would be right.
- Test modules are imported afresh by every pytest run in the process.
  mutmut runs pytest several times in one process (the stats, then the
  clean run of the tests that call the mutated module); a module-level
  object, such as a layer a parametrized test builds, would otherwise come
  to the second run already built.
"""

import subprocess
import sys
from pathlib import Path

import pytest


_POPEN = subprocess.Popen


class _NoFreshProcess(subprocess.Popen):
    def __init__(self, *args, **kwargs):
        pytest.skip("starts a fresh process: not part of mutation runs (docs/testing.md)")


_HANG_WHEN_FORKED = ("test_compile_for_backend_jits_with_static_flags_under_jax",)


def pytest_configure(config):
    tests = Path(config.rootpath, "tests")  # no __init__.py: test modules are top-level
    for name, module in list(sys.modules.items()):
        path = getattr(module, "__file__", None)
        if name.startswith("tests.") or (
                name.startswith("test_") and path and Path(path).parent == tests):
            del sys.modules[name]


def pytest_collection_modifyitems(items):
    skip = pytest.mark.skip(reason="JAX hangs in a forked process: checked in a separate run")
    for item in items:
        if item.name in _HANG_WHEN_FORKED:
            item.add_marker(skip)


@pytest.fixture(autouse=True, scope="session")
def _no_fresh_processes():
    """Session scope, so it is in place before module fixtures start processes."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(subprocess, "Popen", _NoFreshProcess)
        yield


@pytest.fixture(autouse=True)
def _small_processes_allowed(request):
    """``subprocess.Popen`` as it is for the tests marked ``small_processes``."""
    if request.node.get_closest_marker("small_processes") is None:
        yield
        return
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(subprocess, "Popen", _POPEN)
        yield


@pytest.fixture(autouse=True)
def _fresh_compiled_figures():
    from mlscompanion.tracker import compiled

    compiled._COMPILED.clear()
    yield
