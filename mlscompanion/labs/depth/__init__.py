"""Lab 6, depth, width and linear collapse (labs/06_depth_width_linear_collapse.ipynb): its computation and its figures.

>>> from mlscompanion.labs import depth
>>> help(depth.collapse)     # linear layers collapse; relu(w1 x + w2 x)
>>> help(depth.experiment)   # shallow-wide against deep-narrow
>>> help(depth.figures)      # what it draws
"""

from mlscompanion.labs.depth import collapse, experiment, figures
from mlscompanion.labs.depth.collapse import *  # noqa: F401,F403
from mlscompanion.labs.depth.experiment import *  # noqa: F401,F403
from mlscompanion.labs.depth.figures import *  # noqa: F401,F403

__all__ = (["collapse", "experiment", "figures"] + collapse.__all__ + experiment.__all__
           + figures.__all__)
