"""Find and run the lab notebooks headless (``mlscompanion labs list|run``).

Each lab is a notebook ``labs/NN_name.ipynb`` answering one forum question.
Notebooks read ``quick_mode()`` to shrink epochs and sizes: learners get the
full budget by default, tests and ``--quick`` get a few seconds' worth.

Example:

>>> for lab in mlscompanion.labs.list_labs(): print(lab.name, lab.title)
>>> mlscompanion.labs.run_lab("coffee_roasting", quick=True, out="labs_out")
"""

import json
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Lab", "labs_dir", "list_labs", "find_lab", "run_lab", "quick_mode", "QUICK_ENV"]

#: Environment variable a notebook's kernel sees when run with ``quick=True``.
QUICK_ENV = "MLSCOMPANION_QUICK"
_NAME = re.compile(r"^(\d+)_(.+)\.ipynb$")


def quick_mode():
    """True when the notebook runs with a small budget (``labs run --quick``, tests).

    Example:

    >>> epochs = 20 if mlscompanion.labs.quick_mode() else 2000   # in a lab notebook
    """
    return os.environ.get(QUICK_ENV, "").strip().lower() in ("1", "true", "yes", "on")


@dataclass(frozen=True)
class Lab:
    """One lab notebook: its number, short name, title and path.

    Example:

    >>> lab = mlscompanion.labs.find_lab("coffee_roasting")
    >>> lab.number, lab.path.name
    (1, '01_coffee_roasting.ipynb')
    """

    number: int
    name: str
    title: str
    path: Path


def labs_dir():
    """The folder holding the notebooks: ``$MLSCOMPANION_LABS_DIR`` or the clone's ``labs/``.

    Example:

    >>> sorted(path.name for path in mlscompanion.labs.labs_dir().glob("*.ipynb"))[0]
    '01_coffee_roasting.ipynb'
    """
    env = os.environ.get("MLSCOMPANION_LABS_DIR")
    candidates = [Path(env)] if env else []
    candidates.append(Path(__file__).resolve().parents[2] / "labs")
    for path in candidates:
        if path.is_dir():
            return path
    raise FileNotFoundError(
        "Cannot find the lab notebooks. They live in the labs/ folder of the "
        "mlscompanion repository: install from a clone with `pip install -e .`, "
        "or set MLSCOMPANION_LABS_DIR to that folder."
    )


def _title(path):
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "(unreadable notebook)"
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "markdown":
            for line in "".join(cell.get("source", "")).splitlines():
                if line.startswith("#"):
                    return line.lstrip("#").strip()
    return path.stem


def list_labs():
    """The labs, in order: number, short name, title (the notebook's heading).

    Example:

    >>> for lab in mlscompanion.labs.list_labs()[:2]: print(lab.number, lab.name)
    1 coffee_roasting
    2 identical_neurons
    """
    labs = []
    for path in sorted(labs_dir().glob("*.ipynb")):
        match = _NAME.match(path.name)
        if match:
            labs.append(Lab(int(match.group(1)), match.group(2), _title(path), path))
    return labs


def find_lab(name):
    """A lab by short name (``coffee_roasting``), number (``1``) or file name.

    Example:

    >>> mlscompanion.labs.find_lab(2).name
    'identical_neurons'
    >>> mlscompanion.labs.find_lab("02_identical_neurons.ipynb").number
    2
    """
    labs = list_labs()
    key = str(name).strip()
    for lab in labs:
        if key in (lab.name, lab.path.name, lab.path.stem) or (key.isdigit() and int(key) == lab.number):
            return lab
    raise ValueError(
        f"No lab named {name!r}. Labs: " + ", ".join(f"{lab.number} {lab.name}" for lab in labs)
    )


def run_lab(name, quick=False, out="labs_out", timeout=600, kernel_name="python3"):
    """Execute a lab notebook with nbclient and save the executed copy in ``out``.

    Returns the path of the executed notebook. The kernel runs in the lab's
    folder; ``quick=True`` sets ``MLSCOMPANION_QUICK=1`` for it.

    Example (executes the notebook in a Jupyter kernel: seconds with
    ``quick=True``, minutes at the full budget):

    >>> mlscompanion.labs.run_lab("coffee_roasting", quick=True)  # doctest: +SKIP
    PosixPath('labs_out/01_coffee_roasting.ipynb')
    """
    import nbclient
    import nbformat

    lab = find_lab(name)
    nb = nbformat.read(lab.path, as_version=4)
    previous = os.environ.get(QUICK_ENV)
    os.environ[QUICK_ENV] = "1" if quick else "0"
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("MPLBACKEND", "Agg")
    try:
        client = nbclient.NotebookClient(
            nb,
            timeout=timeout,
            kernel_name=kernel_name,
            resources={"metadata": {"path": str(lab.path.parent)}},
        )
        client.execute()
    finally:
        if previous is None:
            os.environ.pop(QUICK_ENV, None)
        else:
            os.environ[QUICK_ENV] = previous
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / lab.path.name
    nbformat.write(nb, target)
    return target


def cli_main(args):
    """``mlscompanion labs list|run``: ``args`` as the command's parser made them.

    Example:

    >>> import argparse
    >>> code = mlscompanion.labs.cli_main(argparse.Namespace(labs_command="list"))
     1  coffee_roasting              Coffee Roasting on Keras 3: what do the three neurons learn?
    ...
    >>> code
    0
    """
    if args.labs_command == "list":
        for lab in list_labs():
            print(f"{lab.number:>2}  {lab.name:<28} {lab.title}")
        return 0
    start = time.perf_counter()
    try:
        target = run_lab(args.name, quick=args.quick, out=args.out, timeout=args.timeout)
    except FileNotFoundError as error:
        print(error)
        return 2
    print(f"ran {args.name} ({'quick' if args.quick else 'full'}) in "
          f"{time.perf_counter() - start:.1f} s; executed notebook: {target}")
    return 0
