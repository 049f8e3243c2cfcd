"""Lab 5, why several neurons (labs/05_why_several_neurons.ipynb): its computation and its figures.

>>> from mlscompanion.labs import width
>>> help(width.experiment)   # what the lab computes
>>> help(width.figures)      # what it draws
"""

from mlscompanion.labs.width import experiment, figures
from mlscompanion.labs.width.experiment import *  # noqa: F401,F403
from mlscompanion.labs.width.figures import *  # noqa: F401,F403

__all__ = ["experiment", "figures"] + experiment.__all__ + figures.__all__
