"""The tracker's records, one per step and layer, across fits and resumed runs."""

import warnings

import pytest

from mlscompanion.tracker.record_log import RecordLog


def record(step, layer="layer1"):
    return {"step": step, "layer": layer}


def test_a_point_counts_as_taken_before_its_record_is_fetched():
    log = RecordLog()
    assert not log.taken(0, "layer1")
    log.take(0, "layer1")
    assert log.taken(0, "layer1") and not log.taken(0, "layer2") and not log.taken(1, "layer1")
    assert log.records == []
    log.extend([record(0)])
    assert log.records == [record(0)]


def test_records_to_start_from_or_loaded_count_as_taken():
    log = RecordLog([record(0), record(5, "layer2")])
    assert log.taken(0, "layer1") and log.taken(5, "layer2")
    log.load([record(9)])
    assert log.taken(9, "layer1") and log.records[-1] == record(9)


def test_drop_after_forgets_later_records_with_a_warning_naming_the_csv():
    log = RecordLog([record(0), record(5), record(10), record(10, "layer2")])
    with pytest.warns(UserWarning, match=r"resumed at step 5 .* units\.csv holds 2 records"):
        assert log.drop_after(5, "units.csv")
    assert log.records == [record(0), record(5)]
    assert not log.taken(10, "layer1") and log.taken(5, "layer1")
    assert not log.drop_after(5, "units.csv")  # nothing later: silent, unchanged
    assert log.records == [record(0), record(5)]


def test_a_restart_before_the_last_step_taken_warns():
    log = RecordLog()
    log.warn_if_restarted(0)  # nothing taken: silent
    log.take(21, "layer1")
    log.warn_if_restarted(21)  # the count goes on: silent
    with pytest.warns(UserWarning, match="starts at step 3 but the tracker already holds "
                                         "records up to step 21"):
        log.warn_if_restarted(3)


def _only_warning(caught):
    assert len(caught) == 1 and caught[0].category is UserWarning
    return str(caught[0].message)


def test_the_warnings_a_learner_reads_in_full():
    log = RecordLog([record(0), record(5), record(10)])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        log.drop_after(5, "units.csv")
    assert _only_warning(caught) == (
        "NeuronDifferentiation: training resumed at step 5 (e.g. from "
        "keras.callbacks.BackupAndRestore) but units.csv holds 1 records made after "
        "that step by the interrupted run. They are dropped and will be recorded again "
        "as training passes those steps.")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        log.warn_if_restarted(2)
    assert _only_warning(caught) == (
        "NeuronDifferentiation: this fit starts at step 2 but the tracker already "
        "holds records up to step 5 (the step count restarts when the model is compiled "
        "again). Steps it recorded before are not recorded again: pass a new "
        "NeuronDifferentiation to each new run.")


def test_nan_figures_warn_once_per_layer_naming_it():
    log = RecordLog()
    nan = {"step": 7, "layer": "hidden", "effective_width": float("nan")}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        log.warn_if_nan({"step": 6, "layer": "hidden", "effective_width": 2})  # healthy
        log.warn_if_nan(nan)
        log.warn_if_nan(dict(nan, step=8))  # the same layer again: silent
        log.warn_if_nan({"step": 6, "layer": "out", "effective_width": 1})  # healthy
    assert _only_warning(caught) == (
        "NeuronDifferentiation: layer 'hidden' has NaN or infinite weights at step 7; "
        "its figures are recorded as NaN. Lower the learning rate or check the inputs.")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        log.warn_if_nan(dict(nan, layer="out", step=9))  # another layer: its own warning
    assert "layer 'out'" in _only_warning(caught) and "step 9" in str(caught[0].message)
