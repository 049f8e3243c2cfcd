"""dJ/dw for every weight of a model, in Keras terms or in the forum's w-notation.

The numbers are what one optimizer step receives: the batch-mean loss,
differentiated by the backend itself (TensorFlow's ``GradientTape`` or
``jax.grad``).

Example:

>>> model = mlscompanion.models.forum_221()
>>> grads = mlscompanion.gradients.gradients_by_name(model, X_norm, y)
>>> grads["w1"], grads["w3"]     # equal exactly when w1=w3, w2=w4, b1=b2 and w5=w6
"""

import numpy as np

from mlscompanion._keras import keras, ops
from mlscompanion import tying

__all__ = ["variable_gradients", "gradients_by_name"]


def _check_xy(x, y, n_features):
    x = np.asarray(x, dtype="float32")
    if x.ndim != 2 or x.shape[1] != n_features:
        raise ValueError(
            f"`x` must have shape (samples, {n_features}) for this model. "
            f"Received: x of shape {x.shape}."
        )
    y = np.asarray(y, dtype="float32")
    if y.ndim == 1:
        y = y.reshape(-1, 1)
    if y.shape[0] != x.shape[0]:
        raise ValueError(
            f"`y` must have one label per row of `x` ({x.shape[0]}). "
            f"Received: y of shape {y.shape}."
        )
    if x.shape[0] == 0:
        raise ValueError("`x` is empty; give at least one sample.")
    return x, y


def _get_loss(loss):
    if callable(loss):
        return loss
    if isinstance(loss, str):
        try:
            return keras.losses.get(loss)
        except ValueError:
            pass
    raise ValueError(
        "`loss` must be a Keras loss name such as 'binary_crossentropy' or a "
        f"callable loss(y_true, y_pred). Received: loss={loss!r}"
    )


def _backend_gradients(model, loss_fn, x, y):
    """Gradients of mean(loss) for ``model.trainable_variables``, in that order."""
    backend = keras.backend.backend()
    x = ops.convert_to_tensor(x)
    y = ops.convert_to_tensor(y)
    variables = model.trainable_variables
    if backend == "tensorflow":
        import tensorflow as tf

        with tf.GradientTape() as tape:
            value = ops.mean(loss_fn(y, model(x, training=True)))
        return tape.gradient(value, variables)
    if backend == "jax":
        import jax

        def objective(trainable):
            out, _ = model.stateless_call(
                trainable, [v.value for v in model.non_trainable_variables], x, training=True
            )
            return ops.mean(loss_fn(y, out))

        return jax.grad(objective)([v.value for v in variables])
    raise NotImplementedError(
        f"Gradients are computed with the tensorflow or jax backend, not {backend!r}. "
        "Run with KERAS_BACKEND=tensorflow (or jax)."
    )


def variable_gradients(model, x, y, loss="binary_crossentropy"):
    """dJ/dW for the kernel and bias of every Dense layer, J = the batch-mean loss.

    Returns ``{(layer_name, "kernel" | "bias"): array}``, each shaped like its weight.

    Example:

    >>> grads = variable_gradients(model, x, y)
    >>> grads[("layer1", "kernel")].shape     # (inputs, units)
    """
    if not isinstance(model, keras.Model):
        raise TypeError(f"`model` must be a Keras model. Received: {type(model).__name__}.")
    keys = [
        (layer.name, kind)
        for layer in tying._dense_layers(model)
        for kind in ("kernel", "bias")
        if getattr(layer, kind, None) is not None
    ]
    wanted = {id(getattr(model.get_layer(name), kind)): (name, kind) for name, kind in keys}
    first = model.get_layer(keys[0][0]).kernel
    x, y = _check_xy(x, y, int(first.shape[0]))
    grads = _backend_gradients(model, _get_loss(loss), x, y)
    found = {
        wanted[id(v)]: ops.convert_to_numpy(g)
        for v, g in zip(model.trainable_variables, grads)
        if id(v) in wanted
    }
    return {key: found[key] for key in keys if key in found}


def gradients_by_name(model, x, y, loss="binary_crossentropy"):
    """dJ/dw for every named weight (w1.., b1..) of ``model`` on the batch ``x, y``.

    Example:

    >>> grads = gradients_by_name(mlscompanion.models.forum_221(), X_norm, y)
    >>> grads["w1"], grads["w3"]      # floats: dJ/dw1, dJ/dw3
    """
    per_variable = variable_gradients(model, x, y, loss)
    return {
        row.name: float(per_variable[(row.layer, row.kind)][row.index])
        for row in tying.weight_names(model)
        if (row.layer, row.kind) in per_variable
    }
