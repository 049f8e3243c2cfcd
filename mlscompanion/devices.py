"""Where a weight or tensor lives: its device's name, and whether that is an accelerator.

Example:

>>> device_name(layer.kernel.value)     # "/job:localhost/.../device:CPU:0", "cuda:0", ...
>>> on_accelerator(layer.kernel.value)  # False on a CPU
"""

__all__ = ["device_name", "on_accelerator", "ACCELERATORS"]

#: Words in a device's name that mean an accelerator.
ACCELERATORS = ("gpu", "cuda", "tpu", "mps")


def device_name(value):
    """The name of the device ``value`` lives on, as its backend writes it;
    None when it names none (an object without a device, a JAX array
    spread over several devices)."""
    try:
        return str(value.device)
    except (AttributeError, ValueError):
        return None


def on_accelerator(value):
    """True when ``value`` (a weight or tensor) lives on a GPU or another
    accelerator; False on a CPU, or when it names no device."""
    name = device_name(value)
    return name is not None and any(word in name.lower() for word in ACCELERATORS)
