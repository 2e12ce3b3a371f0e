#!/usr/bin/env python3
"""The predicted-vs-measured report of a GPU check, run where Java is, after tools/gpu-run.sh.

    python3 tools/gpu_report.py DIR [RESULTS] [--target h200]     (RESULTS default: DIR/results)

Prints Markdown: (1) the small kernels' checks against the float64 reference; (2) each example
kernel's measured time beside the simulator's prediction (DIR/full/*/simulate.json) and its
Nsight Compute counters beside the simulated ones (attnkit simulate --compare); (3) PyTorch's
FlashAttention-2 and standard attention on FlashAttention's benchmark grid (attnkit validate
--measured); (4) each profiled PyTorch configuration's kernels, totalled, beside the simulation.
Standard library only; calls ./attnkit.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ATTNKIT = os.path.join(ROOT, "attnkit")

# tools/gpu-run.sh's ncu profiles of PyTorch: name -> (kernel text, schedule, pass). All have d 64,
# where FlashAttention-2 tiles its forward and backward alike (128 x 128), as one .attn kernel must.
TORCH_PROFILES = {
    "gpt2-standard": ("shape batch 64, heads 16, q_len 1024, head_dim 64; dtype f16; tile q 128, kv 128, stages 1, "
                      "warps 4; mask causal;", "standard", "fwd+bwd"),
    "gpt2-flash": ("shape batch 64, heads 16, q_len 1024, head_dim 64; dtype f16; tile q 128, kv 128, stages 1, "
                   "warps 4; mask causal;", "flash", "fwd+bwd"),
    "fa3-standard": ("shape batch 2, heads 32, q_len 8192, head_dim 64; dtype bf16; tile q 128, kv 128, stages 1, "
                     "warps 4;", "standard", "fwd+bwd"),
    "fa3-flash": ("shape batch 2, heads 32, q_len 8192, head_dim 64; dtype bf16; tile q 128, kv 128, stages 1, "
                  "warps 4;", "flash", "fwd+bwd"),
    # the same kernels with the simulator's per-unit counters (shared-memory bytes, active cycles)
    "fa3-flash-bwd-units": ("shape batch 2, heads 32, q_len 8192, head_dim 64; dtype bf16; tile q 128, kv 128, "
                            "stages 1, warps 4;", "flash", "fwd+bwd"),
}


def attnkit(*args):
    r = subprocess.run([ATTNKIT, *args], capture_output=True, text=True)
    return r.returncode, (r.stdout + r.stderr).strip()


def harness_line(path):
    """check, tiles and time of one harness run, from what it printed."""
    if not os.path.exists(path):
        return None
    text = open(path).read()
    time = re.search(r"time: ([0-9.]+) ms per launch", text)
    check = re.search(r"check: (.*)", text)
    return {"ms": float(time.group(1)) if time else None, "check": check.group(1) if check else text.strip()[-200:],
            "pass": text.strip().endswith("PASS")}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir")
    ap.add_argument("results", nargs="?")
    ap.add_argument("--target", default="h200")
    a = ap.parse_args()
    results = a.results or os.path.join(a.dir, "results")
    if not os.path.isdir(results):
        sys.exit(f"gpu_report: no results directory {results}")

    print("## Small kernels against the float64 reference\n")
    print("| kernel | result | check |\n|---|---|---|")
    for kernel in sorted(os.listdir(os.path.join(a.dir, "check"))):
        h = harness_line(os.path.join(results, kernel + ".txt"))
        if h is not None:
            print(f"| {kernel} | {'PASS' if h['pass'] else 'FAIL'} | {h['check']} |")

    print(f"\n## Example kernels: measured time beside the prediction for {a.target}\n")
    print("| kernel | measured (ms) | predicted (ms) | error (speed) |\n|---|---:|---:|---:|")
    compares = []
    for kernel in sorted(os.listdir(os.path.join(a.dir, "full"))):
        full = os.path.join(a.dir, "full", kernel)
        h = harness_line(os.path.join(results, kernel + ".txt"))
        sim = os.path.join(full, "simulate.json")
        if h is None or h["ms"] is None or not os.path.exists(sim):
            continue
        predicted = json.load(open(sim))["summary"]["time_ms"]
        print(f"| {kernel} | {h['ms']:.4g} | {predicted:.4g} | {100 * (h['ms'] / predicted - 1):+.1f}% |")
        ncu = os.path.join(results, kernel + ".ncu.csv")
        if os.path.exists(ncu):
            source = open(os.path.join(full, "source.txt")).read().strip()
            compares.append((kernel, attnkit("simulate", os.path.join(ROOT, source), "--kernel", kernel, "--target",
                                             a.target, "--occupancy-from-ptxas", "--compare", ncu)))
    print("\nError: measured / predicted time - 1 (positive: predicted faster than measured).")
    for kernel, (rc, text) in compares:
        print(f"\n### {kernel}: Nsight Compute beside the simulation\n\n```\n{text}\n```")

    selfcheck = os.path.join(results, "selfcheck.jsonl")
    if os.path.exists(selfcheck):
        rows = [json.loads(l) for l in open(selfcheck) if l.startswith("{")]
        bad = [r for r in rows if not r["ok"]]
        worst = max((r["relative_error"] for r in rows), default=float("nan"))
        print(f"\nPyTorch selfcheck (flash and standard against float64, outputs and gradients): {len(rows) - len(bad)} of "
              f"{len(rows)} within tolerance, worst relative error {worst:.2e}.")

    grid = os.path.join(results, "torch.jsonl")
    if os.path.exists(grid):
        rc, text = attnkit("validate", "--measured", grid, "--target", a.target)
        print(f"\n## PyTorch on FlashAttention's benchmark grid\n\n{text}")

    with tempfile.TemporaryDirectory() as tmp:
        for name, (shape, schedule, pass_) in TORCH_PROFILES.items():
            ncu = os.path.join(results, f"ncu-torch-{name}.csv")
            if not os.path.exists(ncu):
                continue
            attn = os.path.join(tmp, name + ".attn")
            with open(attn, "w") as f:
                f.write(f"kernel {name.replace('-', '_')} {{ {shape} target {a.target}; }}\n")
            rc, text = attnkit("simulate", attn, "--schedule", schedule, "--pass", pass_, "--compare", ncu)
            print(f"\n### PyTorch {name} ({schedule}, {pass_}): Nsight Compute beside the simulation\n\n```\n{text}\n```")


if __name__ == "__main__":
    main()
