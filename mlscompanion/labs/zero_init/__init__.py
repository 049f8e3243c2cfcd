"""Lab 3, zero and constant initialization (labs/03_zero_and_constant_init.ipynb): its computation and its figures.

>>> from mlscompanion.labs import zero_init
>>> help(zero_init.experiment)   # what the lab computes
>>> help(zero_init.figures)      # what it draws
"""

from mlscompanion.labs.zero_init import experiment, figures
from mlscompanion.labs.zero_init.experiment import *  # noqa: F401,F403
from mlscompanion.labs.zero_init.figures import *  # noqa: F401,F403

__all__ = ["experiment", "figures"] + experiment.__all__ + figures.__all__
