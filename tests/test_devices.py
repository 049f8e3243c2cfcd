"""Where a weight lives: the device name the tie constraints key their
index tensors by, and the accelerator test the record window's chunks use.
Runs on every backend (.ci/jax-tests, .ci/torch-tests)."""

import keras
import numpy as np

from mlscompanion.devices import device_name, on_accelerator


class On:
    def __init__(self, device):
        self.device = device


def test_on_accelerator_reads_the_device_name():
    assert on_accelerator(On("cuda:0")) and on_accelerator(On("mps"))
    assert on_accelerator(On("/job:localhost/replica:0/task:0/device:GPU:0"))
    assert on_accelerator(On("TPU_0(process=0,(0,0,0,0))"))
    assert not on_accelerator(On("/job:localhost/replica:0/task:0/device:CPU:0"))
    assert not on_accelerator(On("cpu")) and not on_accelerator(On(""))
    assert not on_accelerator(object())  # names no device
    assert not on_accelerator(keras.Variable(np.zeros(3, "float32")).value)  # CI has no GPU


def test_device_name_is_the_backends_own_name_or_none():
    assert device_name(On("cuda:1")) == "cuda:1"
    assert device_name(object()) is None

    class Spread:  # a JAX array over several devices raises on .device
        @property
        def device(self):
            raise ValueError("spread over 2 devices")

    assert device_name(Spread()) is None
    value = keras.Variable(np.zeros(3, "float32")).value
    assert device_name(value) == str(value.device) and "cpu" in device_name(value).lower()
