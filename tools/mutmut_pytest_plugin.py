"""pytest plugin for mutation runs only (loaded by the [tool.mutmut] section).

mutmut forks one process per mutant from a process that has already run the
tests, and switches mutants inside each function at call time. The figures
are one compiled function per backend (``unit_figures._COMPILED``): a trace
inherited from the parent would run the unmutated code, and a function only
runs at trace time, so without a fresh trace per test neither the mutant nor
mutmut's "which tests call this function" record would be right. Dropping
the cache before every test makes each test trace (and so call) the Python
code again.
"""

import pytest


@pytest.fixture(autouse=True)
def _fresh_compiled_figures():
    from mlscompanion import unit_figures

    unit_figures._COMPILED.clear()
    yield
