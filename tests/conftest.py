"""Shared test setup: quiet TensorFlow, headless matplotlib, a fresh seed per test."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("MPLBACKEND", "Agg")

import pytest  # noqa: E402

from mlscompanion import _keras  # noqa: E402

if not _keras.KERAS_3:
    # The Keras 2 job (.ci/keras2-tests) runs tests written against keras.ops: give
    # Keras 2 the package's own stand-in, the one the pieces use there.
    import keras as _keras_module

    _keras_module.ops = _keras.ops


def pytest_collection_modifyitems(config, items):
    import keras

    if keras.backend.backend() != "tensorflow":
        skip = pytest.mark.skip(reason="TensorFlow-only test (KERAS_BACKEND is not tensorflow)")
        for item in items:
            if "tf_only" in item.keywords:
                item.add_marker(skip)
    if not _keras.KERAS_3:
        skip = pytest.mark.skip(reason=f"Keras 3 only (this is Keras {_keras.KERAS_VERSION})")
        for item in items:
            if "keras3_only" in item.keywords:
                item.add_marker(skip)


@pytest.fixture(autouse=True)
def _seeded():
    """Every test starts from the same seeds and without op determinism side effects."""
    import mlscompanion

    mlscompanion.set_seed(1234, deterministic=False)
    yield
