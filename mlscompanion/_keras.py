"""The Keras the package works with: Keras 3, or Keras 2 where a course lab runs it.

``keras`` is Keras 3 (``import keras``, any backend) or Keras 2 with
TensorFlow: ``tf.keras`` up to TensorFlow 2.15, or ``tf_keras`` when
``TF_USE_LEGACY_KERAS=1`` (Colab keeps it installed). ``ops`` is
``keras.ops`` under Keras 3; under Keras 2, which has no ``keras.ops``, it is
the same NumPy-style functions from ``tf.experimental.numpy`` and
TensorFlow, so the pieces (initializers, constraints, the tracker's figures)
are written once. ``KERAS_3`` tells which; ``require_keras_3(feature)``
raises one clear error for what needs Keras 3.

>>> from mlscompanion._keras import keras, ops, KERAS_3
>>> ops.mean(ops.convert_to_tensor([1.0, 3.0]))      # 2.0 under either Keras
>>> require_keras_3("the live view")                 # raises under Keras 2
"""

import os
import types

__all__ = ["keras", "ops", "tree", "Variable", "PyDataset", "backend_variable", "KERAS_3", "KERAS_VERSION", "require_keras_3",
           "Keras3Required"]


class Keras3Required(ImportError):
    """A feature that needs Keras 3 was used under Keras 2."""


def _legacy_requested():
    return os.environ.get("TF_USE_LEGACY_KERAS", "").strip().lower() in ("1", "true", "yes")


def _load():
    """(the keras module, whether it is Keras 3)."""
    if _legacy_requested():
        try:
            import tf_keras

            return tf_keras, False
        except ImportError:
            pass  # TF_USE_LEGACY_KERAS without tf_keras: TensorFlow <= 2.15's own Keras 2
    import keras as found

    if int(found.__version__.split(".")[0]) >= 3:
        return found, True
    import tensorflow as tf  # Keras 2 is TensorFlow's Keras

    return tf.keras, False


keras, KERAS_3 = _load()
KERAS_VERSION = getattr(keras, "__version__", None) or __import__("keras").__version__


def _tf_ops():
    """``keras.ops``' names used here, for Keras 2: ``tf.experimental.numpy`` plus five."""
    import numpy as np
    import tensorflow as tf
    import tensorflow.experimental.numpy as tnp

    def convert_to_numpy(x):
        return np.asarray(x.numpy() if hasattr(x, "numpy") else x)

    def convert_to_tensor(x, dtype=None):
        return tf.convert_to_tensor(x, dtype=dtype)

    def vectorized_map(function, elements):
        return tf.vectorized_map(function, elements)

    shim = types.SimpleNamespace(
        convert_to_numpy=convert_to_numpy, convert_to_tensor=convert_to_tensor,
        cast=tf.cast, vectorized_map=vectorized_map, relu=tf.nn.relu)
    for name in ("sum", "where", "mean", "take", "reshape", "concatenate", "sqrt", "transpose",
                 "maximum", "minimum", "stack", "clip", "max", "min", "matmul", "eye",
                 "diagonal", "copy", "abs", "zeros", "ones", "repeat", "moveaxis", "isfinite",
                 "full", "argsort", "all", "any", "square", "arange", "expand_dims", "squeeze",
                 "einsum", "exp", "log", "tanh", "sign", "logical_and", "logical_or", "equal",
                 "not_equal", "greater", "less", "dot", "prod", "zeros_like", "ones_like"):
        setattr(shim, name, getattr(tnp, name))
    shim.sigmoid = tf.sigmoid
    return shim


def _tf_tree():
    """``keras.tree``'s two functions used here, for Keras 2: ``tf.nest``."""
    import tensorflow as tf

    return types.SimpleNamespace(flatten=tf.nest.flatten, map_structure=tf.nest.map_structure)


def _tf_variable():
    import tensorflow as tf

    return tf.Variable


ops = keras.ops if KERAS_3 else _tf_ops()
tree = keras.tree if KERAS_3 else _tf_tree()
Variable = keras.Variable if KERAS_3 else _tf_variable()  # a layer's weight
PyDataset = keras.utils.PyDataset if KERAS_3 else keras.utils.Sequence  # batches by index


def backend_variable(variable):
    """The backend's own variable behind a layer's weight (Keras 2: the weight itself)."""
    return variable.value if KERAS_3 else variable


def require_keras_3(feature):
    """Raise ``Keras3Required`` naming ``feature`` when running under Keras 2."""
    if not KERAS_3:
        raise Keras3Required(
            f"Keras 3 is needed for {feature}; this environment runs Keras {KERAS_VERSION} "
            "(Keras 2: tf.keras or tf_keras). The pieces a course lab uses (the tie "
            "initializers and constraints, tie_weights, seeding, NeuronDifferentiation with "
            "its figures, CSV and plot()) work under Keras 2; for the rest install Keras 3 in "
            "a separate environment: python -m venv k3 && k3/bin/pip install mlscompanion "
            "(it installs TensorFlow >= 2.16 with Keras 3).")


from mlscompanion import _registration  # noqa: E402  (the classes need the names above)

_registration.register_when_keras_loads()
