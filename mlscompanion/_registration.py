"""Register the package's Keras classes as soon as Keras is there.

``keras.models.load_model(path, safe_mode=True)`` finds the initializers and
constraints of a saved model only once their modules ran (they register
themselves). ``import mlscompanion`` makes sure they do, without importing
Keras itself (the ``mlscompanion`` command starts without it):

>>> import mlscompanion, keras        # either order
>>> keras.models.load_model("tied.keras", safe_mode=True)

If Keras is imported already, the two modules are imported at once;
otherwise a finder on ``sys.meta_path`` imports them right after the
``keras`` package first finishes executing.
"""

import importlib
import importlib.abc
import importlib.util
import sys

__all__ = ["register_when_keras_loads", "AfterImport"]

REGISTERING_MODULES = ("mlscompanion.constraints", "mlscompanion.initializers")


def _register(_keras=None):
    compat = sys.modules.get("mlscompanion._keras")
    if compat is not None and not hasattr(compat, "ops"):
        return  # mlscompanion._keras is importing Keras: it registers when it is done
    for name in REGISTERING_MODULES:
        importlib.import_module(name)


class AfterImport(importlib.abc.MetaPathFinder):
    """Call ``callback(module)`` right after the module ``name`` first executes; then leave.

    >>> sys.meta_path.insert(0, AfterImport("keras", print))   # prints keras when it loads
    """

    def __init__(self, name, callback):
        self.name = name
        self.callback = callback

    def find_spec(self, fullname, path=None, target=None):
        if fullname != self.name:
            return None
        sys.meta_path.remove(self)  # once is enough, and no recursion below
        spec = importlib.util.find_spec(fullname)
        if spec is None or spec.loader is None:
            return spec
        exec_module = spec.loader.exec_module

        def exec_then_callback(module):
            exec_module(module)
            self.callback(module)

        spec.loader.exec_module = exec_then_callback
        return spec


def register_when_keras_loads():
    """Register now if Keras is imported, else as soon as it is."""
    if "keras" in sys.modules:
        _register()
    elif not any(isinstance(finder, AfterImport) and finder.callback is _register
                 for finder in sys.meta_path):
        sys.meta_path.insert(0, AfterImport("keras", _register))
