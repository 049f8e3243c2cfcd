"""The one door to Keras', TensorFlow's and JAX's internals.

Every use of a private name (``keras.src``, ``_inbound_nodes``,
``Callback._model``, ``tensorflow.python``, ``jax._src``, patching
``Model.__new__``/``fit``) goes through a function here, so a release that
moves one breaks one function here, with a message naming the Keras version,
never an ``AttributeError`` from inside Keras. Each function says the
versions it was checked on (``CHECKED_ON``) and what it does when the
internal is missing: a documented fallback, or ``InternalsChanged``.

>>> from mlscompanion import _internals
>>> _internals.layer_calls(layer)      # each call of a layer in a functional graph
>>> _internals.keras_global_seed()     # the seed keras.utils.set_random_seed set
"""

import functools
import inspect
import sys

__all__ = [
    "CHECKED_ON", "InternalsChanged", "KERAS_MODEL_MODULE", "KERAS2_MODEL_MODULE",
    "jax_backends_started", "keras_global_seed", "tf_global_seed",
    "tf_op_determinism_enabled", "layer_calls", "call_arguments", "callback_model",
    "jax_training_state",
    "random_initializer_class", "initializer_seed", "bind_fit_arguments", "record_model_creation",
    "record_fit_calls",
]

#: The releases every function here was checked on.
CHECKED_ON = "Keras 3.15.1, TensorFlow 2.21, JAX 0.10.2, PyTorch 2.13"

#: Where ``keras.Model`` is defined (``keras.Model.__module__``); an import
#: hook can wait for it without importing Keras first.
KERAS_MODEL_MODULE = "keras.src.models.model"
#: ... and where Keras 2 (``tf.keras`` of TensorFlow 2.13-2.15) defines it.
KERAS2_MODEL_MODULE = "keras.src.engine.training"


class InternalsChanged(RuntimeError):
    """A Keras, TensorFlow or JAX internal that mlscompanion uses is missing."""


def _keras_version():
    keras = sys.modules.get("keras")
    return getattr(keras, "__version__", "(not imported)")


def _changed(what, error):
    return InternalsChanged(
        f"mlscompanion reads {what}, which this installation does not have "
        f"(Keras {_keras_version()}; {type(error).__name__}: {error}). It was "
        f"checked on {CHECKED_ON}: install one of those or report this."
    )


# ----- seeding and determinism -----------------------------------------------

def jax_backends_started():
    """Whether JAX has started its backends: True, False, or None if it cannot tell.

    Read without starting them (``jax.devices()`` would). Internal:
    ``jax._src.xla_bridge._backends``. Missing: None (the caller says it
    cannot tell). False when JAX is not imported.
    """
    if "jax" not in sys.modules:
        return False
    try:
        from jax._src import xla_bridge

        return bool(xla_bridge._backends)
    except (ImportError, AttributeError):
        return None


def keras_global_seed():
    """The seed ``keras.utils.set_random_seed`` set (None if none).

    Internal: ``keras.src.backend.common.global_state``'s
    ``global_random_seed``. Missing: ``InternalsChanged``.
    """
    try:
        from keras.src.backend.common import global_state

        return global_state.get_global_attribute("global_random_seed")
    except (ImportError, AttributeError) as error:
        raise _changed("Keras' global random seed (keras.src.backend.common.global_state)",
                       error) from error


def tf_global_seed():
    """TensorFlow's global seed (``tf.random.set_seed``), None if unset or TF not imported.

    Internal: ``tensorflow.python.eager.context.global_seed()`` (the public
    ``tf.compat.v1.get_seed`` would draw an op seed and change later random
    ops). Missing: ``InternalsChanged``.
    """
    if "tensorflow" not in sys.modules:
        return None
    try:
        from tensorflow.python.eager import context

        return context.global_seed()
    except (ImportError, AttributeError) as error:
        raise _changed("TensorFlow's global seed (tensorflow.python.eager.context)",
                       error) from error


def tf_op_determinism_enabled():
    """Whether ``tf.config.experimental.enable_op_determinism()`` is in effect.

    Internal: ``tensorflow.python.framework.config.is_op_determinism_enabled``
    (TensorFlow exports only the setter). Missing: ``InternalsChanged``.
    """
    try:
        from tensorflow.python.framework import config

        return bool(config.is_op_determinism_enabled())
    except (ImportError, AttributeError) as error:
        raise _changed("TensorFlow's op-determinism switch "
                       "(tensorflow.python.framework.config)", error) from error


# ----- the functional graph and callbacks --------------------------------------

def layer_calls(layer):
    """Each call of ``layer`` in a functional graph, as Keras' nodes.

    Keras has no public way to list them (``layer.input`` and ``.output``
    are the first call's). Internal: ``Layer._inbound_nodes``. Missing:
    ``InternalsChanged``.
    """
    try:
        return layer._inbound_nodes
    except AttributeError as error:
        raise _changed("a layer's calls in the graph (Layer._inbound_nodes)", error) from error


def call_arguments(node):
    """``(args, kwargs)`` a graph node passed to its layer (from ``layer_calls``).

    Internal: ``Node.arguments.args`` and ``.kwargs``. Missing:
    ``InternalsChanged``.
    """
    try:
        return tuple(node.arguments.args), dict(node.arguments.kwargs)
    except AttributeError as error:
        raise _changed("a graph node's arguments (Node.arguments)", error) from error


def callback_model(callback):
    """The model a callback is set to (None before ``set_model``), without a sync.

    On JAX, ``callback.model`` first copies every variable of the training
    state back into the model; a per-batch hook cannot pay that. Internal:
    ``Callback._model``. Missing: falls back to ``callback.model`` (correct,
    slower on JAX).
    """
    try:
        return callback._model
    except AttributeError:
        return getattr(callback, "model", None)


def jax_training_state(model):
    """The JAX trainer's state of ``model`` during an epoch, or None.

    Keras' JAX trainer keeps variable values in ``model._jax_state`` (a dict
    of ``trainable_variables``, ``non_trainable_variables``, ... lists) until
    ``jax_state_sync`` copies them back (``model._jax_state_synced``).
    Missing, or synced: None (the caller then reads the variables).
    """
    state = getattr(model, "_jax_state", None)
    if not state or getattr(model, "_jax_state_synced", True):
        return None
    return state


# ----- for the snippet check's bootstrap ---------------------------------------

def random_initializer_class():
    """The base class of Keras' seeded random initializers (``RandomNormal``, ...).

    Found on ``keras.initializers.RandomNormal``'s bases, so it does not
    depend on the module path (``keras.src.initializers.random_initializers``
    in the checked versions). Keras 2 (checked on 2.15) has no such base:
    there it is the tuple of its random initializer classes, for
    ``isinstance``. Missing: ``InternalsChanged``.
    """
    from mlscompanion._keras import KERAS_3, keras

    if not KERAS_3:
        names = ("VarianceScaling", "RandomNormal", "RandomUniform", "TruncatedNormal",
                 "Orthogonal")
        return tuple(getattr(keras.initializers, name) for name in names)
    for cls in keras.initializers.RandomNormal.__mro__:
        if cls.__name__ == "RandomInitializer":
            return cls
    raise _changed("the base class of random initializers (RandomInitializer)",
                   LookupError("not among keras.initializers.RandomNormal's bases"))


def initializer_seed(initializer):
    """The seed an initializer was given (None if none): Keras 3 keeps it as
    ``_init_seed`` (``seed`` becomes a generator), Keras 2 as ``seed``."""
    if hasattr(initializer, "_init_seed"):
        return initializer._init_seed
    return getattr(initializer, "seed", None)


def bind_fit_arguments(fit, args, kwargs):
    """``fit``'s arguments by name (defaults filled in), and the names passed.

    ``fit``: the unbound ``Model.fit``; ``args`` without ``self``. Binds with
    ``inspect.signature``, so it follows Keras if the parameters move.

    >>> arguments, passed = bind_fit_arguments(keras.Model.fit, (x, y), {"epochs": 2})
    >>> arguments["shuffle"], "shuffle" in passed
    (True, False)
    """
    signature = inspect.signature(fit)
    parameters = list(signature.parameters)
    bound = signature.bind(None, *args, **kwargs)
    passed = set(bound.arguments) - {parameters[0]}
    bound.apply_defaults()
    arguments = dict(bound.arguments)
    arguments.pop(parameters[0])
    extra = arguments.pop("kwargs", None)
    if isinstance(extra, dict):
        arguments.update(extra)
        passed = (passed - {"kwargs"}) | set(extra)
    return arguments, passed


def record_model_creation(model_class, on_new):
    """Call ``on_new(model)`` for every model ``model_class`` creates; returns an undo.

    Wraps ``model_class.__new__`` (Keras builds functional models in
    ``Model.__new__``, so ``__init__`` alone misses some). Checked on
    ``CHECKED_ON``.
    """
    original = model_class.__dict__.get("__new__")
    original_new = model_class.__new__

    def __new__(cls, *args, **kwargs):
        model = original_new(cls, *args, **kwargs)
        on_new(model)
        return model

    model_class.__new__ = staticmethod(__new__)

    def undo():
        if original is None:
            del model_class.__new__
        else:
            model_class.__new__ = original

    return undo


def record_fit_calls(model_class, on_fit):
    """Call ``on_fit(model, arguments, passed)`` before each ``fit``; returns an undo.

    ``arguments`` and ``passed`` come from ``bind_fit_arguments``: read
    ``arguments["shuffle"]``, never a position.
    """
    original_fit = model_class.fit

    @functools.wraps(original_fit)
    def fit(self, *args, **kwargs):
        arguments, passed = bind_fit_arguments(original_fit, args, kwargs)
        on_fit(self, arguments, passed)
        return original_fit(self, *args, **kwargs)

    model_class.fit = fit

    def undo():
        model_class.fit = original_fit

    return undo


# ----- Keras 2 (tf.keras) ----------------------------------------------------

def set_variable_constraint(variable, constraint):
    """Give a built layer's weight a constraint the optimizer applies after each step.

    Keras 3: ``Variable.constraint`` is settable. Keras 2 (``tf.keras``, TF
    2.15): a ``tf.Variable``'s ``constraint`` is read-only, set at creation;
    internal: ``BaseResourceVariable._constraint``, which ``tf.keras``'
    optimizers read. Checked on TensorFlow 2.15.1 / Keras 2.15.0. Missing:
    ``InternalsChanged``.
    """
    try:
        variable.constraint = constraint
        return
    except AttributeError:
        pass
    if not hasattr(variable, "_constraint"):
        raise _changed("a tf.Variable's constraint (BaseResourceVariable._constraint)",
                       AttributeError("no _constraint"))
    variable._constraint = constraint


def keras2_seed_generator_set():
    """Keras 2 (2.13-2.15): whether ``keras.utils.set_random_seed`` seeded the
    generator unseeded initializers draw their seeds from (else they use Python's
    ``random``). Internal: ``keras.src.backend._SEED_GENERATOR.generator``. Checked
    on Keras 2.15.0. Missing: False (nothing says it was seeded).
    """
    try:
        from keras.src import backend
    except ImportError:
        return False
    return getattr(getattr(backend, "_SEED_GENERATOR", None), "generator", None) is not None
