"""Lab 8 ("Individual neurons"): tf.random.set_seed alone does not fix Keras 3's initial
weights; mlscompanion.set_seed reproduces the whole run in a fresh process."""

import pytest
from matplotlib.figure import Figure

from mlscompanion.experiments import reproducibility as rep
from mlscompanion.plotting import plot_reproducibility


@pytest.mark.slow
def test_tf_seed_alone_differs_and_mlc_set_seed_reproduces():
    result = rep.compare_seedings(["tf", "mlc"], epochs=1, processes=2)
    tf_only, mlc = result.outcome("tf"), result.outcome("mlc")
    a, b = tf_only.runs
    assert a.initial != b.initial and not tf_only.matches["initial weights"]
    # With the TF backend fit shuffles with tf.random.shuffle: the TF seed fixes it.
    assert tf_only.matches["shuffle order"] and a.first_samples == b.first_samples
    assert not tf_only.matches["final weights"]
    a, b = mlc.runs
    assert a.final == b.final and a.initial == b.initial and a.shuffle == b.shuffle
    assert mlc.reproducible and a.audit_ok and not tf_only.runs[0].audit_ok
    assert "DIFFERENT" in rep.format_table(result).splitlines()[2]
    # Seeding this process gives the same start as the fresh processes.
    assert rep.initial_fingerprint(1234) == mlc.runs[0].initial


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
