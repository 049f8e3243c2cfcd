#!/usr/bin/env bash
# The GPU checks in one run (the tracker's and the ties' GPU targets, and GPU determinism), for benchmarks/README.md's GPU section:
#
#     tools/gpu_check.sh [OUT_DIR]   # default gpu-check; relative to the repository root
#
# For each of JAX and PyTorch (BACKENDS, default "jax torch") that Keras can
# run here:
#   1. benchmarks/bench_mlp.py: the tracker and the ties against a plain fit
#      (ROWS rows, default 60000; REPEATS interleaved repeats, default 5);
#   2. `mlscompanion snippet check` of tools/gpu_snippet.py (a seeded
#      Embedding model), RUNS fresh processes each (default 3), with
#      `--seed 1234` (determinism on) and without (the control). Each report
#      names the device and whether GPU determinism was on.
# Needs Keras 3 (and what it requires), JAX and/or PyTorch with CUDA, and
# matplotlib; TensorFlow is not needed, nor installing mlscompanion.
# Each step writes OUT_DIR/<step>-<backend>.txt, and OUT_DIR/summary.txt
# lists every step's exit status. A failed step does not stop the others.
set -u
cd "$(dirname "$0")/.."
out="${1:-gpu-check}"
mkdir -p "$out"
summary="$out/summary.txt"
: >"$summary"
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
{ nvidia-smi || echo "nvidia-smi: no NVIDIA GPU visible"; } >"$out/device.txt" 2>&1

step() {  # step NAME BACKEND SECONDS COMMAND...
  local name=$1 backend=$2 seconds=$3
  shift 3
  KERAS_BACKEND=$backend timeout "$seconds" "$@" >"$out/$name-$backend.txt" 2>&1
  echo "$name $backend: exit $?" | tee -a "$summary"
}

for backend in ${BACKENDS:-jax torch}; do
  if ! KERAS_BACKEND=$backend python -c "import keras" >/dev/null 2>&1; then
    echo "$backend: Keras cannot run it here, skipped" | tee -a "$summary"
    continue
  fi
  step bench_mlp "$backend" 420 python benchmarks/bench_mlp.py \
    --rows "${ROWS:-60000}" --repeats "${REPEATS:-5}"
  step snippet_seeded "$backend" 300 python -m mlscompanion snippet check \
    tools/gpu_snippet.py --seed 1234 --runs "${RUNS:-3}"
  step snippet_control "$backend" 300 python -m mlscompanion snippet check \
    tools/gpu_snippet.py --runs "${RUNS:-3}"
done
