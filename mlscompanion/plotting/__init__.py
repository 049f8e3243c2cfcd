"""Every figure of the course in one namespace (``mlc.plotting.plot_units``).

Each lab's figures live with the lab (``mlscompanion.labs.<lab>.figures``)
and the tracker's with the tracker; this module gathers them for notebooks.
Every function returns a matplotlib ``Figure`` and uses no pyplot state.
"""

from mlscompanion.style import *  # noqa: F401,F403
from mlscompanion.tracker.plots import *  # noqa: F401,F403
from mlscompanion.tracker.units_plot import *  # noqa: F401,F403
from mlscompanion.labs.coffee.figures import *  # noqa: F401,F403
from mlscompanion.labs.identical_neurons.figures import *  # noqa: F401,F403
from mlscompanion.labs.zero_init.figures import *  # noqa: F401,F403
from mlscompanion.labs.one_neuron.figures import *  # noqa: F401,F403
from mlscompanion.labs.width.figures import *  # noqa: F401,F403
from mlscompanion.labs.depth.figures import *  # noqa: F401,F403
from mlscompanion.labs.differentiation.figures import *  # noqa: F401,F403
from mlscompanion.labs.reproducibility.figures import *  # noqa: F401,F403
