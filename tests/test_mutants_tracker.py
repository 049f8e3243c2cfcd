"""Tracker behaviours that no other in-process test pinned down (found by mutation testing).

See docs/testing.md: each test here kills mutants of a module of
``mlscompanion/tracker/`` that the rest of the suite let survive.
"""

import keras
import numpy as np
import pytest

import mlscompanion as mlc

from mlscompanion.tracker import layer_weights
from mlscompanion.tracker.layer_weights import LayerWeights


class _Tracked:
    """A tracked layer whose weights come from three places, each named."""

    def __init__(self, kept):
        self.kept = kept

    def variables(self):
        return self.kept

    def keras_variables(self):
        return ["kernel variable"]

    def weights(self):
        return ("read through the layer",)


class _Reader:
    """Reads what ``state`` holds now: a tuple of values, or None."""

    def __init__(self, state):
        self.state = state

    def read(self):
        return self.state.get("values")


def test_layer_weights_come_from_the_jax_state_while_it_holds_them(monkeypatch):
    """Where JAX keeps the weights outside the model mid-epoch, they are read
    from its state (no sync); when it does not hold them, through the layer
    after a sync; kept variables (TF, PyTorch) come first."""
    asked, syncs = [], []

    def reader(model, variables):
        asked.append((model, variables))
        return _Reader(state)

    monkeypatch.setattr(layer_weights, "state_reader", reader)
    state = {"values": ("from the state",)}
    weights = LayerWeights([_Tracked(None), _Tracked(("kept",))], sync=lambda: syncs.append(1))
    assert weights.read(0) == ("read through the layer",) and len(syncs) == 1  # before fit
    weights.hold("the model")
    assert asked == [("the model", ["kernel variable"])] * 2
    assert weights.read(0) == ("from the state",) and weights.read(1) == ("kept",)
    assert len(syncs) == 1  # no sync while the state holds the weights
    state["values"] = None  # synced, or not yet stepped: the layer holds them
    assert weights.read(0) == ("read through the layer",) and len(syncs) == 2
    weights.release()
    state["values"] = ("from the state",)
    assert weights.read(0) == ("read through the layer",) and len(syncs) == 3
