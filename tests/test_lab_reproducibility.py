"""Lab 8 ("Individual neurons"): tf.random.set_seed alone does not fix Keras 3's initial
weights; mlscompanion.set_seed reproduces the whole run in a fresh process."""

import pytest

import mlscompanion
from matplotlib.figure import Figure

from mlscompanion.labs.reproducibility import experiment as rep
from mlscompanion.labs.reproducibility.figures import plot_reproducibility


@pytest.fixture(scope="module")
def full():
    """The notebook's full budget: every seeding, two fresh processes each, 2 epochs.

    The one fresh-process seeding test of the suite (quick mode runs only
    "tf" and "mlc"; the lab's claims are about all four).
    """
    return rep.compare_seedings(["none", "tf", "keras", "mlc"], seed=1234, epochs=2, processes=2)


@pytest.mark.slow
def test_tf_seed_alone_fixes_the_shuffle_but_not_the_weights(full):
    tf_only = full.outcome("tf")
    a, b = tf_only.runs
    assert a.initial != b.initial and a.w1_initial != b.w1_initial
    assert not tf_only.matches["initial weights"] and not tf_only.matches["final weights"]
    # With the TF backend fit shuffles with tf.random.shuffle: the TF seed fixes it.
    assert tf_only.matches["shuffle order"] and a.first_samples == b.first_samples
    assert not a.audit_ok and not b.audit_ok
    assert "DIFFERENT" in rep.format_table(full).splitlines()[3]


@pytest.mark.slow
@pytest.mark.parametrize("seeding", ["keras", "mlc"])
def test_a_full_seed_reproduces_everything(full, seeding):
    outcome = full.outcome(seeding)
    a, b = outcome.runs
    assert outcome.reproducible and all(outcome.matches.values())
    assert (a.initial, a.shuffle, a.final, a.loss) == (b.initial, b.shuffle, b.final, b.loss)
    assert a.audit_ok and b.audit_ok
    assert a.final != a.initial  # it trained


@pytest.mark.slow
def test_keras_and_mlc_seeding_give_the_same_run(full):
    keras_run, mlc_run = full.outcome("keras").runs[0], full.outcome("mlc").runs[0]
    assert (keras_run.initial, keras_run.shuffle) == (mlc_run.initial, mlc_run.shuffle)
    if mlscompanion.environment()["device"] == "CPU":  # the lab's claim is for a CPU
        assert keras_run.final == mlc_run.final


@pytest.mark.slow
def test_nothing_seeded_reproduces_nothing(full):
    outcome = full.outcome("none")
    assert not any(outcome.matches.values())
    assert not outcome.runs[0].audit_ok


@pytest.mark.slow
def test_this_process_seeded_starts_where_the_fresh_ones_did(full):
    assert rep.initial_fingerprint(1234) == full.outcome("mlc").runs[0].initial


@pytest.mark.tf_only
def test_the_seeded_start_is_the_labs_fingerprint():
    # docs/labs: keras.utils.set_random_seed and mlc.set_seed start at b80e6608...
    assert rep.initial_fingerprint(1234).startswith("b80e6608")


def _fake_run(seeding, tag):
    return rep.ProcessRun(seeding, f"i{tag}", "s", f"f{tag}", [0, 1], 0.1 * len(tag),
                          0.2, 0.5, seeding == "mlc", 1.0)


def test_table_and_plot_from_a_result():
    outcomes = [
        rep.SeedingOutcome("tf", "tf.random.set_seed(SEED)",
                           [_fake_run("tf", "a"), _fake_run("tf", "bb")],
                           {"initial weights": False, "shuffle order": True,
                            "final weights": False}),
        rep.SeedingOutcome("mlc", "mlc.set_seed(SEED)",
                           [_fake_run("mlc", "a"), _fake_run("mlc", "a")],
                           {p: True for p in rep.PARTS}),
    ]
    result = rep.ReproducibilityResult(outcomes, 1234, 1, 2, 3.0)
    lines = rep.format_table(result).splitlines()
    assert lines[0].split()[:3] == ["seeding", "initial", "weights"]
    assert "DIFFERENT" in lines[2] and "DIFFERENT" not in lines[3]
    assert isinstance(plot_reproducibility(result), Figure)
    assert not result.outcome("tf").reproducible and result.outcome("mlc").reproducible
    with pytest.raises(KeyError, match="keras"):
        result.outcome("keras")


def test_child_script_is_python_with_the_seeding_line():
    for seeding, line in rep.SEEDINGS.items():
        script = rep.child_script(seeding, seed=7, epochs=1)
        compile(script, "<child>", "exec")
        assert line in script and "SEED = 7" in script


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="seeding"):
        rep.child_script("numpy")
    with pytest.raises(ValueError, match="processes"):
        rep.compare_seedings(["mlc"], processes=1)
    with pytest.raises(ValueError, match="epochs"):
        rep.compare_seedings(["mlc"], epochs=0)
    with pytest.raises(ValueError, match="empty"):
        rep.compare_seedings([])
    with pytest.raises(TypeError, match="ReproducibilityResult"):
        rep.format_table({"tf": True})
    with pytest.raises(TypeError, match="ReproducibilityResult"):
        plot_reproducibility(None)
