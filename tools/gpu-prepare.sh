#!/usr/bin/env bash
# Prepares the GPU check on the machine that has Java (and, optionally, nvcc): everything
# tools/gpu-run.sh needs, so that the GPU machine needs only the CUDA driver (and, for its
# optional parts, nvcc, ncu and PyTorch).
#
#   tools/gpu-prepare.sh [DIR]       (default DIR: gpu-check; TARGET=h200 ARCH=sm_90 by default)
#
# DIR/check/KERNEL  tools/cuda-check.attn's small kernels with q/k/v.npy and the float64 reference
#                   (expected.npy): the harness checks O element by element.
# DIR/full/KERNEL   every example kernel whose masks are static, at its own shape, without inputs
#                   (the harness draws them: --random) and the simulator's prediction for TARGET
#                   (simulate.json, simulate.txt).
# build.sh in each directory compiles the harness for ARCH; gpu-run.sh runs it there (binaries are
# larger than the inputs, and a machine with the GPU has nvcc).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DIR=$(mkdir -p "${1:-gpu-check}" && cd "${1:-gpu-check}" && pwd)
TARGET=${TARGET:-h200}
ARCH=${ARCH:-sm_90}
ATTNKIT="$ROOT/attnkit"

kernels() { sed -n 's/^kernel \([A-Za-z0-9_]*\).*/\1/p' "$1"; }

# Emits one harness into $dir (extra emit flags after the kernel); false when the backend refuses it.
emit() {
  local file=$1 kernel=$2 dir=$3
  shift 3
  if ! "$ATTNKIT" emit "$file" --kernel "$kernel" --backend cuda --harness -o "$dir" "$@" > "$dir.emit.txt" 2>&1; then
    echo "$kernel: skipped: $(tail -1 "$dir.emit.txt")"
    return 1
  fi
  # build.sh names the target's arch; the harness runs on ARCH
  sed -i "s/-arch=sm_[0-9a-z]*/-arch=$ARCH/" "$dir/build.sh"
}

mkdir -p "$DIR/check" "$DIR/full"
for kernel in $(kernels "$ROOT/tools/cuda-check.attn"); do
  emit "$ROOT/tools/cuda-check.attn" "$kernel" "$DIR/check/$kernel" --write-inputs --seed 1 && echo "check/$kernel: ready"
done
for file in "$ROOT"/examples/*.attn; do
  for kernel in $(kernels "$file"); do
    dir="$DIR/full/$kernel"
    # checked against TARGET, as simulate is below: a kernel whose own target is a CPU is refused by cuda otherwise
    emit "$file" "$kernel" "$dir" --target "$TARGET" || continue
    echo "examples/$(basename "$file")" > "$dir/source.txt"  # for tools/gpu_report.py
    "$ATTNKIT" simulate "$file" --kernel "$kernel" --target "$TARGET" --occupancy-from-ptxas \
      --json "$dir/simulate.json" > "$dir/simulate.txt" 2>&1 || echo "$kernel: simulate failed (see $dir/simulate.txt)"
    echo "full/$kernel: ready"
  done
done
du -sh "$DIR"
