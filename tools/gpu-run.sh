#!/usr/bin/env bash
# Runs the GPU check that tools/gpu-prepare.sh prepared, on a machine with an NVIDIA GPU and nvcc;
# Nsight Compute (ncu) and PyTorch are optional. Java is not needed here. Never run in CI.
#
#   tools/gpu-run.sh [DIR] [OUT]     (defaults: gpu-check, DIR/results)
#
# 1. builds every harness (in parallel);
# 2. DIR/check: runs each small kernel on its inputs: O against the float64 reference, tiles
#    against the BlockMap;
# 3. DIR/full: times each example kernel at its own shape on random inputs (20 launches) and, with
#    ncu, reads the DRAM and L2 bytes of one launch, to set beside DIR/full/*/simulate.json;
# 4. with PyTorch: the copy and matrix ceilings, SDPA (FlashAttention-2) and standard attention on
#    FlashAttention's benchmark grid (torch.jsonl), and with ncu each kernel of a few of those
#    configurations (ncu-torch-*.csv).
# Writes OUT/summary.txt (one line per harness), the logs, clocks.csv (SM clock during the run).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DIR=$(cd "${1:-gpu-check}" && pwd)
OUT=$(mkdir -p "${2:-$DIR/results}" && cd "${2:-$DIR/results}" && pwd)
METRICS=dram__bytes_read.sum,dram__bytes_write.sum,lts__t_bytes.sum,gpu__time_duration.sum,sm__cycles_elapsed.avg
# The simulator's per-unit counters (the same names in its JSON), read in a run of their own so
# that a name this ncu does not know loses only that file.
UNITS=smsp__sass_data_bytes_mem_shared.sum,sm__pipe_tensor_op_hmma_cycles_active.avg.pct_of_peak_sustained_elapsed,\
sm__pipe_fma_cycles_active.avg.pct_of_peak_sustained_elapsed,sm__pipe_xu_cycles_active.avg.pct_of_peak_sustained_elapsed,\
sm__warps_active.avg.pct_of_peak_sustained_active,sm__cycles_active.avg
NCU=$(command -v ncu || true)

nvidia-smi --query-gpu=name,driver_version,clocks.max.sm,clocks.max.mem --format=csv | tee "$OUT/gpu.txt"
nvidia-smi --query-gpu=timestamp,clocks.sm,clocks.mem,power.draw,temperature.gpu,utilization.gpu --format=csv \
  -lms 500 > "$OUT/clocks.csv" 2>&1 &
CLOCKS=$!
trap 'kill $CLOCKS 2> /dev/null' EXIT

echo "== build"
ls -d "$DIR"/check/*/ "$DIR"/full/*/ | xargs -P "$(nproc)" -I{} sh -c 'cd {} && sh build.sh > build.txt 2>&1 || echo "{}: build failed: $(tail -3 build.txt)"'

echo "== check (small kernels against the float64 reference)"
for dir in "$DIR"/check/*/; do
  kernel=$(basename "$dir")
  (cd "$dir" && timeout 120 ./harness . 5) > "$OUT/$kernel.txt" 2>&1
  echo "$kernel: exit $? $(tr '\n' ' ' < "$OUT/$kernel.txt")" | tee -a "$OUT/summary.txt"
done

echo "== full (example kernels at their shapes, random inputs)"
for dir in "$DIR"/full/*/; do
  kernel=$(basename "$dir")
  (cd "$dir" && timeout 300 ./harness --random 20) > "$OUT/$kernel.txt" 2>&1
  echo "$kernel: exit $? $(tr '\n' ' ' < "$OUT/$kernel.txt")" | tee -a "$OUT/summary.txt"
  if [ -n "$NCU" ] && [ -x "$dir/harness" ]; then
    # launch 0 is the checked one, 1-3 warm-up: profile launch 4, the first timed one
    (cd "$dir" && timeout 300 "$NCU" --clock-control none --metrics "$METRICS" --csv --print-units base \
      --launch-skip 4 --launch-count 1 ./harness --random 1) > "$OUT/$kernel.ncu.csv" 2>&1
  fi
done

if python3 -c "import torch; assert torch.cuda.is_available()" 2> /dev/null; then
  echo "== PyTorch SDPA on the examples' shapes"
  sdpa="timeout 120 python3 $ROOT/tools/sdpa_bench.py"
  {
    $sdpa --batch 64 --heads 16 --q-len 1024 --head-dim 64 --dtype f16 --causal                        # gpt2_medium
    $sdpa --batch 16 --heads 8 --q-len 4096 --head-dim 64 --dtype f16                                  # table18_n4096
    $sdpa --batch 1 --heads 32 --kv-heads 8 --q-len 8000 --head-dim 128 --dtype bf16 --causal           # llama8b_prefill
    $sdpa --batch 16 --heads 32 --kv-heads 8 --q-len 1 --kv-len 32768 --head-dim 128 --dtype bf16       # llama8b_decode
    $sdpa --batch 1 --heads 32 --q-len 16384 --head-dim 128 --dtype f16 --causal --sink 4 --window 2000 # streaming_llama2_7b
    $sdpa --npy "$DIR/check/check_gpt2_medium" --heads 4 --causal  # SDPA on the check inputs vs expected.npy
  } 2>&1 | tee "$OUT/sdpa.txt"
  measure="python3 $ROOT/tools/torch_attention_measure.py"
  echo "== PyTorch: the two measured implementations against float64"
  if timeout 120 $measure selfcheck > "$OUT/selfcheck.jsonl" 2>&1; then echo "selfcheck: ok"; else echo "selfcheck: FAILED"; tail -1 "$OUT/selfcheck.jsonl"; fi
  echo "== PyTorch ceilings and FlashAttention's benchmark grid"
  timeout 120 $measure ceilings | tee "$OUT/torch.jsonl"
  timeout 600 $measure grid >> "$OUT/torch.jsonl"
  tail -n +3 "$OUT/torch.jsonl" | wc -l
  if [ -n "$NCU" ]; then
    echo "== Nsight Compute on PyTorch's kernels"
    profile() {
      local name=$1
      shift
      timeout 300 "$NCU" --clock-control none --metrics "$METRICS" --csv --print-units base --nvtx \
        --nvtx-include "measure/" $measure profile "$@" > "$OUT/ncu-torch-$name.csv" 2>&1
      echo "$name: exit $?"
    }
    # FlashAttention's Figure 2 shape (GPT-2 medium), forward + backward, both implementations
    profile gpt2-standard --impl standard --batch 64 --heads 16 --n 1024 --d 64 --dtype f16 --causal --pass fwd+bwd
    profile gpt2-flash --impl flash --batch 64 --heads 16 --n 1024 --d 64 --dtype f16 --causal --pass fwd+bwd
    # one row of the FlashAttention-3 sets (d 64: FlashAttention-2 tiles its forward and backward alike, 128 x 128)
    profile fa3-standard --impl standard --batch 2 --heads 32 --n 8192 --d 64 --dtype bf16 --pass fwd+bwd
    profile fa3-flash --impl flash --batch 2 --heads 32 --n 8192 --d 64 --dtype bf16 --pass fwd+bwd
    # The backward kernels are predicted 17-34% fast, the forward's within 8% (docs/validation.md):
    # the simulator's unit counters and ncu's own sections (pipe use, shared-memory traffic, warp
    # stall reasons) for FlashAttention-2's kernels of that row, forward and backward side by side,
    # to find the cost the model is missing in the backward.
    fa3bwd="--impl flash --batch 2 --heads 32 --n 8192 --d 64 --dtype bf16 --pass fwd+bwd"
    timeout 300 "$NCU" --clock-control none --metrics "$UNITS" --csv --print-units base --nvtx \
      --nvtx-include "measure/" $measure profile $fa3bwd > "$OUT/ncu-torch-fa3-flash-bwd-units.csv" 2>&1
    echo "fa3-flash-bwd-units: exit $?"
    timeout 600 "$NCU" --clock-control none --section SpeedOfLight --section ComputeWorkloadAnalysis \
      --section MemoryWorkloadAnalysis --section WarpStateStats --section Occupancy --csv --print-units base \
      --nvtx --nvtx-include "measure/" $measure profile $fa3bwd > "$OUT/ncu-torch-fa3-flash-bwd-sections.csv" 2>&1
    echo "fa3-flash-bwd-sections: exit $?"
  fi
else
  echo "PyTorch with CUDA not found: the PyTorch measurements are skipped"
fi
