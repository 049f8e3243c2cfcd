"""The environment of a snippet run: cleared, except an allowlist, then set for the run.

Tokens and passwords in the mentor's environment (``GITHUB_TOKEN``,
``AWS_SECRET_ACCESS_KEY``, ...) never reach the snippet: only the names
below pass, and of those none whose name looks like a credential
(``TF_TOKEN_*``, ``XLA_API_KEY``, ``TF_ENCRYPTION``, ...) or whose value is a
URL with credentials in it (``https://user:pass@host``); then the run sets
its own (HOME and TMPDIR inside the run's folder, hash randomization, a
non-interactive Matplotlib, no accelerator memory preallocation).

Example:

>>> env = child_environment("/tmp/mlsc-run-x", package_root="/src/mlscompanion")
>>> env["HOME"], env["XLA_PYTHON_CLIENT_PREALLOCATE"]
('/tmp/mlsc-run-x/home', 'false')
"""

import os
import re

__all__ = ["child_environment", "ALLOWED", "ALLOWED_PREFIXES", "DENIED_WORDS"]

ALLOWED = frozenset({
    "PATH", "LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "LC_NUMERIC", "TZ", "TERM",
    "LD_LIBRARY_PATH", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS",
    "KERAS_BACKEND", "CUBLAS_WORKSPACE_CONFIG", "NVIDIA_VISIBLE_DEVICES",
    "NVIDIA_DRIVER_CAPABILITIES", "HIP_VISIBLE_DEVICES", "ROCR_VISIBLE_DEVICES",
    "PYTORCH_CUDA_ALLOC_CONF", "PYTORCH_ENABLE_MPS_FALLBACK",
})
# Keras/TensorFlow/JAX/XLA/CUDA switches: names with these prefixes pass.
ALLOWED_PREFIXES = ("TF_", "XLA_", "JAX_", "CUDA_", "CUDNN_", "NCCL_")
# ... unless the name looks like a credential (Terraform also uses TF_: TF_TOKEN_*, TF_VAR_*,
# TF_ENCRYPTION, TF_HTTP_PASSWORD) ...
DENIED_WORDS = ("TOKEN", "SECRET", "PASSWORD", "PASSWD", "CREDENTIAL", "API_KEY", "KEY", "AUTH",
                "ENCRYPTION", "TF_VAR_")
# ... or the value is a URL that carries a user name or password (``scheme://user:pw@host``).
_URL_WITH_CREDENTIALS = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^/\s@]+@")

# Set for every run, whatever the mentor's shell says.
FORCED = {
    "PYTHONHASHSEED": "random",  # string-set order truly varies between runs
    "MPLBACKEND": "Agg",  # plt.show() cannot block
    "PYTHONIOENCODING": "utf-8",
    "PYTHONUNBUFFERED": "1",
    "PYTHONDONTWRITEBYTECODE": "1",
}
# Accelerator memory: several runs may share one GPU (issue: a JAX run that
# preallocates most of the GPU memory crashed the other one). Set unless the
# mentor chose otherwise.
DEFAULTS = {
    "TF_CPP_MIN_LOG_LEVEL": "3",
    "XLA_PYTHON_CLIENT_PREALLOCATE": "false",
    "TF_FORCE_GPU_ALLOW_GROWTH": "true",
}


def _allowed(name, value):
    if any(word in name.upper() for word in DENIED_WORDS):
        return False
    if _URL_WITH_CREDENTIALS.search(value):
        return False
    return name in ALLOWED or name.startswith(ALLOWED_PREFIXES)


def child_environment(run_root, package_root, source=None, left_out=()):
    """The environment for a run whose folder is ``run_root``.

    ``source`` is the environment to filter (default ``os.environ``).
    ``PYTHONPATH`` is ``package_root`` followed by the mentor's entries, so
    the run imports this copy of mlscompanion; entries in ``left_out`` (paths
    the sandbox does not mount) are dropped from it and from ``LD_LIBRARY_PATH``.
    """
    source = os.environ if source is None else source
    env = {name: value for name, value in source.items() if _allowed(name, value)}
    env.setdefault("PATH", os.defpath)
    for name, value in DEFAULTS.items():
        env.setdefault(name, value)
    env.update(FORCED)
    env["HOME"] = os.path.join(run_root, "home")
    env["TMPDIR"] = os.path.join(run_root, "tmp")
    mentors = [p for p in source.get("PYTHONPATH", "").split(os.pathsep) if p not in left_out]
    env["PYTHONPATH"] = os.pathsep.join(p for p in [package_root, *mentors] if p)
    if "LD_LIBRARY_PATH" in env:
        env["LD_LIBRARY_PATH"] = os.pathsep.join(
            p for p in env["LD_LIBRARY_PATH"].split(os.pathsep) if p not in left_out)
    return env
