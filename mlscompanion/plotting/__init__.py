"""Course-style figures (the lab colours), NumPy-2 safe, grids evaluated in one call.

Every function returns a matplotlib ``Figure`` and uses no pyplot state, so
it works the same in a notebook, a script and a headless test.
"""

from mlscompanion.plotting.style import *  # noqa: F401,F403
from mlscompanion.plotting.tracker import *  # noqa: F401,F403
from mlscompanion.plotting.units import *  # noqa: F401,F403
from mlscompanion.plotting.identical import *  # noqa: F401,F403
from mlscompanion.plotting.coffee import *  # noqa: F401,F403
from mlscompanion.plotting.zero_init import *  # noqa: F401,F403
from mlscompanion.plotting.one_neuron import *  # noqa: F401,F403
from mlscompanion.plotting.width import *  # noqa: F401,F403
from mlscompanion.plotting.depth import *  # noqa: F401,F403
from mlscompanion.plotting.differentiation import *  # noqa: F401,F403
from mlscompanion.plotting.reproducibility import *  # noqa: F401,F403
