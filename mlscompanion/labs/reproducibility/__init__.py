"""Lab 8, seeded reproducibility (labs/08_seeded_reproducibility.ipynb): its computation and its figures.

>>> from mlscompanion.labs import reproducibility
>>> help(reproducibility.experiment)   # what the lab computes
>>> help(reproducibility.figures)      # what it draws
"""

from mlscompanion.labs.reproducibility import experiment, figures
from mlscompanion.labs.reproducibility.experiment import *  # noqa: F401,F403
from mlscompanion.labs.reproducibility.figures import *  # noqa: F401,F403

__all__ = ["experiment", "figures"] + experiment.__all__ + figures.__all__
