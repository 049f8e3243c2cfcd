"""Lab 7, how neurons differentiate (labs/07_how_neurons_differentiate.ipynb): its computation and its figures.

>>> from mlscompanion.labs import differentiation
>>> help(differentiation.experiment)   # what the lab computes
>>> help(differentiation.figures)      # what it draws
"""

from mlscompanion.labs.differentiation import experiment, figures
from mlscompanion.labs.differentiation.experiment import *  # noqa: F401,F403
from mlscompanion.labs.differentiation.figures import *  # noqa: F401,F403

__all__ = ["experiment", "figures"] + experiment.__all__ + figures.__all__
