"""The Python that runs a snippet: this one, or another (``--python PATH``), e.g. a venv
holding the course's TensorFlow 2.15 with Keras 2.

``find(path)`` starts that interpreter once, asks it (with ``-I``, so
nothing of the mentor's environment changes the answer) for its version,
prefixes, ``sys.path`` and the versions of the packages the report shows,
and checks that it can run the check (Python 3.10 or newer). The sandbox
mounts its prefixes instead of this interpreter's.

Example:

>>> course = find("/opt/course-venv/bin/python")
>>> course.version, course.packages["tensorflow"]
('3.11.7', '2.15.1')
"""

import dataclasses
import json
import os
import subprocess
import sys

__all__ = ["Interpreter", "find", "current", "MIN_VERSION"]

MIN_VERSION = (3, 10)  # the package's own floor: the bootstrap imports mlscompanion there
PACKAGES = ("keras", "tensorflow", "tf_keras", "jax", "torch", "numpy")
_PROBE = """\
import json, platform, sys
from importlib import metadata
def version(name):
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None
print(json.dumps(dict(
    executable=sys.executable, version=platform.python_version(),
    version_info=list(sys.version_info[:2]),
    prefixes=[sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix],
    path=[entry for entry in sys.path if entry],
    packages={name: version(name) for name in %r})))
""" % (PACKAGES,)


@dataclasses.dataclass(frozen=True)
class Interpreter:
    """A Python interpreter: its executable, version, prefixes, ``sys.path`` and packages."""

    executable: str
    version: str
    prefixes: tuple
    path: tuple
    packages: dict = dataclasses.field(default_factory=dict, compare=False)

    @property
    def is_current(self):
        return os.path.realpath(self.executable) == os.path.realpath(sys.executable)

    def environment(self):
        """What the report's environment block shows when no run described itself."""
        env = {"python": self.version, "executable": self.executable}
        env.update({name: version for name, version in self.packages.items() if version})
        return env


def current():
    """The interpreter running the checker."""
    return Interpreter(sys.executable, ".".join(map(str, sys.version_info[:3])),
                       (sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix),
                       tuple(entry for entry in sys.path if entry))


def find(path):
    """The ``Interpreter`` at ``path`` (None: this one). Raises ``ValueError`` naming
    ``python`` when it is missing, not executable, does not answer, or is too old."""
    if path is None:
        return current()
    path = os.fspath(path)
    if not os.path.isfile(path) or not os.access(path, os.X_OK):
        raise ValueError(f"`python` must be the path of a Python interpreter (an executable "
                         f"file, e.g. a venv's bin/python). Received: python={path!r}")
    try:
        done = subprocess.run([path, "-I", "-c", _PROBE], stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=60)
        facts = json.loads(done.stdout)
    except (OSError, subprocess.TimeoutExpired, ValueError):
        raise ValueError(f"`python` did not answer as a Python interpreter does "
                         f"(it was started with -I -c). Received: python={path!r}") from None
    if tuple(facts["version_info"]) < MIN_VERSION:
        raise ValueError(f"`python` is Python {facts['version']}; the check needs Python "
                         f"{'.'.join(map(str, MIN_VERSION))} or newer there. "
                         f"Received: python={path!r}")
    return Interpreter(path, facts["version"], tuple(facts["prefixes"]), tuple(facts["path"]),
                       facts["packages"])
