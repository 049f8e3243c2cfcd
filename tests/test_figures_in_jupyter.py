"""The tracker's figures show as pictures in a plain Jupyter kernel (no
``%matplotlib inline``): an ``image/png`` output, not ``<Figure ...>``."""

import pickle

import pytest

from mlscompanion.style import figure_class, new_figure

CELLS = [
    """import keras, numpy as np
import mlscompanion as mlc
from mlscompanion.callbacks import NeuronDifferentiation
X, y = mlc.datasets.load_coffee_data()
norm = keras.layers.Normalization(axis=-1); norm.adapt(X)
model = keras.Sequential([keras.Input((2,)), norm,
                          keras.layers.Dense(3, activation="sigmoid", name="layer1"),
                          keras.layers.Dense(1, activation="sigmoid", name="layer2")])
model.compile(loss="binary_crossentropy", optimizer="adam")
tracker = NeuronDifferentiation(layers=["layer1"], maps={"grid": 20, "tile_grid": 10},
                                maps_data=(X, y))
model.fit(X, y, epochs=1, verbose=0, callbacks=[tracker]);""",
    "tracker.plot()",
    "tracker.plot_units()",
    "tracker.plot_maps()",
]


def test_figure_class_has_a_png_and_pickles():
    fig, axes = new_figure()
    axes[0, 0].plot([0, 1], [1, 0])
    assert isinstance(fig, figure_class())
    assert fig._repr_png_().startswith(b"\x89PNG")
    assert isinstance(pickle.loads(pickle.dumps(fig)), figure_class())


@pytest.mark.slow
def test_last_line_figures_show_as_png_in_a_plain_kernel(tmp_path):
    nbclient = pytest.importorskip("nbclient")
    nbformat = pytest.importorskip("nbformat")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(src) for src in CELLS])
    nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}}).execute()
    errors = [out for cell in nb.cells for out in cell.outputs if out.output_type == "error"]
    assert not errors, errors
    for cell in nb.cells[1:]:
        results = [out for out in cell.outputs if out.output_type == "execute_result"]
        assert len(results) == 1, cell.source
        data = results[0]["data"]
        assert "image/png" in data, (cell.source, list(data))
