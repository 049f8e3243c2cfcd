"""Where the tracker reads each tracked layer's weights during ``fit``, without a sync.

>>> weights = LayerWeights(tracked, sync=lambda: callback.model)
>>> weights.hold(model)       # on_train_begin: the variables, or Keras' JAX state
>>> values = weights.read(0)  # the first tracked layer's weights, on their device

During ``fit`` the variables are kept (TensorFlow, PyTorch), or, on JAX,
read from Keras' state mid-epoch (``jax_state``); outside ``fit`` they are
read through the layer, after ``sync`` has put them there.
"""

from mlscompanion.tracker.jax_state import state_reader

__all__ = ["LayerWeights"]


class LayerWeights:
    """The weights of the tracked layers, read where they live now.

    Args:
        tracked: the tracked layers (``layers.resolve_layers``).
        sync: called before a read through the layer; on JAX it puts the
            weights Keras keeps outside the model mid-epoch back in it.
    """

    def __init__(self, tracked, sync):
        self.tracked = list(tracked)
        self.sync = sync
        self.release()

    def hold(self, model):
        """Keep the variables for a fit (the layers cannot change during it)."""
        self._variables = [tracked.variables() for tracked in self.tracked]
        self._readers = [state_reader(model, tracked.keras_variables())
                         for tracked in self.tracked]

    def release(self):
        """Read through the layers again (after ``fit``)."""
        self._variables = [None] * len(self.tracked)
        self._readers = [None] * len(self.tracked)

    def read(self, index):
        """The weights of ``tracked[index]`` now, on their device."""
        if self._variables[index] is not None:
            return self._variables[index]
        reader = self._readers[index]
        values = None if reader is None else reader.read()
        if values is not None:
            return values
        self.sync()
        return self.tracked[index].weights()
