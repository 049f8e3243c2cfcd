"""Every figure of the course in one namespace (``mlc.plotting.plot_units``).

Each lab's figures live with the lab (``mlscompanion.labs.<lab>.figures``)
and the tracker's with the tracker; this module gathers them for notebooks.
Every function returns a matplotlib ``Figure`` and uses no pyplot state.
"""

from mlscompanion.style import *  # noqa: F401,F403
from mlscompanion.tracker.plots import *  # noqa: F401,F403
from mlscompanion.tracker.units_plot import *  # noqa: F401,F403
from mlscompanion.plotting.identical import *  # noqa: F401,F403
from mlscompanion.plotting.coffee import *  # noqa: F401,F403
from mlscompanion.plotting.zero_init import *  # noqa: F401,F403
from mlscompanion.plotting.one_neuron import *  # noqa: F401,F403
from mlscompanion.plotting.width import *  # noqa: F401,F403
from mlscompanion.plotting.depth import *  # noqa: F401,F403
from mlscompanion.plotting.differentiation import *  # noqa: F401,F403
from mlscompanion.plotting.reproducibility import *  # noqa: F401,F403
