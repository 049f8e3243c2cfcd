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

Cost: one float64 Gram matrix per layer and record (no loop over pairs);
about ``24 * units**2`` bytes at the peak (425 MiB for 4096 units). For very
wide layers, ``max_units`` describes a fixed random sample of units instead.
"""

import csv
import json
import math
import numbers
import os
import warnings

import keras
import numpy as np

from mlscompanion import similarity

__all__ = ["NeuronDifferentiation", "RECORD_FIELDS", "describe_units"]

#: The columns of a record, in CSV order.
RECORD_FIELDS = (
    "epoch",
    "step",
    "layer",
    "units",
    "sampled_units",
    "effective_width",
    "min_distance",
    "mean_distance",
    "max_distance",
    "mean_cosine",
    "max_cosine",
    "mean_abs_correlation",
    "pair_distances",
)

def _count_or_nan(value):
    """Counts are ints, except NaN for a layer with NaN weights."""
    return int(value) if math.isfinite(value) else float("nan")


_NUMERIC = {
    "epoch": int,
    "step": int,
    "units": int,
    "sampled_units": int,
    "effective_width": _count_or_nan,
    "min_distance": float,
    "mean_distance": float,
    "max_distance": float,
    "mean_cosine": float,
    "max_cosine": float,
    "mean_abs_correlation": float,
}


def describe_units(kernel, bias=None, tol=1e-6, pair_limit=32):
    """Figures for one layer's units, as a dict of plain Python numbers.

    ``pair_distances`` (the distance of each pair (0,1), (0,2), ..., (1,2))
    is kept only for layers of at most ``pair_limit`` units.

    Example:

    >>> describe_units(np.array([[1.0, 1.0, 0.0]]), np.zeros(3))["effective_width"]
    2
    """
    U = similarity.unit_vectors(kernel, bias)
    units = U.shape[0]
    keep_pairs = units <= pair_limit
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
            "pair_distances": [nan] * (units * (units - 1) // 2) if keep_pairs else None,
        }
    gram = U @ U.T
    dist = similarity.pairwise_distances(U, gram=gram)
    width = similarity.effective_width(U, tol=tol, distances=dist)
    pairs = similarity.upper_triangle(dist).tolist() if keep_pairs else None
    min_d, mean_d, max_d = similarity.pair_summary(dist)
    del dist  # keep at most three units x units arrays alive
    _, mean_c, max_c = similarity.pair_summary(similarity.cosine_similarity(U, gram=gram))
    return {
        "units": units,
        "effective_width": width,
        "min_distance": min_d,
        "mean_distance": mean_d,
        "max_distance": max_d,
        "mean_cosine": mean_c,
        "max_cosine": max_c,
        "pair_distances": pairs,
    }


def _trackable(layer):
    kernel = getattr(layer, "kernel", None)
    return kernel is not None and len(kernel.shape) == 2 and kernel.shape[-1] >= 2


def _is_count(value, minimum):
    return (
        isinstance(value, numbers.Integral)
        and not isinstance(value, bool)
        and value >= minimum
    )


def _csv_row(rec):
    pairs = rec["pair_distances"]
    row = dict(rec, pair_distances="" if pairs is None else json.dumps(pairs))
    return [row[field] for field in RECORD_FIELDS]


def _write_csv(path, records, mode="a"):
    """Append ``records`` to ``path`` (mode "a"), or write the header and them ("w")."""
    with open(path, mode, newline="") as f:
        writer = csv.writer(f)
        if mode == "w":
            writer.writerow(RECORD_FIELDS)
        writer.writerows(_csv_row(rec) for rec in records)


def _truncate_partial_line(path):
    """Drop a last line cut short by a crash mid-write; return True if one was."""
    with open(path, "rb+") as f:
        data = f.read()
        if not data or data.endswith(b"\n"):
            return False
        f.truncate(data.rfind(b"\n") + 1)
    return True


class NeuronDifferentiation(keras.callbacks.Callback):
    """Records how the units of each Dense layer differentiate during ``fit``.

    Example:

    >>> tracker = NeuronDifferentiation(layers=["layer1"], csv_path="units.csv")
    >>> model.fit(x, y, epochs=5, callbacks=[tracker])
    >>> tracker.history[-1]["effective_width"]

    Records are keyed by ``(step, layer)``, where ``step`` is the
    optimizer's iteration count (0 before the first update).

    Args:
        layers: layer names or layer objects to track; default: every layer
            with a 2-D kernel and at least 2 units.
        every: ``"epoch"`` to record after each epoch, or an int N to record
            every N batches. Either way one record is taken before training.
        probe: optional input array (at least 2 samples); the correlation
            between the units' activations on it is recorded as
            ``mean_abs_correlation``.
        tol: two units are the same when every weight differs by <= tol.
        csv_path: if given, each record is written (and flushed) to this CSV
            as it is made, so an interrupted run keeps what it recorded.
        append: with ``csv_path``, continue the run that wrote an existing
            file instead of overwriting it (use it with
            ``keras.callbacks.BackupAndRestore``): records already there are
            loaded and not written twice, and records made after the step
            the restarted model resumes from (the crashed run went past its
            last backup) are dropped with a warning and recorded again.
        pair_limit: keep every pair's distance for layers up to this many
            units; wider layers get summaries only.
        max_units: describe at most this many units per layer: a wider layer
            is described by a fixed random sample of units (the same units
            in every record; ``sampled_units`` says how many), which bounds
            time and memory. None (default) describes every unit.
        sample_seed: seed of that sample.
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
        max_units=None,
        sample_seed=0,
    ):
        super().__init__()
        if every != "epoch" and not _is_count(every, 1):
            raise ValueError(
                f"`every` must be 'epoch' or a positive int (record every N "
                f"batches). Received: every={every!r}"
            )
        if isinstance(tol, bool) or not isinstance(tol, numbers.Real) or not tol >= 0:
            raise ValueError(
                f"`tol` must be a non-negative number. Received: tol={tol!r}"
            )
        if isinstance(layers, (str, keras.layers.Layer)):
            layers = [layers]
        if layers is not None:
            if not hasattr(layers, "__iter__"):
                raise ValueError(
                    "`layers` must be a layer name, a layer, or a list of them. "
                    f"Received: layers={layers!r}"
                )
            layers = list(layers)
            for item in layers:
                if not isinstance(item, (str, keras.layers.Layer)):
                    raise ValueError(
                        "`layers` must hold layer names (str) or Keras layers. "
                        f"Received the item {item!r} in layers={layers!r}"
                    )
        if probe is not None:
            probe = np.asarray(probe)
            if probe.ndim < 1 or probe.shape[0] < 2 or not np.issubdtype(probe.dtype, np.number):
                raise ValueError(
                    "`probe` must be a numeric array of model inputs with at "
                    "least 2 samples (rows). Received an array of shape "
                    f"{probe.shape} and dtype {probe.dtype}."
                )
        if csv_path is not None and not isinstance(csv_path, (str, os.PathLike)):
            raise ValueError(
                "`csv_path` must be a file path (str or pathlib.Path) or None. "
                f"Received: csv_path={csv_path!r}"
            )
        if append and csv_path is None:
            raise ValueError(
                "`append=True` needs `csv_path`: it continues an existing CSV "
                "file. Give csv_path='units.csv'."
            )
        if not _is_count(pair_limit, 0):
            raise ValueError(
                "`pair_limit` must be a non-negative int. Received: "
                f"pair_limit={pair_limit!r}"
            )
        if max_units is not None and not _is_count(max_units, 2):
            raise ValueError(
                "`max_units` must be None or an int >= 2 (units described per "
                f"layer). Received: max_units={max_units!r}"
            )
        if not _is_count(sample_seed, 0):
            raise ValueError(
                "`sample_seed` must be a non-negative int. Received: "
                f"sample_seed={sample_seed!r}"
            )
        self.layers = layers
        self.every = every
        self.probe = probe
        self.tol = float(tol)
        self.csv_path = None if csv_path is None else os.fspath(csv_path)
        self.append = bool(append)
        self.pair_limit = int(pair_limit)
        self.max_units = max_units
        self.sample_seed = int(sample_seed)
        self.history = []
        self._ready = False
        self._tracked = []
        self._samples = {}
        self._probe_model = None
        self._seen = set()
        self._nan_warned = set()
        self._csv_started = False
        self._check_rollback = False
        self._need_start_record = False
        self._epoch = 0
        self._epoch_start_step = 0

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

    def _sample(self, layer):
        """Sorted indices of the units described for ``layer`` (None: all)."""
        units = layer.kernel.shape[-1]
        if self.max_units is None or units <= self.max_units:
            return None
        rng = np.random.default_rng(self.sample_seed)
        return np.sort(rng.choice(units, size=self.max_units, replace=False))

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

    def _setup(self):
        self._tracked = self._resolve_layers()
        self._samples = {layer.name: self._sample(layer) for layer in self._tracked}
        self._probe_model = self._build_probe_model()
        self._open_csv()
        self._ready = True

    # ----- CSV ---------------------------------------------------------
    def _open_csv(self):
        if self.csv_path is None or self._csv_started:
            return
        directory = os.path.dirname(self.csv_path)
        if directory:
            os.makedirs(directory, exist_ok=True)
        if self.append and os.path.exists(self.csv_path):
            if _truncate_partial_line(self.csv_path):
                warnings.warn(
                    f"NeuronDifferentiation: {self.csv_path} ended in a line "
                    "cut short (the run was killed while writing it); that "
                    "line was dropped.",
                    stacklevel=4,
                )
            previous = type(self).read_csv(self.csv_path)
            self.history.extend(previous)
            self._seen.update((r["step"], r["layer"]) for r in previous)
            self._check_rollback = bool(previous)
            if not previous:
                _write_csv(self.csv_path, [], mode="w")
        else:
            _write_csv(self.csv_path, [], mode="w")
        self._csv_started = True

    def _drop_records_after(self, step):
        """Forget records past ``step``: the run resumed from an earlier backup."""
        self._check_rollback = False
        stale = [r for r in self.history if r["step"] > step]
        if not stale:
            return
        warnings.warn(
            f"NeuronDifferentiation: training resumed at step {step} (e.g. "
            "from keras.callbacks.BackupAndRestore) but "
            f"{self.csv_path} holds {len(stale)} records made after that step "
            "by the interrupted run. They are dropped and will be recorded "
            "again as training passes those steps.",
            stacklevel=3,
        )
        self.history = [r for r in self.history if r["step"] <= step]
        self._seen = {(r["step"], r["layer"]) for r in self.history}
        _write_csv(self.csv_path + ".tmp", self.history, mode="w")
        os.replace(self.csv_path + ".tmp", self.csv_path)  # atomic: never half a file

    # ----- recording ---------------------------------------------------
    def _current_step(self):
        optimizer = getattr(self.model, "optimizer", None)
        iterations = getattr(optimizer, "iterations", None)
        if iterations is None:
            return 0
        return int(keras.ops.convert_to_numpy(iterations))

    def _layer_record(self, layer, step, activations):
        sample = self._samples.get(layer.name)
        kernel = keras.ops.convert_to_numpy(layer.kernel)
        bias = getattr(layer, "bias", None)
        bias = None if bias is None else keras.ops.convert_to_numpy(bias)
        if sample is not None:
            kernel = kernel[:, sample]
            bias = None if bias is None else bias[sample]
            activations = None if activations is None else activations[:, sample]
        figures = describe_units(kernel, bias, self.tol, self.pair_limit)
        if math.isnan(figures["effective_width"]) and layer.name not in self._nan_warned:
            self._nan_warned.add(layer.name)
            warnings.warn(
                f"NeuronDifferentiation: layer {layer.name!r} has NaN or "
                f"infinite weights at step {step}; its figures are recorded "
                "as NaN. Lower the learning rate or check the inputs.",
                stacklevel=3,
            )
        corr = float("nan")
        if activations is not None:
            corr = similarity.pair_summary(
                similarity.activation_correlation(activations), absolute=True
            )[1]
        rec = dict(figures, epoch=self._epoch, step=step, layer=layer.name,
                   units=int(layer.kernel.shape[-1]),
                   sampled_units=figures["units"], mean_abs_correlation=corr)
        return {field: rec[field] for field in RECORD_FIELDS}

    def record(self, step=None):
        """Take a record now (also usable outside ``fit``); returns the new records.

        ``step`` defaults to the optimizer's iteration count; the batch hook
        passes the step it already knows, sparing a variable read per record.
        """
        if self.model is None:  # on JAX, reading self.model syncs the weights
            raise ValueError(
                "NeuronDifferentiation.record() needs a model: pass the tracker "
                "to model.fit(callbacks=[...]) or call tracker.set_model(model)."
            )
        if not self._ready:
            self._setup()
        step = self._current_step() if step is None else int(step)
        if self._check_rollback:
            self._drop_records_after(step)
        todo = [
            (index, layer)
            for index, layer in enumerate(self._tracked)
            if (step, layer.name) not in self._seen
        ]
        if not todo:
            return []
        activations = None
        if self._probe_model is not None:
            outputs = self._probe_model.predict(self.probe, verbose=0)
            activations = outputs if isinstance(outputs, list) else [outputs]
        new = []
        for index, layer in todo:
            layer_activations = None if activations is None else np.asarray(activations[index])
            rec = self._layer_record(layer, step, layer_activations)
            self._seen.add((step, layer.name))
            self.history.append(rec)
            new.append(rec)
        if self.csv_path is not None:
            _write_csv(self.csv_path, new)
        return new

    # ----- Keras hooks -------------------------------------------------
    def on_train_begin(self, logs=None):
        self._setup()
        self._need_start_record = True

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch
        self._epoch_start_step = self._current_step()
        if self._need_start_record:
            # Taken here, not in on_train_begin: by now every callback's
            # on_train_begin has run, so BackupAndRestore has restored the
            # weights and the step count.
            self._need_start_record = False
            self.record()

    # Batch-begin, not batch-end: Keras dispatches batch-end hooks
    # asynchronously (no device sync per batch) only while no callback
    # overrides them. The weights after N batches are the same at the start
    # of batch N + 1, and on_epoch_end catches the last batch of an epoch.
    def on_train_batch_begin(self, batch, logs=None):
        if self.every != "epoch" and batch > 0:
            step = self._epoch_start_step + batch
            if step % self.every == 0:
                self.record(step)

    def on_epoch_end(self, epoch, logs=None):
        self._epoch = epoch + 1
        if self.every == "epoch" or self._current_step() % self.every == 0:
            self.record()

    # ----- results -----------------------------------------------------
    @staticmethod
    def read_csv(path):
        """Read records written with ``csv_path`` back as a list of dicts."""
        records = []
        with open(path, newline="") as f:
            reader = csv.DictReader(f)
            missing = [field for field in RECORD_FIELDS if field not in (reader.fieldnames or [])]
            if missing:
                raise ValueError(
                    f"{os.fspath(path)!r} is not a NeuronDifferentiation CSV: it "
                    f"lacks the columns {missing}. Expected the header "
                    f"{','.join(RECORD_FIELDS)}."
                )
            for row in reader:
                rec = {}
                for field in RECORD_FIELDS:
                    value = row.get(field) or ""
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
        """A tracker holding the history read from ``path`` (for plotting).

        Example:

        >>> NeuronDifferentiation.from_csv("units.csv").plot()
        """
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
