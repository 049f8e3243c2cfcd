"""The tracker's unit maps: kept at each epoch end, equal to the maps of the model then."""

import keras
import numpy as np
import pytest

import mlscompanion as mlc
from mlscompanion.callbacks import NeuronDifferentiation
from mlscompanion.tracker.unit_maps import unit_maps
from tests.helpers import fit_coffee_in_raw_units


def test_maps_are_kept_at_the_start_and_each_epoch_end(tmp_path):
    tracker = NeuronDifferentiation(layers=["layer1"], maps={"grid": 20, "tile_grid": 10},
                                    maps_data=(mlc.datasets.load_coffee_data()))
    model, X, y = fit_coffee_in_raw_units(tracker)
    steps = [r["step"] for r in tracker.history]
    assert sorted(tracker._maps.maps) == sorted(set(steps)) == [0, 10, 20]
    tiles, (xs, ys) = tracker.unit_maps("layer1")
    now = unit_maps(model, X, y, grid=20, tile_grid=10)
    np.testing.assert_array_equal(tiles, now.layer("layer1").tiles)
    assert tiles.shape == (3, 10, 10) and xs.shape == ys.shape == (10,)
    first, _ = tracker.unit_maps("layer1", step=0)
    assert not np.array_equal(first, tiles)  # training moved the units
    fig = tracker.plot_maps(step=0)
    assert "step 0" in fig._suptitle.get_text()
    path = tracker.animate(tmp_path / "maps.gif", what="maps")
    from PIL import Image

    with Image.open(path) as gif:
        assert gif.n_frames == 3
    with pytest.raises(ValueError, match="`what`"):
        tracker.animate(tmp_path / "x.gif", what="tiles")


def test_maps_need_data_and_are_off_by_default():
    with pytest.raises(ValueError, match="`maps_data`"):
        NeuronDifferentiation(maps=True)
    with pytest.raises(ValueError, match="`maps`"):
        NeuronDifferentiation(maps="yes", maps_data=np.zeros((2, 2)))
    tracker = NeuronDifferentiation(layers=["layer1"])
    fit_coffee_in_raw_units(tracker, epochs=1)
    with pytest.raises(ValueError, match="maps=True"):
        tracker.plot_maps()
