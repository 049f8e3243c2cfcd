"""Unit maps: tiles equal each layer's output on the grid; marks; errors; the figure."""

import keras
import numpy as np
import pytest

import mlscompanion as mlc
from mlscompanion.tracker.maps_figure import plot_unit_maps
from mlscompanion.tracker.map_recorder import UnitMapRecorder
from mlscompanion.tracker.unit_maps import UnitMapper, unit_maps


def _data(n=64, width=3, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, width)).astype("float32") * [1.0, 2.0, 3.0][:width] + 5.0
    y = (x[:, 0] > 5.0).astype("float32")
    return x, y


def _grid_rows(maps, axes):
    """The grid rows built here, independently: row r*T + c is (xs[c], ys[r])."""
    xs, ys = axes
    i, j = maps.features
    rows = np.repeat(maps.point[None, :], len(xs) * len(ys), axis=0)
    rows[:, i] = np.tile(xs, len(ys))
    rows[:, j] = np.repeat(ys, len(xs))
    return rows


def _functional_model():
    inputs = keras.Input((3,))
    h = keras.layers.Dense(5, activation="relu", name="relu5")(inputs)
    h = keras.layers.EinsumDense("ab,bc->ac", output_shape=4, bias_axes="c", name="einsum")(h)
    h = keras.layers.Activation("tanh", name="tanh")(h)
    out = keras.layers.Dense(1, activation="sigmoid", name="out")(h)
    return keras.Model(inputs, out)


def test_every_tile_equals_the_layer_output_on_the_grid():
    x, y = _data()
    model = _functional_model()
    maps = unit_maps(model, x, y, features=(0, 2), grid=12, tile_grid=7)
    assert [m.name for m in maps.layers] == ["relu5", "einsum", "tanh", "out"]
    rows = _grid_rows(maps, maps.axes)
    for layer_map in maps.layers:
        sub = keras.Model(model.inputs, model.get_layer(layer_map.name).output)
        expected = sub.predict(rows, verbose=0).T.reshape(-1, 7, 7)
        assert layer_map.tiles.shape == expected.shape
        np.testing.assert_allclose(layer_map.tiles, expected, atol=1e-6, rtol=0)
    out = model.predict(_grid_rows(maps, maps.output_axes), verbose=0).T.reshape(-1, 12, 12)
    np.testing.assert_allclose(maps.output, out, atol=1e-6, rtol=0)


def test_plane_spans_the_data_with_a_margin_and_a_normalization_inside_is_honoured():
    x, y = mlc.datasets.load_coffee_data()
    norm = keras.layers.Normalization(axis=-1)
    norm.adapt(x)
    model = keras.Sequential([keras.Input((2,)), norm,
                              keras.layers.Dense(3, activation="sigmoid", name="layer1"),
                              keras.layers.Dense(1, activation="sigmoid", name="layer2")])
    maps = unit_maps(model, x, y, grid=10, tile_grid=None, margin=0.1)
    xs, ys = maps.axes
    span = x.max(0) - x.min(0)
    assert xs[0] == pytest.approx(x[:, 0].min() - 0.1 * span[0], rel=1e-6)
    assert ys[-1] == pytest.approx(x[:, 1].max() + 0.1 * span[1], rel=1e-6)
    assert [m.name for m in maps.layers] == ["layer1", "layer2"]  # not the Normalization
    # the same model without the layer, given the normalization as transform=
    plain = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3, activation="sigmoid"),
                              keras.layers.Dense(1, activation="sigmoid")])
    plain.set_weights(model.get_layer("layer1").get_weights()
                      + model.get_layer("layer2").get_weights())
    outside = unit_maps(plain, x, y, grid=10, tile_grid=None,
                        transform=lambda rows: keras.ops.convert_to_numpy(norm(rows)))
    np.testing.assert_allclose(outside.output, maps.output, atol=1e-6)
    np.testing.assert_allclose(outside.layers[0].tiles, maps.layers[0].tiles, atol=1e-6)


@pytest.mark.parametrize("units, group", [(4, [0, 1]), (5, [1, 3])])
def test_tied_units_have_bit_identical_tiles(units, group):
    x, y = _data()
    model = keras.Sequential([keras.Input((3,)),
                              keras.layers.Dense(units, activation="tanh", name="hidden"),
                              keras.layers.Dense(1, activation="sigmoid", name="out")])
    mlc.tie_neurons(model.get_layer("hidden"), [group], model=model)
    model.compile(optimizer=keras.optimizers.SGD(0.5), loss="binary_crossentropy")
    model.fit(x, y, epochs=2, batch_size=16, verbose=0)  # the tie is kept while training
    maps = unit_maps(model, x, y, features=(0, 1), grid=16, tile_grid=None)
    hidden = maps.layer("hidden")
    assert hidden.tied == [group]
    a, b = hidden.tiles[group[0]], hidden.tiles[group[1]]
    assert a.tobytes() == b.tobytes()
    others = [u for u in range(units) if u not in group]
    assert not np.array_equal(hidden.tiles[others[0]], a)
    assert maps.layer("out").tied == []


def test_tie_weights_marks_the_forum_units_tied():
    x, y = mlc.datasets.load_coffee_data()
    model = mlc.models.forum_221()
    mlc.tie_weights(model, ["w1", "w3"], ["w2", "w4"], ["b1", "b2"])
    maps = unit_maps(model, x, y, grid=8)
    assert maps.layer("layer1").tied == [[0, 1]]
    assert np.array_equal(maps.layer("layer1").tiles[0], maps.layer("layer1").tiles[1])


def _identity_model(width):
    model = keras.Sequential([keras.Input((width,)),
                              keras.layers.Dense(width, activation=None, name="same")])
    model.get_layer("same").set_weights([np.eye(width, dtype="float32"),
                                         np.zeros(width, "float32")])
    return model


def test_held_features_are_at_the_median_or_at_the_given_value():
    x, _ = _data(n=51, width=3)
    maps = unit_maps(_identity_model(3), x, features=(0, 1), tile_grid=9)
    tiles = maps.layer("same").tiles
    median = np.float32(np.median(x[:, 2]))
    assert maps.point[2] == median
    assert np.all(tiles[2] == median)
    assert np.all(tiles[0] == maps.axes[0][None, :])   # varies along the columns
    assert np.all(tiles[1] == maps.axes[1][:, None])   # and along the rows
    held = unit_maps(_identity_model(3), x, features=(2, 0), hold={1: 0.25}, tile_grid=9)
    assert np.all(held.layer("same").tiles[1] == np.float32(0.25))
    assert held.feature_names == ("x2", "x0")


def test_dead_and_saturated_units_are_marked():
    x, y = _data(width=2)
    model = keras.Sequential([keras.Input((2,)),
                              keras.layers.Dense(3, activation="relu", name="relu"),
                              keras.layers.Dense(4, activation="sigmoid", name="sig"),
                              keras.layers.Dense(2, activation="tanh", name="tanh")])
    kernel = np.array([[1.0, 0.0, -1.0], [0.5, 0.0, 1.0]], "float32")
    model.get_layer("relu").set_weights([kernel, np.array([-5.0, -1.0, -20.0], "float32")])
    # unit 1: weights 0, bias -1 (dead); unit 2: -x0 + x1 - 20 < 0 on the plane and data
    kernel = np.zeros((3, 4), "float32")
    kernel[0, 3] = 100.0  # a sharp step: near 0 and near 1, not saturated
    model.get_layer("sig").set_weights([kernel, np.array([20.0, -20.0, 0.0, -300.0], "float32")])
    model.get_layer("tanh").set_weights([np.zeros((4, 2), "float32"),
                                         np.array([-20.0, 0.5], "float32")])
    maps = unit_maps(model, x, y, grid=10)
    relu, sig, tanh = maps.layers
    assert relu.dead.tolist() == [False, True, True]
    assert sig.saturated.tolist() == [True, True, False, False]
    assert not sig.dead.any() and not relu.saturated.any()
    assert tanh.saturated.tolist() == [True, False]
    assert maps.fractions()["relu"]["dead"] == pytest.approx(2 / 3)
    assert maps.fractions()["sig"]["dead_or_saturated"] == pytest.approx(0.5)


def test_image_input_needs_features_and_then_works():
    rng = np.random.default_rng(1)
    x = rng.random((20, 4, 4, 1)).astype("float32")
    model = keras.Sequential([keras.Input((4, 4, 1)), keras.layers.Conv2D(2, 3),
                              keras.layers.Flatten(), keras.layers.Dense(3, name="dense")])
    with pytest.raises(ValueError, match="`features`.*image or a sequence"):
        UnitMapper(model, x)
    maps = unit_maps(model, x, features=(0, 5), grid=6)
    assert [m.name for m in maps.layers] == ["dense"]
    rows = _grid_rows(maps, maps.axes).reshape(-1, 4, 4, 1)
    sub = keras.Model(model.inputs, model.get_layer("dense").output)
    np.testing.assert_allclose(maps.layers[0].tiles,
                               sub.predict(rows, verbose=0).T.reshape(-1, 25, 25), atol=1e-6)


@pytest.mark.parametrize("kwargs, argument", [
    (dict(features=None), "`features`"),
    (dict(features=(0, 3)), "`features`"),
    (dict(features=(-1, 1)), "`features`"),
    (dict(features=(1, 1)), "`features`"),
    (dict(features=(0, 1), grid=1), "`grid`"),
    (dict(features=(0, 1), tile_grid=1), "`tile_grid`"),
    (dict(features=(0, 1), hold={0: 1.0}), "`hold`"),
    (dict(features=(0, 1), hold={2: "median"}), "`hold`"),
    (dict(features=(0, 1), feature_names=("t",)), "`feature_names`"),
    (dict(features=(0, 1), transform=3), "`transform`"),
    (dict(features=(0, 1), transform=lambda r: r[:, :2]), "`transform`"),
])
def test_bad_arguments_are_named(kwargs, argument):
    x, _ = _data()
    model = _functional_model()
    with pytest.raises(ValueError, match=argument):
        UnitMapper(model, x, **kwargs)


def test_x_of_the_wrong_width_and_a_model_without_units_are_named():
    x, _ = _data(width=3)
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2)])
    with pytest.raises(ValueError, match="`x`.*takes inputs of shape"):
        UnitMapper(model, x)
    flat = keras.Sequential([keras.Input((2, 2)), keras.layers.Flatten()])
    with pytest.raises(ValueError, match="`model`.*no layer with one output per unit"):
        UnitMapper(flat, np.zeros((4, 2, 2), "float32"), features=(0, 1))


def test_the_figure_has_one_tile_per_unit_and_caps_wide_layers():
    x, y = _data()
    maps = unit_maps(_functional_model(), x, y, features=(0, 1), grid=10, tile_grid=5)
    fig = plot_unit_maps(maps)
    tiles = [ax for ax in fig.axes if ax.images and ax.get_title() == ""]
    assert len(tiles) == 2 + 5 + 4 + 4 + 1
    capped = plot_unit_maps(maps, max_units=2)
    tiles = [ax for ax in capped.axes if ax.images and ax.get_title() == ""]
    assert len(tiles) == 2 + 2 + 2 + 2 + 1
    assert any("+3 more" in text.get_text() for text in capped.axes[0].texts)
    with pytest.raises(ValueError, match="`max_units`"):
        plot_unit_maps(maps, max_units=0)


def test_recorder_keeps_maps_per_step():
    x, y = _data(width=2)
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3, activation="tanh",
                                                                    name="h"),
                              keras.layers.Dense(1, activation="sigmoid")])
    recorder = UnitMapRecorder(x, y, grid=8, tile_grid=4)
    first = recorder.record(model, 0).layer("h").tiles.copy()
    model.get_layer("h").set_weights([w + 1.0 for w in model.get_layer("h").get_weights()])
    recorder.record(model, 10)
    tiles, (xs, ys) = recorder.unit_maps("h", step=2)
    assert np.array_equal(tiles, first) and xs.shape == (4,)
    assert not np.array_equal(recorder.unit_maps("h")[0], first)
    assert recorder.plot(step=10).axes


def test_labels_of_the_wrong_length_are_named():
    x, y = _data(width=2)
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2)])
    with pytest.raises(ValueError, match="`y` must hold one label per row"):
        UnitMapper(model, x, y[:-1])
