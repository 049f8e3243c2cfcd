"""Lab 4, one neuron per layer (labs/04_one_neuron_per_layer.ipynb): its computation and its figures.

>>> from mlscompanion.labs import one_neuron
>>> help(one_neuron.models)       # width-1 chains and one-neuron ResNets
>>> help(one_neuron.half_plane)   # why a chain's region is a half-plane
>>> help(one_neuron.experiment)   # what the lab computes
>>> help(one_neuron.figures)      # what it draws
"""

from mlscompanion.labs.one_neuron import experiment, figures, half_plane, models
from mlscompanion.labs.one_neuron.models import *  # noqa: F401,F403
from mlscompanion.labs.one_neuron.half_plane import *  # noqa: F401,F403
from mlscompanion.labs.one_neuron.experiment import *  # noqa: F401,F403
from mlscompanion.labs.one_neuron.figures import *  # noqa: F401,F403

__all__ = (["experiment", "figures", "half_plane", "models"] + models.__all__
           + half_plane.__all__ + experiment.__all__ + figures.__all__)
