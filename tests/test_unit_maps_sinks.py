"""Unit maps in the sinks: a TensorBoard image per maps update, and the
maps as the live view's main panel."""

import io

import keras
import numpy as np
import pytest

import mlscompanion as mlc
from mlscompanion.callbacks import NeuronDifferentiation
from mlscompanion.tracker.sinks.live import LiveSink
from tests.helpers import fit_coffee_in_raw_units

MAPS = {"grid": 20, "tile_grid": 10}


def test_each_maps_update_is_a_tensorboard_image(tmp_path):
    pytest.importorskip("tensorboard")
    from PIL import Image
    from tensorboard.backend.event_processing import event_accumulator

    tracker = NeuronDifferentiation(layers=["layer1"], maps=MAPS, log_dir=tmp_path,
                                    maps_data=mlc.datasets.load_coffee_data())
    fit_coffee_in_raw_units(tracker)
    acc = event_accumulator.EventAccumulator(
        str(tmp_path / "units"), size_guidance={event_accumulator.IMAGES: 0})
    acc.Reload()
    assert "unit_maps" in acc.Tags()["images"]
    images = acc.Images("unit_maps")
    assert [image.step for image in images] == sorted(tracker._maps.maps) == [0, 10, 20]
    for image in images:
        with Image.open(io.BytesIO(image.encoded_image_string)) as png:
            assert png.size == (image.width, image.height) and png.size[0] > 100
    # the scalars are still there beside the images
    assert "layer1/effective_width" in acc.Tags()["tensors"]


class _Display:
    """Stands in for IPython.display.display: keeps every picture shown."""

    def __init__(self):
        self.pictures = []

    def __call__(self, picture, display_id=None, metadata=None):
        self.pictures.append(picture)
        outer = self

        class Handle:
            def update(self, picture, metadata=None):
                outer.pictures.append(picture)

        return Handle()


def test_live_figure_shows_the_maps_as_its_main_panel():
    display = _Display()
    sink = LiveSink(interval=0.0, budget=1.0, notebook=True, display=display)
    seen = []
    original = sink._draw

    def draw():
        original()
        seen.append(sink._figure)

    sink._draw = draw
    tracker = NeuronDifferentiation(layers=["layer1"], maps=MAPS, live=sink,
                                    maps_data=mlc.datasets.load_coffee_data())
    fit_coffee_in_raw_units(tracker)
    maps_figures = [fig for fig in seen
                    if fig._suptitle is not None and "units at step" in fig._suptitle.get_text()
                    and len(fig.axes) > 3]
    assert maps_figures, "no live draw showed the unit maps"
    last = seen[-1]
    # one image per layer1 unit, one for the output map (plus the input tiles)
    images = [image for ax in last.axes for image in ax.get_images()]
    assert len(images) >= 3 + 1
    assert sink.maps is tracker._maps.get()
    assert f"step {sink.maps.step}" in last._suptitle.get_text()
    assert display.pictures and display.pictures[-1].format == "png"


def test_live_without_maps_draws_the_differentiation_plot():
    display = _Display()
    sink = LiveSink(interval=0.0, budget=1.0, notebook=True, display=display)
    tracker = NeuronDifferentiation(layers=["layer1"], live=sink)
    fit_coffee_in_raw_units(tracker, epochs=1)
    assert sink.maps is None and display.pictures
