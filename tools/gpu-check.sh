#!/usr/bin/env bash
# The GPU check on one machine that has Java 25, an NVIDIA GPU and nvcc (and, optionally, ncu and
# PyTorch): tools/gpu-prepare.sh, then tools/gpu-run.sh. Never run in CI.
#
#   tools/gpu-check.sh [DIR]        (default DIR: gpu-check; results in DIR/results)
#
# Where the GPU machine has no Java, run the two halves apart: gpu-prepare.sh where Java is, copy
# DIR over (about 40 MB), gpu-run.sh there, and bring DIR/results back (docs/gpu-measurement.md).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DIR=${1:-gpu-check}
"$ROOT/tools/gpu-prepare.sh" "$DIR"
"$ROOT/tools/gpu-run.sh" "$DIR" "$DIR/results"
