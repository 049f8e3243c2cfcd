"""Lab 6, depth, width and linear collapse (labs/06_depth_width_linear_collapse.ipynb): its computation and its figures.

>>> from mlscompanion.labs import depth
>>> help(depth.experiment)   # what the lab computes
>>> help(depth.figures)      # what it draws
"""

from mlscompanion.labs.depth import experiment, figures
from mlscompanion.labs.depth.experiment import *  # noqa: F401,F403
from mlscompanion.labs.depth.figures import *  # noqa: F401,F403

__all__ = ["experiment", "figures"] + experiment.__all__ + figures.__all__
