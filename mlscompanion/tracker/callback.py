"""``NeuronDifferentiation``: watch the units of each layer become different.

>>> tracker = mlscompanion.tracker.NeuronDifferentiation()
>>> model.fit(x, y, epochs=10, callbacks=[tracker])
>>> tracker.plot()        # distance between units and effective width

This module holds the callback: its life cycle in ``fit`` and when to
record. The parts it is made of are listed in ``mlscompanion.tracker``.
"""

import os


from mlscompanion._keras import keras, ops, require_keras_3
from mlscompanion import _internals, _validation
from mlscompanion.tracker.history import HistoryViews
from mlscompanion.tracker.layer_weights import LayerWeights
from mlscompanion.tracker.probes import Probe
from mlscompanion.tracker.record_log import RecordLog
from mlscompanion.tracker.record_window import UNWATCHED_SIZE, RecordWindow
from mlscompanion.tracker.records import RECORD_FIELDS
from mlscompanion.tracker.sinks.group import SinkGroup
from mlscompanion.tracker.layers import resolve_layers, sample_units
from mlscompanion.tracker.describe import describe_units
from mlscompanion.tracker.figures import UnitFigures
from mlscompanion.tracker.unit_maps import activation_name
from mlscompanion.tracker.map_recorder import MapViews, UnitMapRecorder

__all__ = ["NeuronDifferentiation", "RECORD_FIELDS", "describe_units"]


class NeuronDifferentiation(MapViews, HistoryViews, keras.callbacks.Callback):
    """Records how the units of each layer differentiate during ``fit``.

    Example:

    >>> tracker = NeuronDifferentiation(layers=["layer1"], csv_path="units.csv")
    >>> history = model.fit(x, y, epochs=5, callbacks=[tracker], verbose=0)
    >>> last = tracker.history[-1]            # also in units.csv
    >>> last["step"], last["layer"], last["effective_width"]
    (5, 'layer1', 2)

    Records are keyed by ``(step, layer)``, where ``step`` is the
    optimizer's iteration count (0 before the first update).

    The figures are computed on the device, and fetched to the host
    ``fetch_every`` record points at a time (256 when no CSV, TensorBoard or
    live view reads them), at the end of each epoch and at the end of
    training (reading ``history`` fetches at once). With
    ``csv_path`` each fetched record is written and flushed at once, so a
    run killed outright (SIGKILL, power cut) loses at most the last
    ``fetch_every - 1`` record points and duplicates nothing.

    Args:
        layers: layer names or layer objects to track, also of models nested
            in the model; default: every layer with at least 2 units that the
            tracker describes (Dense, Conv*, Conv*Transpose, EinsumDense,
            SimpleRNN, GRU, LSTM: what a unit is for each is in
            ``mlscompanion.tracker.layers``).
        every: ``"epoch"`` to record after each epoch, or an int N to record
            every N batches. Either way one record is taken before training.
        probe: optional model inputs (at least 2 samples): an array, a
            list/tuple/dict of arrays for a model with several inputs, or a
            ``tf.data.Dataset``/``keras.utils.PyDataset`` (its first
            ``probe_samples`` samples). The correlation between the units'
            activations on it is recorded as ``mean_abs_correlation`` (for
            outputs with positions, such as conv feature maps, per position
            and then averaged; see ``mlscompanion.tracker.figures``), and
            the shares of units dead (ReLU, 0 on every sample) and saturated
            (sigmoid/tanh within 1 % of one bound) as ``dead_fraction`` and
            ``saturated_fraction``.
        probe_samples: how many samples to read from a dataset probe
            (arrays are used whole).
        probe_batch_size: the probe goes through the model in batches of
            this many samples.
        tol: two units are the same when every weight differs by <= tol.
        csv_path: if given, each record is written (and flushed) to this CSV
            as soon as it is fetched.
        append: with ``csv_path``, continue the run that wrote an existing
            file instead of overwriting it (use it with
            ``keras.callbacks.BackupAndRestore``): records already there are
            loaded and not written twice, and records made after the step
            the restarted model resumes from (the crashed run went past its
            last backup) are dropped with a warning and recorded again.
        pair_limit: keep every pair's distance for layers up to this many
            units; wider layers get summaries only.
        pair_figures_limit: min/mean/max distance and max cosine need every
            pair of units (units² × fan-in work). Layers of at most this many
            units get them in every record; wider layers only in the records
            taken before training and at epoch ends (NaN in between).
            Effective width, RMS distance and mean cosine are in every record.
        max_units: describe at most this many units per layer: a wider layer
            is described by a fixed random sample of units (the same units
            in every record; ``sampled_units`` says how many), which bounds
            time and memory. None (default) describes every unit.
        sample_seed: seed of that sample.
        fetch_every: with ``csv_path``, ``log_dir`` or ``live``, fetch records
            to the host after this many record points (1: after each, at
            the cost of a device sync per record). Without them nothing
            reads the records before the epoch ends, so up to
            ``max(fetch_every, 256)`` record points wait. With
            ``live``, records are also fetched whenever the live figure may
            redraw (at most about once a second), so it is never stale.
        live: watch the units while ``fit`` runs. In a Jupyter or Colab
            notebook one figure (``plot()``) is shown and updated in place,
            at most once a second, at epoch ends as allowed, and at the end
            of training; in a script nothing is drawn and one line per
            epoch is printed. True builds a ``mlscompanion.tracker.sinks.LiveSink``
            for each fit; pass your own ``LiveSink(...)`` to change its
            throttle.
        log_dir: write the figures to TensorBoard: scalars per layer and
            figure, and histograms of the pair distances, in
            ``log_dir/units`` (beside the ``train`` and ``validation`` runs
            of ``keras.callbacks.TensorBoard(log_dir)``). Needs the
            ``tensorboard`` package: ``pip install mlscompanion[tensorboard]``.
        sinks: sinks of your own (``mlscompanion.sinks.Sink``: ``open``,
            ``send``, ``flush``, ``close``), beside ``csv_path``, ``log_dir``
            and ``live``; each receives every fetched record, in order, in
            every fit, as the CSV does.
        maps: keep every unit's output over the input plane at the start and
            each epoch end (``unit_maps``, ``plot_maps``, ``animate(what="maps")``):
            True, or a dict of ``tracker.unit_maps.UnitMapper`` options.
        maps_data: with ``maps``, the data in raw units, ``x`` or ``(x, y)``.
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
        pair_figures_limit=256,
        max_units=None,
        sample_seed=0,
        fetch_every=16,
        probe_samples=256,
        probe_batch_size=256,
        live=False,
        log_dir=None,
        sinks=None,
        maps=False,
        maps_data=None,
    ):
        super().__init__()
        self.every = _validation.check_every(every)
        self.tol = _validation.check_tol(tol)
        self.layers = _validation.check_layers(layers)
        self.probe = probe
        self.probe_samples = _validation.check_int(probe_samples, "probe_samples", minimum=2)
        self.probe_batch_size = _validation.check_int(probe_batch_size, "probe_batch_size")
        self._probe = None if probe is None else Probe(
            probe, samples=probe_samples, batch_size=probe_batch_size)
        SinkGroup.check(csv_path, append=append, live=live, log_dir=log_dir)
        self._sinks = SinkGroup(sinks)
        self.csv_path = None if csv_path is None else os.fspath(csv_path)
        self.append = bool(append)
        self.live = live
        self.log_dir = None if log_dir is None else os.fspath(log_dir)
        self.pair_limit = _validation.check_int(pair_limit, "pair_limit", minimum=0)
        self.max_units = None if max_units is None else _validation.check_int(
            max_units, "max_units", minimum=2)
        self.sample_seed = _validation.check_int(sample_seed, "sample_seed", minimum=0)
        self.pair_figures_limit = _validation.check_int(
            pair_figures_limit, "pair_figures_limit", minimum=0)
        self.fetch_every = _validation.check_int(fetch_every, "fetch_every")
        if live or log_dir is not None:
            require_keras_3("NeuronDifferentiation's live view and TensorBoard sink")
        self._maps = UnitMapRecorder.from_options(maps, maps_data)
        self._start_empty()

    def _start_empty(self):
        """No records, no layers resolved yet: the state before the first ``fit``."""
        self._log = RecordLog()
        self._window = RecordWindow(self.fetch_every)
        self._pending_steps = 0
        self._ready = False
        self._tracked = []
        self._weights = LayerWeights([], sync=self._sync_weights)
        self._figures = {}
        self._probe_forward = None
        self._probe_slots = []
        self._check_rollback = False
        self._need_start_record = False
        self._epoch = 0
        self._epoch_start_step = 0

    def get_config(self):
        return {
            "layers": None if self.layers is None else [
                item if isinstance(item, str) else item.name for item in self.layers],
            "every": self.every,
            "tol": self.tol,
            "csv_path": self.csv_path,
            "append": self.append,
            "pair_limit": self.pair_limit,
            "pair_figures_limit": self.pair_figures_limit,
            "max_units": self.max_units,
            "sample_seed": self.sample_seed,
            "fetch_every": self.fetch_every,
            "probe_samples": self.probe_samples,
            "probe_batch_size": self.probe_batch_size,
            "live": bool(self.live),
            "log_dir": self.log_dir,
        }

    # ----- setup -------------------------------------------------------
    def _setup(self):
        self._tracked = resolve_layers(self.model, self.layers)
        self._weights = LayerWeights(self._tracked, sync=self._sync_weights)
        self._figures = {
            tracked.name: UnitFigures(
                tracked.shapes, tol=self.tol, pair_limit=self.pair_limit,
                sample=sample_units(tracked.units, self.max_units, self.sample_seed),
                layout=tracked.layout, activation=activation_name(tracked.layer))
            for tracked in self._tracked
        }
        self._probe_forward, self._probe_slots = (
            (None, []) if self._probe is None
            else self._probe.forward(self.model, self._tracked))
        self._open_csv()
        self._ready = True

    # ----- CSV (opened once; the sinks are in SinkGroup) ----------------
    def _open_csv(self):
        csv_sink = self._sinks.open_csv(self.csv_path, append=self.append)
        if csv_sink is not None:  # (it warns if the file ended in a cut line)
            self._log.load(csv_sink.previous)
            self._check_rollback = bool(csv_sink.previous)

    # ----- recording ---------------------------------------------------
    def _current_step(self):
        optimizer = getattr(self.model, "optimizer", None)
        iterations = getattr(optimizer, "iterations", None)
        if iterations is None:
            return 0
        return int(ops.convert_to_numpy(iterations))

    def _activations(self):
        """Each tracked layer's activations on the probe (None where not read)."""
        if self._probe_forward is None:
            return None
        self._sync_weights()
        outputs = self._probe_forward()
        return [None if slot is None else outputs[slot] for slot in self._probe_slots]

    def _require_model(self):
        if _internals.callback_model(self) is None:  # not self.model: on JAX, that syncs
            raise ValueError(
                "NeuronDifferentiation.record() needs a model: pass the tracker "
                "to model.fit(callbacks=[...]) or call tracker.set_model(model)."
            )

    def _take(self, step, all_pairs):
        """Keep a record point on the device (``RecordWindow``); fetch nothing.

        ``all_pairs``: pair figures for every layer, not only the narrow
        ones. Those records (when training starts, at epoch ends, and in
        ``record()``) are few and fetched next: computed at once, or with
        the copies of their layer that wait.
        """
        self._require_model()
        if not self._ready:
            self._setup()
        if self._check_rollback:  # the first record since the CSV was read
            self._check_rollback = False
            if self._log.drop_after(step, self.csv_path):
                self._sinks.rewrite(self._log.records)
        todo = [(index, layer) for index, layer in enumerate(self._tracked)
                if not self._log.taken(step, layer.name)]
        if not todo:
            return
        activations = self._activations()
        for index, layer in todo:
            figures = self._figures[layer.name]
            meta = {"epoch": self._epoch, "step": step, "layer": layer.name,
                    "units": layer.units, "sampled_units": figures.units}
            self._window.add(
                meta, figures, self._weights.read(index),
                None if activations is None else activations[index],
                pairs=all_pairs or figures.units <= self.pair_figures_limit, now=all_pairs)
            self._log.take(step, layer.name)
        self._pending_steps += 1

    def _sync_weights(self):
        """Put the weights in the layers: on JAX Keras keeps them outside
        mid-epoch, and reading ``self.model`` syncs them (elsewhere a no-op)."""
        self.model  # noqa: B018

    def _fetch(self):
        """Compute the waiting records, bring them to the host in one
        transfer, and hand them to the sinks; return them."""
        self._pending_steps = 0
        new = []
        for meta, values in self._window.fetch():
            record = dict(values, **meta)
            self._log.warn_if_nan(record)
            new.append({field: record[field] for field in RECORD_FIELDS})
        if not new:
            return []
        self._log.extend(new)
        self._sinks.send(new)
        return new

    def _record_point(self, step, all_pairs=False):
        self._take(step, all_pairs)
        if self._pending_steps >= self._window.size or self._sinks.live_ready():
            self._fetch()

    def record(self, step=None):
        """Take a record now (also usable outside ``fit``); returns the new records.

        It fetches at once, so it waits for the device: inside ``fit`` the
        tracker's own hooks record without waiting.
        """
        self._require_model()
        self._fetch()
        step = self._current_step() if step is None else int(step)
        self._take(step, all_pairs=True)
        return self._fetch()

    @property
    def history(self):
        """Every record so far, oldest first (fetches pending records first)."""
        self._fetch()
        return self._log.records

    @history.setter
    def history(self, records):
        """Replace the records; their steps count as recorded."""
        self._window, self._pending_steps = RecordWindow(self.fetch_every), 0
        self._log = RecordLog(records)

    # ----- Keras hooks -------------------------------------------------
    def on_train_begin(self, logs=None):
        self._setup()
        # The layers cannot change during fit: their variables are read
        # without Keras' lookups (or from Keras' state, on JAX).
        self._weights.hold(self.model)
        self._sinks.open(self._log.records, log_dir=self.log_dir, live=self.live)
        self._fetch()
        # A sink bounds how long records wait (fetch_every); with none, nothing
        # reads them before the epoch ends, so more wait and share a call.
        self._window = RecordWindow(self.fetch_every if self._sinks.watched
                                    else max(self.fetch_every, UNWATCHED_SIZE))
        self._need_start_record = True

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch
        self._epoch_start_step = self._current_step()
        if not self._need_start_record:
            self._sinks.flush()  # the previous epoch's progress bar line is done
        else:
            # Taken here, not in on_train_begin: by now every callback's
            # on_train_begin has run, so BackupAndRestore has restored the
            # weights and the step count.
            self._need_start_record = False
            if not self._check_rollback:  # a resumed run drops records instead
                self._log.warn_if_restarted(self._epoch_start_step)
            self._record_point(self._epoch_start_step, all_pairs=True)
            if self._maps is not None:
                self._sinks.send_maps(self._maps.record(self.model, self._epoch_start_step))

    # Batch-begin, not batch-end: Keras dispatches batch-end hooks
    # asynchronously (no device sync per batch) only while no callback
    # overrides them. The weights after N batches are the same at the start
    # of batch N + 1, and on_epoch_end catches the last batch of an epoch.
    def on_train_batch_begin(self, batch, logs=None):
        if self.every != "epoch" and batch > 0:
            step = self._epoch_start_step + batch
            if step % self.every == 0:
                self._record_point(step)

    def on_epoch_end(self, epoch, logs=None):
        self._epoch = epoch + 1
        step = self._current_step()
        if self.every == "epoch" or step % self.every == 0:
            self._take(step, all_pairs=True)
        self._fetch()
        if self._maps is not None:  # after the records, so a live view shows both
            self._sinks.send_maps(self._maps.record(self.model, step))

    def on_train_end(self, logs=None):
        self._fetch()
        self._weights.release()
        self._sinks.flush()  # after Keras' progress bar finished its line
        self._sinks.close()
