"""Pictures of the units: pair-distance heatmaps, the GIF, the correlation panel."""

import itertools

import keras
import numpy as np
import pytest
from matplotlib.figure import Figure

import mlscompanion as mlc
from mlscompanion.tracker.callback import NeuronDifferentiation
from mlscompanion.tracker.units_plot import animate_units, distance_matrix, plot_units
from tests.helpers import coffee


@pytest.fixture(scope="module")
def trained():
    """A coffee model trained 2 epochs with a probe, recorded every 3 batches."""
    mlc.set_seed(1234, deterministic=False)
    x, y = coffee(reps=1)
    model = mlc.models.coffee_model()
    model.compile(loss="binary_crossentropy", optimizer=keras.optimizers.Adam(0.05))
    tracker = NeuronDifferentiation(every=3, probe=x[:50])
    model.fit(x, y, epochs=2, verbose=0, callbacks=[tracker])
    return tracker


def synthetic(frames, units=3):
    rng = np.random.default_rng(0)
    n_pairs = units * (units - 1) // 2
    return [{"epoch": 0, "step": 10 * k, "layer": "layer1", "units": units,
             "sampled_units": units, "effective_width": units,
             "pair_distances": (rng.uniform(0, 1, n_pairs) * k).tolist()}
            for k in range(frames)]


def test_distance_matrix_matches_numpy_pairwise_distances():
    rng = np.random.default_rng(1)
    units = rng.normal(size=(5, 4))
    full = np.linalg.norm(units[:, None] - units[None], axis=-1)
    rows, cols = np.triu_indices(5, k=1)
    np.testing.assert_allclose(distance_matrix({"pair_distances": full[rows, cols]}), full)
    with pytest.raises(ValueError, match="n\\(n-1\\)/2 distances; got 2"):
        distance_matrix({"pair_distances": [1.0, 2.0]})


def test_plot_units_shows_start_middle_and_end(trained):
    fig = trained.plot_units()
    assert isinstance(fig, Figure)
    records = [r for r in trained.history if r["layer"] == "layer1"]
    chosen = [records[0], records[len(records) // 2], records[-1]]
    images = [ax.images[0] for ax in fig.axes if ax.images]
    assert len(images) == 3
    for image, record in zip(images, chosen):
        np.testing.assert_allclose(image.get_array(), distance_matrix(record))
        assert image.axes.get_title().startswith(f"step {record['step']} ")
    assert len({image.get_clim() for image in images}) == 1  # one colour scale


def test_plot_units_picks_the_records_nearest_to_the_steps(trained):
    fig = trained.plot_units(layer="layer1", steps=[0, 8])
    titles = [ax.get_title() for ax in fig.axes if ax.images]
    assert [t.split()[1] for t in titles] == ["0", "9"]  # records every 3 steps
    with pytest.raises(ValueError, match="Received: steps=\\['a'\\]"):
        trained.plot_units(steps=["a"])
    with pytest.raises(ValueError, match="one of the tracked layers"):
        trained.plot_units(layer="nope")


def test_plot_units_needs_the_pair_distances():
    x, y = coffee(reps=1)
    model = mlc.models.coffee_model()
    model.compile(loss="binary_crossentropy", optimizer="adam")
    tracker = NeuronDifferentiation(pair_limit=2)  # layer1 has 3 units: no pair list
    model.fit(x, y, epochs=1, verbose=0, callbacks=[tracker])
    with pytest.raises(ValueError, match="pair_limit=3"):
        tracker.plot_units()
    with pytest.raises(ValueError, match="history is empty"):
        NeuronDifferentiation().plot_units()


def test_animate_writes_a_small_gif(trained, tmp_path):
    from PIL import Image

    path = trained.animate(tmp_path / "units.gif")
    with Image.open(path) as gif:
        assert gif.format == "GIF"
        assert gif.n_frames == len(trained.history)
    # a long run is cut to max_frames evenly spread frames, and stays small
    big = animate_units(synthetic(120, units=8), tmp_path / "long.gif", max_frames=60)
    with Image.open(big) as gif:
        assert gif.n_frames == 60
    assert (tmp_path / "long.gif").stat().st_size < 2_000_000
    with pytest.raises(ValueError, match="Received: fps=0"):
        trained.animate(tmp_path / "x.gif", fps=0)


def gif_frames(path):
    from PIL import Image, ImageSequence

    with Image.open(path) as gif:
        return [np.asarray(frame.convert("RGB"), dtype=float) for frame in ImageSequence.Iterator(gif)]


def test_each_gif_frame_draws_its_own_record(tmp_path):
    # five records whose distances are orderings of the same three values: one
    # colour scale (vmax 1.0) and titles of one length, so frame k must be the
    # picture a GIF of record k alone draws
    orders = list(itertools.permutations([0.2, 0.5, 1.0]))[:5]
    records = [dict(synthetic(1)[0], step=10 * (k + 1), pair_distances=list(order))
               for k, order in enumerate(orders)]
    frames = gif_frames(animate_units(records, tmp_path / "all.gif"))
    assert len(frames) == 5
    alone = [gif_frames(animate_units([record], tmp_path / f"one{k}.gif"))[0]
             for k, record in enumerate(records)]
    for k, frame in enumerate(frames):
        gaps = [float(np.abs(frame - picture).mean()) for picture in alone]
        assert gaps[k] < 0.5, (k, gaps)  # measured 0.0
        assert min(g for i, g in enumerate(gaps) if i != k) > 3, (k, gaps)  # measured 6.7+


def test_plot_gains_the_correlation_panel_with_a_probe(trained):
    fig = trained.plot()
    titles = [ax.get_title() for ax in fig.axes]
    assert "layer1: activation correlation" in titles
    line = next(ax for ax in fig.axes if ax.get_title() == "layer1: activation correlation").lines[0]
    np.testing.assert_allclose(line.get_ydata(),
                               [r["mean_abs_correlation"] for r in trained.history])
    without = mlc.plotting.plot_differentiation(
        [dict(r, mean_abs_correlation=float("nan")) for r in trained.history])
    assert not any("correlation" in ax.get_title() for ax in without.axes)


def test_plot_redraws_in_place_what_a_new_figure_shows(trained):
    history = trained.history
    fig = mlc.plotting.plot_differentiation(history[:2])
    again = mlc.plotting.plot_differentiation(history, fig=fig)
    fresh = mlc.plotting.plot_differentiation(history)
    assert again is fig
    for ax, new in zip(again.axes, fresh.axes):
        assert ax.get_title() == new.get_title()
        assert len(ax.lines) == len(new.lines)
        for line, other in zip(ax.lines, new.lines):
            np.testing.assert_array_equal(line.get_ydata(), other.get_ydata())
    # other panels (a probe's correlation row appears): a new figure
    no_probe = [dict(r, mean_abs_correlation=float("nan")) for r in history]
    without = mlc.plotting.plot_differentiation(no_probe)
    redrawn = mlc.plotting.plot_differentiation(history, fig=without)
    assert redrawn is not without
    assert [ax.get_title() for ax in redrawn.axes] == [ax.get_title() for ax in fresh.axes]
    assert len(redrawn.axes) > len(without.axes)  # the correlation row
