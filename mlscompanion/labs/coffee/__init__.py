"""Lab 1, coffee roasting (labs/01_coffee_roasting.ipynb): its computation and its figures.

>>> from mlscompanion.labs import coffee
>>> help(coffee.experiment)   # what the lab computes
>>> help(coffee.figures)      # what it draws
"""

from mlscompanion.labs.coffee import experiment, figures
from mlscompanion.labs.coffee.experiment import *  # noqa: F401,F403
from mlscompanion.labs.coffee.figures import *  # noqa: F401,F403

__all__ = ["experiment", "figures"] + experiment.__all__ + figures.__all__
