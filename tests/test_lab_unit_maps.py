"""The labs' unit maps: lab 2's tied and untied maps side by side, lab 7's
maps over training."""

import numpy as np

from mlscompanion.labs import differentiation, identical_neurons


def test_lab2_tied_maps_are_one_picture_twice_untied_differ():
    result = identical_neurons.run_tied_vs_untied(epochs=1, reps=1)
    tied, _ = result.tied.tracker.unit_maps("layer1")
    untied, _ = result.untied.tracker.unit_maps("layer1")
    np.testing.assert_array_equal(tied[0], tied[1])
    assert not np.array_equal(untied[0], untied[1])
    fig = identical_neurons.plot_tied_untied_maps(result)
    assert [len(ax.get_images()) for ax in fig.axes] == [1, 1]


def test_lab7_keeps_maps_at_the_start_and_each_epoch_end(tmp_path):
    run = differentiation.train_from_symmetric(1e-4, epochs=2, reps=1, every=5, maps=True)
    assert sorted(run.tracker._maps.maps)[0] == 0 and len(run.tracker._maps.maps) == 3
    path = run.tracker.animate(tmp_path / "maps.gif", what="maps")
    from PIL import Image

    with Image.open(path) as gif:
        assert gif.n_frames == 3
    assert differentiation.train_from_symmetric(1e-4, epochs=1, reps=1).tracker._maps is None
