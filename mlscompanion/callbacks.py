"""``NeuronDifferentiation``: watch the units of each layer become different.

Example:

>>> tracker = mlscompanion.callbacks.NeuronDifferentiation()
>>> model.fit(x, y, epochs=10, callbacks=[tracker])
>>> tracker.plot()        # distance between units and effective width

At each record point the tracker describes every tracked Dense layer by its
units (incoming weights + bias) and records plain numbers: the pairwise
distances, the cosine similarity, and the *effective width* (how many
distinct units the layer really has). With ``probe`` inputs it also records
how correlated the units' activations are.
"""

import csv
import json
import math
import os
import warnings

import keras
import numpy as np

from mlscompanion import similarity

__all__ = ["NeuronDifferentiation", "RECORD_FIELDS"]

#: The columns of a record, in CSV order.
RECORD_FIELDS = (
    "epoch",
    "step",
    "layer",
    "units",
    "effective_width",
    "min_distance",
    "mean_distance",
    "max_distance",
    "mean_cosine",
    "max_cosine",
    "mean_abs_correlation",
    "pair_distances",
)

_NUMERIC = {
    "epoch": int,
    "step": int,
    "units": int,
    "effective_width": float,
    "min_distance": float,
    "mean_distance": float,
    "max_distance": float,
    "mean_cosine": float,
    "max_cosine": float,
    "mean_abs_correlation": float,
}


def _finite_or_nan(values, reducer):
    return float(reducer(values)) if values.size else float("nan")


def describe_units(kernel, bias=None, tol=1e-6, pair_limit=32):
    """Figures for one layer's units, as a dict of plain Python numbers.

    ``pair_distances`` (the distance of each pair (0,1), (0,2), ..., (1,2))
    is kept only for layers of at most ``pair_limit`` units.
    """
    U = similarity.unit_vectors(kernel, bias)
    units = U.shape[0]
    if not np.all(np.isfinite(U)):
        nan = float("nan")
        return {
            "units": units,
            "effective_width": nan,
            "min_distance": nan,
            "mean_distance": nan,
            "max_distance": nan,
            "mean_cosine": nan,
            "max_cosine": nan,
            "pair_distances": [nan] * (units * (units - 1) // 2)
            if units <= pair_limit
            else None,
        }
    gram = U @ U.T
    dist = similarity.pairwise_distances(U, gram=gram)
    pairs = similarity.upper_triangle(dist)
    cos = similarity.upper_triangle(similarity.cosine_similarity(U, gram=gram))
    return {
        "units": units,
        "effective_width": similarity.effective_width(U, tol=tol, distances=dist),
        "min_distance": _finite_or_nan(pairs, np.min),
        "mean_distance": _finite_or_nan(pairs, np.mean),
        "max_distance": _finite_or_nan(pairs, np.max),
        "mean_cosine": _finite_or_nan(cos[np.isfinite(cos)], np.mean),
        "max_cosine": _finite_or_nan(cos[np.isfinite(cos)], np.max),
        "pair_distances": pairs.tolist() if units <= pair_limit else None,
    }


def _trackable(layer):
    kernel = getattr(layer, "kernel", None)
    return kernel is not None and len(kernel.shape) == 2 and kernel.shape[-1] >= 2


class NeuronDifferentiation(keras.callbacks.Callback):
    """Records how the units of each Dense layer differentiate during ``fit``.

    Example:

    >>> tracker = NeuronDifferentiation(layers=["layer1"], csv_path="units.csv")
    >>> model.fit(x, y, epochs=5, callbacks=[tracker])
    >>> tracker.history[-1]["effective_width"]

    Args:
        layers: layer names or layer objects to track; default: every layer
            with a 2-D kernel and at least 2 units.
        every: ``"epoch"`` to record after each epoch, or an int N to record
            every N batches. Either way one record is taken before training.
        probe: optional input array; the correlation between the units'
            activations on it is recorded as ``mean_abs_correlation``.
        tol: two units are the same when every weight differs by <= tol.
        csv_path: if given, each record is written (and flushed) to this CSV
            as it is made, so an interrupted run keeps what it recorded.
        append: with ``csv_path``, continue an existing file instead of
            overwriting it; records already there are loaded and not
            written twice (use it with ``keras.callbacks.BackupAndRestore``).
        pair_limit: keep every pair's distance for layers up to this many
            units; wider layers get summaries only.
    """

    def __init__(
        self,
        layers=None,
        every="epoch",
        probe=None,
        tol=1e-6,
        csv_path=None,
        append=False,
        pair_limit=32,
    ):
        super().__init__()
        if every != "epoch" and not (
            isinstance(every, int) and not isinstance(every, bool) and every >= 1
        ):
            raise ValueError(
                f"`every` must be 'epoch' or a positive int (record every N "
                f"batches). Received: every={every!r}"
            )
        if not (isinstance(tol, (int, float)) and tol >= 0):
            raise ValueError(
                f"`tol` must be a non-negative number. Received: tol={tol!r}"
            )
        if isinstance(layers, (str, keras.layers.Layer)):
            layers = [layers]
        self.layers = None if layers is None else list(layers)
        self.every = every
        self.probe = None if probe is None else np.asarray(probe)
        self.tol = float(tol)
        self.csv_path = None if csv_path is None else os.fspath(csv_path)
        self.append = bool(append)
        self.pair_limit = int(pair_limit)
        self.history = []
        self._tracked = []
        self._probe_model = None
        self._seen = set()
        self._nan_warned = set()
        self._csv_started = False
        self._need_start_record = False
        self._epoch = 0
        self._batches = 0
        if every != "epoch":
            # Only hook batches when asked: a batch hook turns off Keras'
            # asynchronous callback dispatch for the whole fit.
            self.on_train_batch_end = self._on_train_batch_end

    # ----- setup -------------------------------------------------------
    def _resolve_layers(self):
        candidates = [layer for layer in self.model.layers]
        if self.layers is None:
            chosen = [layer for layer in candidates if hasattr(layer, "kernel")]
        else:
            by_name = {layer.name: layer for layer in candidates}
            chosen = []
            for item in self.layers:
                if isinstance(item, str):
                    if item not in by_name:
                        raise ValueError(
                            f"NeuronDifferentiation: no layer named {item!r} in "
                            f"the model. Layers: {sorted(by_name)}"
                        )
                    chosen.append(by_name[item])
                else:
                    chosen.append(item)
        tracked, skipped = [], []
        for layer in chosen:
            (tracked if _trackable(layer) else skipped).append(layer)
        if skipped and self.layers is not None:
            warnings.warn(
                "NeuronDifferentiation skips layers that have no 2-D kernel or "
                "fewer than 2 units: "
                + ", ".join(layer.name for layer in skipped),
                stacklevel=3,
            )
        if not tracked:
            warnings.warn(
                "NeuronDifferentiation found no layer to track (a Dense layer "
                "with 2 or more units); it will record nothing.",
                stacklevel=3,
            )
        return tracked

    def _build_probe_model(self):
        if self.probe is None or not self._tracked:
            return None
        try:
            return keras.Model(
                self.model.inputs, [layer.output for layer in self._tracked]
            )
        except Exception as error:  # a subclassed model has no graph to cut
            warnings.warn(
                "NeuronDifferentiation cannot read the layers' activations of "
                f"this model ({error}); activation correlation is not recorded. "
                "Build the model with keras.Input(...) to enable it.",
                stacklevel=3,
            )
            return None

    def _open_csv(self):
        if self.csv_path is None or self._csv_started:
            return
        directory = os.path.dirname(self.csv_path)
        if directory:
            os.makedirs(directory, exist_ok=True)
        if self.append and os.path.exists(self.csv_path):
            previous = type(self).read_csv(self.csv_path)
            self.history.extend(previous)
            self._seen.update((r["step"], r["layer"]) for r in previous)
            if not previous:
                self._write_header()
        else:
            self._write_header()
        self._csv_started = True

    def _write_header(self):
        with open(self.csv_path, "w", newline="") as f:
            csv.writer(f).writerow(RECORD_FIELDS)

    # ----- recording ---------------------------------------------------
    def _current_step(self):
        optimizer = getattr(self.model, "optimizer", None)
        iterations = getattr(optimizer, "iterations", None)
        if iterations is None:
            return self._batches
        return int(keras.ops.convert_to_numpy(iterations.value))

    def record(self):
        """Take a record now (also usable outside ``fit``); returns the new records."""
        step = self._current_step()
        activations = None
        if self._probe_model is not None:
            outputs = self._probe_model.predict(self.probe, verbose=0)
            activations = outputs if isinstance(outputs, list) else [outputs]
        new = []
        for index, layer in enumerate(self._tracked):
            key = (step, layer.name)
            if key in self._seen:
                continue
            kernel = keras.ops.convert_to_numpy(layer.kernel.value)
            bias = getattr(layer, "bias", None)
            bias = None if bias is None else keras.ops.convert_to_numpy(bias.value)
            figures = describe_units(kernel, bias, self.tol, self.pair_limit)
            if math.isnan(figures["effective_width"]) and layer.name not in self._nan_warned:
                self._nan_warned.add(layer.name)
                warnings.warn(
                    f"NeuronDifferentiation: layer {layer.name!r} has NaN or "
                    f"infinite weights at step {step}; its figures are recorded "
                    "as NaN. Lower the learning rate or check the inputs.",
                    stacklevel=2,
                )
            corr = float("nan")
            if activations is not None:
                c = similarity.upper_triangle(
                    similarity.activation_correlation(activations[index])
                )
                c = np.abs(c[np.isfinite(c)])
                corr = float(c.mean()) if c.size else float("nan")
            rec = {"epoch": self._epoch, "step": step, "layer": layer.name}
            rec.update(figures)
            rec["mean_abs_correlation"] = corr
            rec = {field: rec[field] for field in RECORD_FIELDS}
            self._seen.add(key)
            self.history.append(rec)
            new.append(rec)
        if new and self.csv_path is not None:
            with open(self.csv_path, "a", newline="") as f:
                writer = csv.writer(f)
                for rec in new:
                    row = dict(rec)
                    pairs = row["pair_distances"]
                    row["pair_distances"] = "" if pairs is None else json.dumps(pairs)
                    writer.writerow([row[field] for field in RECORD_FIELDS])
        return new

    # ----- Keras hooks -------------------------------------------------
    def on_train_begin(self, logs=None):
        self._tracked = self._resolve_layers()
        self._probe_model = self._build_probe_model()
        self._open_csv()
        self._batches = self._current_step()
        self._need_start_record = True

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch
        if self._need_start_record:
            self._need_start_record = False
            self.record()

    def _on_train_batch_end(self, batch, logs=None):
        self._batches += 1
        if self._batches % self.every == 0:
            self.record()

    def on_epoch_end(self, epoch, logs=None):
        self._epoch = epoch + 1
        if self.every == "epoch":
            self.record()

    # ----- results -----------------------------------------------------
    @staticmethod
    def read_csv(path):
        """Read records written with ``csv_path`` back as a list of dicts."""
        records = []
        with open(path, newline="") as f:
            for row in csv.DictReader(f):
                rec = {}
                for field in RECORD_FIELDS:
                    value = row.get(field, "")
                    if field == "pair_distances":
                        rec[field] = json.loads(value) if value else None
                    elif field in _NUMERIC:
                        rec[field] = _NUMERIC[field](float(value)) if value not in ("", "nan") else float("nan")
                    else:
                        rec[field] = value
                records.append(rec)
        return records

    @classmethod
    def from_csv(cls, path):
        """A tracker holding the history read from ``path`` (for plotting)."""
        tracker = cls()
        tracker.history = cls.read_csv(path)
        return tracker

    def to_frame(self):
        """The history as a pandas DataFrame (requires pandas)."""
        try:
            import pandas as pd
        except ImportError:
            raise ImportError(
                "to_frame() needs pandas: pip install pandas. "
                "tracker.history holds the same records as plain dicts."
            ) from None
        return pd.DataFrame(self.history, columns=list(RECORD_FIELDS))

    def plot(self, x="step"):
        """A matplotlib Figure: distance between units and effective width over time."""
        from mlscompanion import plotting

        return plotting.plot_differentiation(self.history, x=x)
