"""The labs: one package per lab, beside the runner of their notebooks.

Each lab ``labs/NN_name.ipynb`` has a package here holding its computation
(``experiment.py``) and its figures (``figures.py``); the package exports
both, so a notebook needs one import:

>>> from mlscompanion.labs import coffee
>>> bool(coffee.good_roast(200.0, 13.0)), bool(coffee.good_roast(280.0, 15.0))
(True, False)
>>> mlscompanion.labs.run_lab("coffee_roasting", quick=True)  # doctest: +SKIP
PosixPath('labs_out/01_coffee_roasting.ipynb')

Labs use the core and the tracker; nothing below imports a lab.
"""

from mlscompanion._keras import require_keras_3

require_keras_3("The labs")

from mlscompanion.labs.runner import (  # noqa: E402
    QUICK_ENV,
    Lab,
    cli_main,
    find_lab,
    labs_dir,
    list_labs,
    quick_mode,
    run_lab,
)

__all__ = ["Lab", "labs_dir", "list_labs", "find_lab", "run_lab", "quick_mode", "QUICK_ENV",
           "cli_main"]
