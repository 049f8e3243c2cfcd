"""A layer's weights during a JAX ``fit``, read without syncing the model.

Example:

>>> reader = JaxStateReader(model, [layer.kernel, layer.bias])
>>> reader.read()    # their values after the last step, or None

During an epoch Keras' JAX trainer keeps every variable's value outside the
model, in ``model._jax_state``, renewed after each step, and leaves the
variables themselves empty. A callback that reads ``self.model`` copies all
of them back (``jax_state_sync``: every weight, optimizer slot and metric
variable), and the next step gathers them all again. A tracker that records
every batch needs a few of those values: ``read`` takes them from the state
as it is. It returns None whenever the state is not there to read (before
the first step of an epoch, after a sync, outside ``fit``, another backend,
or a Keras that keeps it otherwise): then the variables hold the values,
read through the layer after ``callback.model``.
"""


from mlscompanion._keras import keras
from mlscompanion import _internals

__all__ = ["JaxStateReader", "state_reader"]

#: The parts of Keras' JAX training state that hold layer weights, and the
#: model's variables each lists, in the same order.
WEIGHT_STATES = ("trainable_variables", "non_trainable_variables")


class JaxStateReader:
    """Reads ``variables`` (Keras variables of ``model``) from its JAX state.

    Args:
        model: the model being fit.
        variables: the variables to read, each one of the model's trainable
            or non-trainable variables; if one is not, ``read`` returns None.
    """

    def __init__(self, model, variables):
        self.model = model
        places = {}
        for key in WEIGHT_STATES:
            for index, variable in enumerate(getattr(model, key)):
                places.setdefault(id(variable), (key, index))
        self._places = [places.get(id(variable)) for variable in variables]
        if None in self._places:
            self._places = None

    def read(self):
        """The variables' values after the last train step, as a tuple of
        arrays on their device; None when the state does not hold them
        (the variables do then)."""
        state = _internals.jax_training_state(self.model)
        if self._places is None or not state:
            return None
        try:
            return tuple(state[key][index] for key, index in self._places)
        except (KeyError, IndexError, TypeError):
            return None


def state_reader(model, variables):
    """A ``JaxStateReader`` of ``variables`` under JAX; None on another
    backend, or when ``variables`` is None (a computed weight)."""
    if keras.backend.backend() != "jax" or variables is None:
        return None
    return JaxStateReader(model, variables)
