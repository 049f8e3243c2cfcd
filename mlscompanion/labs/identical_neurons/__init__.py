"""Lab 2, identical neurons (labs/02_identical_neurons.ipynb): its computation and its figures.

>>> from mlscompanion.labs import identical_neurons
>>> help(identical_neurons.experiment)   # what the lab computes
>>> help(identical_neurons.figures)      # what it draws
"""

from mlscompanion.labs.identical_neurons import experiment, figures
from mlscompanion.labs.identical_neurons.experiment import *  # noqa: F401,F403
from mlscompanion.labs.identical_neurons.figures import *  # noqa: F401,F403

__all__ = ["experiment", "figures"] + experiment.__all__ + figures.__all__
