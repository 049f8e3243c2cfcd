"""The environment of a snippet run: cleared, except an allowlist, then set for the run.

Tokens and passwords in the mentor's environment (``GITHUB_TOKEN``,
``AWS_SECRET_ACCESS_KEY``, ...) never reach the snippet: only the names
below pass, plus what the run sets itself (HOME and TMPDIR inside the run's
folder, hash randomization, a non-interactive Matplotlib, no accelerator
memory preallocation).

Example:

>>> env = child_environment("/tmp/mlsc-run-x", package_root="/src/mlscompanion")
>>> env["HOME"], env["XLA_PYTHON_CLIENT_PREALLOCATE"]
('/tmp/mlsc-run-x/home', 'false')
"""

import os

__all__ = ["child_environment", "ALLOWED", "ALLOWED_PREFIXES"]

ALLOWED = frozenset({
    "PATH", "LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "LC_NUMERIC", "TZ", "TERM",
    "LD_LIBRARY_PATH", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS",
    "KERAS_BACKEND", "CUBLAS_WORKSPACE_CONFIG", "NVIDIA_VISIBLE_DEVICES",
    "NVIDIA_DRIVER_CAPABILITIES", "HIP_VISIBLE_DEVICES", "ROCR_VISIBLE_DEVICES",
    "PYTORCH_CUDA_ALLOC_CONF", "PYTORCH_ENABLE_MPS_FALLBACK",
})
# Keras/TensorFlow/JAX/XLA/CUDA switches: names with these prefixes pass.
ALLOWED_PREFIXES = ("TF_", "XLA_", "JAX_", "CUDA_", "CUDNN_", "NCCL_")
# ... unless the name looks like a credential (Terraform also uses TF_: TF_TOKEN_*, TF_VAR_*).
DENIED_WORDS = ("TOKEN", "SECRET", "PASSWORD", "PASSWD", "CREDENTIAL", "API_KEY", "TF_VAR_")

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


def _allowed(name):
    if any(word in name.upper() for word in DENIED_WORDS):
        return False
    return name in ALLOWED or name.startswith(ALLOWED_PREFIXES)


def child_environment(run_root, package_root, source=None):
    """The environment for a run whose folder is ``run_root``.

    ``source`` is the environment to filter (default ``os.environ``).
    ``PYTHONPATH`` is ``package_root`` followed by the mentor's entries, so
    the run imports this copy of mlscompanion.
    """
    source = os.environ if source is None else source
    env = {name: value for name, value in source.items() if _allowed(name)}
    env.setdefault("PATH", os.defpath)
    for name, value in DEFAULTS.items():
        env.setdefault(name, value)
    env.update(FORCED)
    env["HOME"] = os.path.join(run_root, "home")
    env["TMPDIR"] = os.path.join(run_root, "tmp")
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (package_root, source.get("PYTHONPATH")) if p)
    return env
