"""Lab 4, one neuron per layer (labs/04_one_neuron_per_layer.ipynb): its computation and its figures.

>>> from mlscompanion.labs import one_neuron
>>> help(one_neuron.experiment)   # what the lab computes
>>> help(one_neuron.figures)      # what it draws
"""

from mlscompanion.labs.one_neuron import experiment, figures
from mlscompanion.labs.one_neuron.experiment import *  # noqa: F401,F403
from mlscompanion.labs.one_neuron.figures import *  # noqa: F401,F403

__all__ = ["experiment", "figures"] + experiment.__all__ + figures.__all__
