"""Resource limits of a snippet run: memory, processes, file size, CPU time, output.

The limits are set with ``resource.setrlimit`` in the run's own process
just before the snippet starts (by ``_supervisor.py``), so they bind the
snippet and everything it starts, at both sandbox levels. Output is capped
by the reader in ``capture.py``.

Example:

>>> limits = Limits.for_run(timeout=60)
>>> limits.describe()
'address space 23.5 GiB, 1 GiB a file, 130 s of CPU a process, 10 MB of output a stream'
"""

import dataclasses
import math
import os

__all__ = ["Limits", "OUTPUT_CAP"]

GIB = 1024**3
OUTPUT_CAP = 10 * 1000 * 1000  # bytes kept of each stream; the rest is counted and dropped
_MIN_MEMORY = 8 * GIB  # TensorFlow alone maps about 3 GiB of address space
_FILE_SIZE = 1 * GIB
_EXTRA_PROCESSES = 256


def _physical_memory():
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None


def _user_processes():
    """How many processes this user runs now (RLIMIT_NPROC counts them all)."""
    uid, count = os.getuid(), 0
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                count += os.stat(f"/proc/{name}").st_uid == uid
            except OSError:
                pass
    return count


@dataclasses.dataclass
class Limits:
    """Limits for one run; ``None`` leaves that limit as it is.

    ``memory`` is address space (``RLIMIT_AS``) in bytes, ``processes`` the
    user's process count (``RLIMIT_NPROC``, ignored by the kernel for root),
    ``file_size`` the largest file the run may write, ``cpu_seconds`` the CPU
    time of each process, ``output`` the bytes kept of stdout and of stderr.
    """

    memory: int | None
    processes: int | None
    file_size: int | None
    cpu_seconds: int | None
    output: int = OUTPUT_CAP

    @classmethod
    def for_run(cls, timeout, gpu=False):
        """The defaults: all the RAM (at least 8 GiB) of address space, unless a
        GPU is visible (CUDA reserves terabytes of address space), 256 more
        processes than the user runs now, 1 GiB a file, ``timeout`` seconds of
        CPU per core."""
        memory = None
        if not gpu:
            memory = max(_physical_memory() or _MIN_MEMORY, _MIN_MEMORY)
        cores = os.cpu_count() or 1
        return cls(memory=memory, processes=_user_processes() + _EXTRA_PROCESSES,
                   file_size=_FILE_SIZE, cpu_seconds=math.ceil(timeout) * cores + 10)

    def rlimits(self):
        """The dict ``_supervisor.py`` applies (a core dump size of 0 added)."""
        return {"memory": self.memory, "processes": self.processes,
                "file_size": self.file_size, "cpu_seconds": self.cpu_seconds, "core": 0}

    def describe(self):
        parts = []
        if self.memory is not None:
            parts.append(f"address space {self.memory / GIB:.1f} GiB")
        else:
            parts.append("no memory limit (a GPU is visible)")
        if self.file_size is not None:
            parts.append(f"{self.file_size / GIB:g} GiB a file")
        if self.cpu_seconds is not None:
            parts.append(f"{self.cpu_seconds} s of CPU a process")
        parts.append(f"{self.output / 1e6:g} MB of output a stream")
        return ", ".join(parts)
