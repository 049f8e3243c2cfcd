"""The tracker's records, one per step and layer, across fits and resumed runs."""

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
