"""Full-batch training and one-call prediction for the labs' many small models.

Keras takes one optimizer step per batch. The labs need thousands of
full-batch gradient-descent steps on tiny networks (as in the course's
hand-written gradient descent), so ``fit_full_batch`` tiles the data, makes
every batch the whole data set, and runs the steps between two records in
one compiled call (``steps_per_execution``).

Example:

>>> history = fit_full_batch(model, X, y, keras.optimizers.SGD(0.1), "mse",
...                          steps=1000, records=10)
>>> fit_regression(model, x, y, epochs=20)   # full-batch Adam, cosine decay, MSE
>>> predict_once(model, X)          # float64 NumPy, no tf.function traced
"""

import logging

import keras
import numpy as np

from mlscompanion._validation import check_int, check_steps_per_record

__all__ = ["fit_full_batch", "fit_regression", "predict_once", "binary_accuracy"]

def fit_full_batch(model, x, y, optimizer, loss, steps, records=1, **fit_kwargs):
    """Compile ``model`` and take ``steps`` full-batch gradient steps in ``records`` epochs.

    Every batch is the whole, unshuffled data set; epoch-end callbacks (the
    tracker, a cost recorder) fire every ``steps // records`` steps.

    Returns the ``History`` of ``model.fit``.
    """
    steps, records = check_steps_per_record(steps, records)
    x = np.asarray(x, dtype="float32")
    y = np.asarray(y, dtype="float32")
    if x.shape[0] != y.shape[0]:
        raise ValueError(f"`x` has {x.shape[0]} rows but `y` has {y.shape[0]}.")
    per_record = steps // records
    model.compile(optimizer=optimizer, loss=loss, steps_per_execution=per_record)
    fit_kwargs.setdefault("verbose", 0)
    tile = lambda a: np.tile(a, (per_record,) + (1,) * (a.ndim - 1))  # noqa: E731
    # A lab trains many small models, each traced once: TensorFlow's
    # "excessive retracing" warning is expected here, so it is muted.
    logger = logging.getLogger("tensorflow")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        return model.fit(
            tile(x), tile(y), batch_size=len(x), epochs=records, shuffle=False, **fit_kwargs
        )
    finally:
        logger.setLevel(level)

def fit_regression(model, x, y, epochs, steps_per_epoch=50, learning_rate=0.01,
                   callbacks=None):
    """Train a regression ``model`` by full-batch Adam with a cosine-decayed
    learning rate, for ``epochs * steps_per_epoch`` steps; return the MSE history.

    A thin layer over ``fit_full_batch`` (every step sees the whole data
    set; one epoch's steps run in one compiled call).

    >>> model = mlscompanion.labs.width.sigmoid_layer_model(4)
    >>> losses = fit_regression(model, x, y, epochs=2)
    """
    epochs = check_int(epochs, "epochs")
    steps_per_epoch = check_int(steps_per_epoch, "steps_per_epoch")
    if not learning_rate > 0:
        raise ValueError(f"`learning_rate` must be > 0. Received: learning_rate={learning_rate!r}")
    schedule = keras.optimizers.schedules.CosineDecay(
        learning_rate, decay_steps=epochs * steps_per_epoch, alpha=0.01
    )
    history = fit_full_batch(
        model, x, y, keras.optimizers.Adam(schedule), "mse",
        steps=epochs * steps_per_epoch, records=epochs, callbacks=callbacks or [],
    )
    return np.asarray(history.history["loss"], dtype="float64")

def predict_once(model, x):
    """The model's output on ``x`` as a float64 NumPy array, in one direct call.

    Unlike ``model.predict`` this traces no ``tf.function``, so evaluating
    many freshly built models does not trigger TensorFlow's retracing warning.
    """
    x = np.asarray(x, dtype="float32")
    return np.asarray(keras.ops.convert_to_numpy(model(x, training=False)), dtype="float64")

def binary_accuracy(model, x, y, threshold=0.5):
    """Percentage of rows where ``model(x) > threshold`` agrees with ``y > 0.5``."""
    p = predict_once(model, x)
    return float(100.0 * np.mean((p > threshold) == (np.asarray(y) > 0.5)))
