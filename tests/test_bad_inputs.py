"""Every row of docs/bad-inputs.md is a test: the example raises the error it lists.

The table is parsed here, so it cannot drift from the code; and every public
name of the core modules must have a row or be listed as having no check.
"""

import re
from pathlib import Path

import keras
import numpy as np
import pytest

import mlscompanion as mlc
from mlscompanion.tracker.callback import NeuronDifferentiation, describe_units
from mlscompanion.constraints import TieEntries, TieInputs, TieUnits
from mlscompanion.datasets import grid_points, make_circles, make_disc, normalize_coffee, tile_like_lab
from mlscompanion.initializers import FromArray, IdenticalUnits, TiedUnits
from mlscompanion.fingerprints import fingerprint
from mlscompanion.seeding import set_seed
from mlscompanion.similarity import (activation_correlation, cosine_similarity, effective_width,
                                     pair_summary, pairwise_distances, unit_vectors, upper_triangle)
from mlscompanion.tying import tie_neurons, tie_weights, weight_names

TABLE = Path(__file__).resolve().parents[1] / "docs" / "bad-inputs.md"
CORE_MODULES = ("initializers", "constraints", "tying", "callbacks", "similarity",
                "seeding", "datasets", "models")


def table_rows():
    rows = []
    for line in TABLE.read_text().splitlines():
        if not line.startswith("| `"):
            continue
        api, example, error, fragment = [cell.strip() for cell in line.strip().strip("|").split(" | ")]
        rows.append((api.strip("`"), example.strip("`"), error, fragment))
    return rows


def no_check_names():
    text = TABLE.read_text()
    paragraph = text[text.index("Public names with no check of their own"):]
    paragraph = paragraph[:paragraph.index("\n\n")]
    return set(re.findall(r"`(\w+)`", paragraph))


ROWS = table_rows()


@pytest.fixture(scope="module")
def namespace(tmp_path_factory):
    """What the examples may use; every example raises before changing anything."""
    model = mlc.models.coffee_model()
    model.compile(loss="binary_crossentropy", optimizer="adam")
    X, y = mlc.datasets.load_coffee_data()
    other = mlc.models.coffee_model()
    nonneg = keras.layers.Dense(2, kernel_constraint=keras.constraints.NonNeg())
    nonneg.build((None, 2))
    wrong_csv = tmp_path_factory.mktemp("bad_inputs") / "other.csv"
    wrong_csv.write_text("a,b\n1,2\n")
    inp = keras.Input((3,))
    hidden = keras.layers.Dense(3, name="hidden")(inp)
    forked = keras.Model(inp, [keras.layers.Dense(2, name="left")(hidden),
                               keras.layers.Dense(2, name="right")(hidden)])
    taker = keras.layers.Dense(2, name="taker")(hidden)
    merged = keras.Model(inp, keras.layers.Concatenate(name="join")([taker, inp]))
    right = keras.Input((3,))
    shared_layer = keras.layers.Dense(2, name="shared")
    shared = keras.Model([inp, right], [shared_layer(hidden), shared_layer(right)])
    names = dict(globals())
    names.update(forked=forked, merged=merged, shared=shared)
    names.update(
        model=model, kernel=np.zeros((2, 3), "float32"),
        fit=lambda tracker: model.fit(X, y, epochs=1, verbose=0, callbacks=[tracker]),
        other_layer=other.get_layer("layer1"), nonneg_layer=nonneg, wrong_csv=wrong_csv,
    )
    return names


def test_the_table_has_rows():
    assert len(ROWS) >= 60
    assert len({row[1] for row in ROWS}) == len(ROWS), "an example is listed twice"


@pytest.mark.parametrize("api, example, error, fragment", ROWS, ids=[row[1] for row in ROWS])
def test_bad_input_raises_the_documented_error(namespace, api, example, error, fragment):
    expected = {"ValueError": ValueError, "TypeError": TypeError, "KeyError": KeyError}[error]
    with pytest.raises(expected) as caught:
        eval(example, namespace)  # noqa: S307 - the examples are our own docs
    assert type(caught.value) is expected
    message = caught.value.args[0] if error == "KeyError" else str(caught.value)
    assert fragment in message


def test_every_public_name_has_a_row_or_is_listed_as_unchecked():
    documented = {row[0].split(".")[0] for row in ROWS} | no_check_names()
    for module in CORE_MODULES:
        for name in getattr(mlc, module).__all__:
            assert name in documented, f"{module}.{name} is missing from docs/bad-inputs.md"
