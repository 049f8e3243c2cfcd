"""Snippet check without subprocesses: static audit, run-time audit, comparison, reports."""

import json
import pathlib

import pytest

from mlscompanion.snippets import audit, compare, render
from mlscompanion.snippets.result import Finding, LineDiff, ModelDiff, ModelPrint, Run, SnippetResult

AUDIT = pathlib.Path(__file__).parent / "snippets" / "audit"


def codes(findings):
    return [finding.code for finding in findings]


# ------------------------------------------------------------------ static audit

@pytest.mark.parametrize("name, code", [
    ("tf_seed_only", "TF_SEED_ONLY"),
    ("numpy_seed_only", "NUMPY_SEED_ONLY"),
    ("not_seeded", "NOT_SEEDED"),
    ("unseeded_rng", "UNSEEDED_RNG"),
    ("shared_initializer", "SHARED_INITIALIZER"),
    ("unseeded_shuffle", "UNSEEDED_SHUFFLE"),
    ("set_iteration", "SET_ITERATION"),
])
def test_each_static_finding_is_triggered_by_its_own_snippet_only(name, code):
    findings = audit.static_audit((AUDIT / f"{name}.py").read_text())
    assert codes(findings) == [code]
    finding = findings[0]
    assert finding.line is not None and finding.explanation and finding.fix
    assert finding.origin == "static"


def test_clean_snippet_has_no_finding():
    assert audit.static_audit((AUDIT / "clean.py").read_text()) == []


def test_static_lines_point_at_the_cause():
    tf_only = audit.static_audit((AUDIT / "tf_seed_only.py").read_text())[0]
    assert tf_only.line == 3  # tf.random.set_seed(1234)
    assert "Keras 3" in tf_only.explanation
    assert "keras.utils.set_random_seed" in tf_only.fix
    shared = audit.static_audit((AUDIT / "shared_initializer.py").read_text())[0]
    assert shared.line == 4 and "lines 7, 8" in shared.detail


def test_explicit_weights_with_tf_seed_only_are_not_blamed():
    # The forum answer's style ("Individual neurons"): every weight set explicitly, so tf.random.set_seed is enough.
    source = (
        "import tensorflow as tf\n"
        "tf.random.set_seed(1234)\n"
        "layer = tf.keras.layers.Dense(2, kernel_initializer=tf.keras.initializers.Constant(0.2),"
        " bias_initializer='zeros')\n")
    assert audit.static_audit(source) == []


def test_seeded_initializers_and_aliases():
    seeded = ("from keras.layers import Dense\nfrom keras import initializers as ki\n"
              "Dense(3, kernel_initializer=ki.HeNormal(seed=3))\n")
    assert audit.static_audit(seeded) == []
    unseeded = "from keras.layers import Dense\nDense(3, kernel_initializer='he_normal')\n"
    assert codes(audit.static_audit(unseeded)) == ["NOT_SEEDED"]
    integer_set = "for i in {1, 2, 3}:\n    print(i)\n"  # int hashes are not randomized
    assert audit.static_audit(integer_set) == []
    no_shuffle = ("import keras\nmodel = keras.Sequential([keras.layers.Dense(1, "
                  "kernel_initializer='zeros')])\nmodel.fit([[1.0]], [1.0], shuffle=False)\n")
    assert audit.static_audit(no_shuffle) == []


def test_static_audit_rejects_non_strings_and_bad_syntax():
    with pytest.raises(TypeError, match="source"):
        audit.static_audit(b"print(1)")
    with pytest.raises(SyntaxError):
        audit.static_audit("if True\n  pass\n")


# ------------------------------------------------------------------ run-time audit

KERAS_FACTS = {"keras_imported": True, "keras_seed": None, "tf_seed": None,
               "deterministic": False, "device": "CPU", "fit_calls": [],
               "shared_initializers": [], "unseeded_initializers": [], "models_created": 1}


@pytest.mark.parametrize("changes, code", [
    ({"unseeded_initializers": ["dense.kernel_initializer"], "tf_seed": 1234}, "TF_SEED_ONLY"),
    ({"unseeded_initializers": ["dense.kernel_initializer"]}, "NOT_SEEDED"),
    ({"fit_calls": [{"shuffle": True, "line": 9}]}, "UNSEEDED_SHUFFLE"),
    ({"shared_initializers": [{"initializer": "GlorotUniform",
                               "used_by": ["a.kernel_initializer", "b.kernel_initializer"]}]},
     "SHARED_INITIALIZER"),
    ({"device": "GPU"}, "GPU_NONDETERMINISM"),
])
def test_each_runtime_finding(changes, code):
    assert codes(audit.runtime_audit({**KERAS_FACTS, **changes})) == [code]


def test_runtime_clean_facts_and_seeded_runs_give_nothing():
    assert audit.runtime_audit(KERAS_FACTS) == []
    seeded = {**KERAS_FACTS, "keras_seed": 1, "tf_seed": 1, "device": "GPU", "deterministic": True,
              "unseeded_initializers": ["dense.kernel_initializer"],
              "fit_calls": [{"shuffle": True, "line": 3}]}
    assert audit.runtime_audit(seeded) == []
    assert audit.runtime_audit({"keras_imported": False}) == []


def test_merge_lets_the_run_time_overrule_static_seeding_findings():
    static = audit.static_audit((AUDIT / "tf_seed_only.py").read_text())
    # Ran, used Keras, but no unseeded random initializer: the static worry did not happen.
    assert audit.merge(static, KERAS_FACTS) == []
    # With a seed injected the run time says nothing about the snippet as written: keep it.
    assert codes(audit.merge(static, KERAS_FACTS, seed_injected=True)) == ["TF_SEED_ONLY"]
    confirmed = audit.merge(static, {**KERAS_FACTS, "tf_seed": 1234,
                                     "unseeded_initializers": ["dense.kernel_initializer"]})
    assert codes(confirmed) == ["TF_SEED_ONLY"]
    assert confirmed[0].origin == "static + run time" and confirmed[0].line == 3
    assert "dense.kernel_initializer" in confirmed[0].detail


def test_merge_keeps_numpy_name_when_run_time_sees_no_keras_seed():
    static = audit.static_audit((AUDIT / "numpy_seed_only.py").read_text())
    merged = audit.merge(static, {**KERAS_FACTS, "unseeded_initializers": ["d.kernel_initializer"]})
    assert codes(merged) == ["NUMPY_SEED_ONLY"]


# ------------------------------------------------------------------ comparison

def test_normalize_masks_progress_bars_timings_and_addresses():
    run1 = ("Epoch 1/2\n\r\x1b[1m1/1\x1b[0m ━━ \x1b[1m0s\x1b[0m 2s/step - loss: 0.6422\b\b\b\r"
            "\x1b[1m1/1\x1b[0m ━━ \x1b[1m2s\x1b[0m 2s/step - loss: 0.6422\n<Model at 0x7f3a9c2b1d90>\n")
    run2 = ("Epoch 1/2\n\r1/1 ━━ 0s 173ms/step - loss: 0.6422\n<Model at 0x7ffe00112233>\n")
    assert compare.normalize(run1) == ["Epoch 1/2", "1/1 ━━ <time> <time> - loss: 0.6422",
                                       "<Model at <address>>"]
    assert compare.same_output([run1, run2])
    assert not compare.same_output([run1, run2.replace("0.6422", "0.6423")])


def test_numbers_rounded_and_tolerance():
    assert compare.numbers_rounded("w = 0.123456789, b = -0.00001, dense_1, v3.15.0", 4) == (
        "w = 0.1235, b = 0.0000, dense_1, v3.15.0")
    assert compare.same_output(["loss: 0.2500000001\n", "loss: 0.2500000002\n"], decimals=6)
    assert not compare.same_output(["loss: 0.2500000001\n", "loss: 0.2500000002\n"])


def test_line_diffs_and_differing_numbers():
    diffs, omitted = compare.line_diffs(["a 1\nw 0.25 0.5\nend\n", "a 1\nw 0.25 0.7\nend\nextra\n"])
    assert omitted == 0
    assert [(d.run, d.line, d.first, d.other) for d in diffs] == [
        (2, 2, "w 0.25 0.5", "w 0.25 0.7"), (2, 4, None, "extra")]
    spans_a, spans_b = compare.differing_spans("w 0.25 0.5", "w 0.25 0.7")
    assert ["w 0.25 0.5"[a:b] for a, b in spans_a] == ["0.5"]
    assert ["w 0.25 0.7"[a:b] for a, b in spans_b] == ["0.7"]
    many, omitted = compare.line_diffs(["\n".join(map(str, range(30))), "\n".join("x" * 30)], limit=5)
    assert len(many) == 5 and omitted == 25


def _model(fingerprint, rounded="r"):
    return ModelPrint(index=1, name="sequential", cls="Sequential", params=9,
                      fingerprint=fingerprint, rounded=rounded)


def test_model_diffs_by_creation_order_and_name():
    runs = [Run(1, 0, 1.0, "", "", models=[_model("aaaa")]),
            Run(2, 0, 1.0, "", "", models=[_model("bbbb")])]
    (diff,) = compare.model_diffs(runs, decimals=3)
    assert diff.fingerprints == ["aaaa", "bbbb"] and diff.rounded_equal is True
    runs[1].models = [_model("aaaa")]
    assert compare.model_diffs(runs) == []


# ------------------------------------------------------------------ reports

def _result(status="not reproducible"):
    finding = Finding("TF_SEED_ONLY", *audit.CAUSES["TF_SEED_ONLY"], line=5, origin="static + run time",
                      detail="1 initializer(s) without a seed")
    runs = [Run(1, 0, 4.2, "[[0.1 0.2]]\n", "", models=[_model("1111aaaa2222bbbb")]),
            Run(2, 0, 4.4, "[[0.3 0.2]]\n", "", models=[_model("3333cccc4444dddd")])]
    return SnippetResult(
        file="tf_seed_only.py", status=status, exit_code=1, message="Not reproducible: ...",
        runs=runs, findings=[finding],
        line_diffs=[LineDiff(run=2, line=1, first="[[0.1 0.2]]", other="[[0.3 0.2]]")],
        model_diffs=[ModelDiff(1, "sequential", ["1111aaaa2222bbbb", "3333cccc4444dddd"])],
        environment={"python": "3.11.7", "keras": "3.15.1"},
        environment_text="python : 3.11.7\nkeras  : 3.15.1")


def test_markdown_has_verdict_environment_fingerprints_diff_and_fix():
    text = render(_result(), "markdown")
    assert "**Snippet check of `tf_seed_only.py`: not reproducible**" in text
    assert "**Environment**" in text and "keras  : 3.15.1" in text
    assert "| 1 | `sequential` | `Sequential` | 9 | `1111aaaa2222bbbb` |" in text
    assert "3333cccc4444dddd" in text
    assert "```diff\n@@ line 1, run 2 @@\n-[[0.1 0.2]]\n+[[0.3 0.2]]\n```" in text
    assert "(line 5, static + run time)" in text and "*Fix:*" in text


def test_rounded_fingerprints_are_shown_with_decimals():
    result = _result()
    result.decimals = 4
    markdown = render(result, "markdown")
    assert "| # | model | class | params | run 1 | run 1, 4 decimals | other runs |" in markdown
    assert "| `1111aaaa2222bbbb` | `r` |" in markdown
    assert "run 1, 4 decimals" in render(result, "text", width=160)


def test_text_report_colours_only_when_asked():
    plain = render(_result(), "text", color=False)
    assert "\x1b[" not in plain
    assert "Verdict: NOT REPRODUCIBLE" in plain and "[TF_SEED_ONLY]" in plain
    assert "- [[0.1 0.2]]" in plain and "+ [[0.3 0.2]]" in plain
    assert "\x1b[" in render(_result(), "text", color=True)


def test_json_report_round_trips():
    data = json.loads(render(_result(), "json"))
    assert data["status"] == "not reproducible" and data["exit_code"] == 1
    assert data["findings"][0]["code"] == "TF_SEED_ONLY"
    assert data["runs"][1]["models"][0]["fingerprint"] == "3333cccc4444dddd"


def test_render_rejects_unknown_format():
    with pytest.raises(ValueError, match="format"):
        render(_result(), "html")
