#!/usr/bin/env bash
# The CUDA backend's figures on a real GPU. Run by a person on a machine with an NVIDIA GPU,
# nvcc (CUDA 12+), Java 25 and Maven; optionally Nsight Compute (ncu) and PyTorch. Never run in CI.
#
#   tools/gpu-check.sh [OUT]        (default OUT: gpu-check)
#
# For every kernel of every example whose masks are static: emit the harness with random inputs
# (seed 1), build it with the nvcc command it prints, run it (check against the float64
# reference where expected.npy was written, tile counters against the BlockMap, 20 timed
# launches), simulate the kernel (--json) and, when ncu is present, read the DRAM bytes of one
# launch to set beside the simulator's. Then PyTorch SDPA on the dense and causal shapes.
# Kernels with data-dependent masks (MoBA, XAttention, NSA) are refused by the CUDA backend and skipped.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$(mkdir -p "${1:-gpu-check}" && cd "${1:-gpu-check}" && pwd)
ATTNKIT="$ROOT/attnkit"
# The float64 reference is too slow at 16K-128K tokens: those harnesses check the tile counters only.
LONG="duo_llama3_8b llama8b_fa_ssa_routed llama8b_fa_ssa_static streaming_llama2_7b ttt_e2e_swa"
METRICS=dram__bytes_read.sum,dram__bytes_write.sum,lts__t_bytes.sum,sm__cycles_elapsed.avg

nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv | tee "$OUT/gpu.txt"
for file in "$ROOT"/examples/*.attn; do
  for kernel in $(sed -n 's/^kernel \([A-Za-z0-9_]*\).*/\1/p' "$file"); do
    dir="$OUT/$kernel"
    expected=()
    case " $LONG " in *" $kernel "*) expected=(--no-expected) ;; esac
    if ! "$ATTNKIT" emit "$file" --kernel "$kernel" --backend cuda --harness --write-inputs --seed 1 \
         "${expected[@]}" -o "$dir" > "$OUT/$kernel.emit.txt" 2>&1; then
      echo "$kernel: skipped: $(tail -1 "$OUT/$kernel.emit.txt")"
      continue
    fi
    (cd "$dir" && sh build.sh) || { echo "$kernel: build failed"; continue; }
    (cd "$dir" && ./harness . 20) > "$dir/harness.txt" 2>&1
    echo "$kernel: exit $? $(tr '\n' ' ' < "$dir/harness.txt")"
    "$ATTNKIT" simulate "$file" --kernel "$kernel" --occupancy-from-ptxas --json "$dir/simulate.json" > "$dir/simulate.txt" 2>&1
    if command -v ncu > /dev/null; then
      # launch 0 is the checked one, 1-3 warm-up: profile launch 4, the first timed one
      (cd "$dir" && ncu --metrics "$METRICS" --launch-skip 4 --launch-count 1 ./harness . 1) > "$dir/ncu.txt" 2>&1
      grep -E "dram__bytes|lts__t_bytes|sm__cycles" "$dir/ncu.txt" | sed "s/^/$kernel ncu: /"
      grep -E "dram__bytes|lts__t_bytes|sm__cycles" "$dir/simulate.json" | sed "s/^/$kernel simulated: /"
    fi
  done
done

if python3 -c "import torch; assert torch.cuda.is_available()" 2> /dev/null; then
  py="python3 $ROOT/tools/sdpa_bench.py"
  $py --batch 64 --heads 16 --q-len 1024 --head-dim 64 --dtype f16 --causal | tee -a "$OUT/sdpa.txt"     # gpt2_medium
  $py --batch 16 --heads 8 --q-len 4096 --head-dim 64 --dtype f16 | tee -a "$OUT/sdpa.txt"               # table18_n4096
  $py --batch 1 --heads 32 --kv-heads 8 --q-len 8000 --head-dim 128 --dtype bf16 --causal | tee -a "$OUT/sdpa.txt"  # llama8b_prefill
  $py --batch 16 --heads 32 --kv-heads 8 --q-len 1 --kv-len 32768 --head-dim 128 --dtype bf16 | tee -a "$OUT/sdpa.txt"  # llama8b_decode
  $py --batch 1 --heads 32 --q-len 16384 --head-dim 128 --dtype f16 --causal --sink 4 --window 2000 | tee -a "$OUT/sdpa.txt"  # streaming
  $py --npy "$OUT/gpt2_medium" --heads 16 --causal | tee -a "$OUT/sdpa.txt"  # SDPA on the harness inputs vs expected.npy
else
  echo "PyTorch with CUDA not found: SDPA comparison skipped"
fi
