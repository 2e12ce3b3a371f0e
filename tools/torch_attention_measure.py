#!/usr/bin/env python3
"""Measures PyTorch attention on the GPU at hand, for the simulator's predicted-vs-measured table.

Two implementations, as the FlashAttention papers benchmark them:
  flash     F.scaled_dot_product_attention restricted to the FLASH_ATTENTION backend
            (PyTorch's copy of FlashAttention-2)
  standard  the papers' PyTorch reference (flash-attention/benchmarks: baddbmm for S = QK^T / sqrt(d),
            an additive upper-triangular -10000 mask when causal, softmax, einsum with V), eager

  grid      FlashAttention-2/3's benchmark grid: 16K tokens in all (batch 16384 / N), hidden 2048
            (heads 2048 / d), d 64 and 128, N 512 ... 16K, causal or not; forward and backward
            (the backward timed alone, as the papers time it, with the graph retained)
  ceilings  a device-to-device copy (bytes read + written) and an 8192^3 bf16 matrix product
  profile   one configuration once inside an NVTX range named "measure", for Nsight Compute
            (ncu --nvtx --nvtx-include measure/ ...), after a warm-up outside it
  selfcheck the two implementations against each other and against float64, forward and
            gradients, causal or not (exit 1 on a mismatch): what is timed computes attention

Times are CUDA-event medians after warm-up. Output: one JSON object per line (--grid, --ceilings)
so that a cut-off run keeps what it finished.

    python3 tools/torch_attention_measure.py selfcheck
    python3 tools/torch_attention_measure.py ceilings
    python3 tools/torch_attention_measure.py grid [--impl flash,standard] [--max-standard-n 8192]
    python3 tools/torch_attention_measure.py profile --impl standard --batch 64 --heads 16 --n 1024 \
        --d 64 --dtype f16 --causal --pass fwd+bwd
"""
import argparse
import json
import math
import statistics
import sys

import time

import torch
import torch.nn.functional as F
from torch.nn.attention import SDPBackend, sdpa_kernel

DTYPES = {"f16": torch.float16, "bf16": torch.bfloat16}


def standard_attention(q, k, v, causal):
    """The FlashAttention benchmarks' attention_pytorch, on [b, h, n, d] tensors."""
    b, h, n, d = q.shape
    qf, kf = q.reshape(b * h, n, d), k.reshape(b * h, n, d)
    scores = torch.empty(b * h, n, n, dtype=q.dtype, device=q.device)
    scores = torch.baddbmm(scores, qf, kf.transpose(1, 2), beta=0, alpha=1.0 / math.sqrt(d)).view(b, h, n, n)
    if causal:
        mask = torch.triu(torch.full((n, n), -10000.0, device=q.device), 1)
        scores = scores + mask.to(dtype=scores.dtype)
    return torch.matmul(torch.softmax(scores, dim=-1), v)


def flash_attention(q, k, v, causal):
    with sdpa_kernel(SDPBackend.FLASH_ATTENTION):
        return F.scaled_dot_product_attention(q, k, v, is_causal=causal)


IMPLS = {"flash": flash_attention, "standard": standard_attention}


DEVICE = "cuda"  # --device cpu: a dry run of the script's logic on a machine without a GPU


def timed(fn, min_ms=150.0, max_reps=50):
    """Median time of fn() in ms (CUDA events; a wall clock on the CPU), after three warm-up calls."""
    for _ in range(3):
        fn()
    times = []
    while len(times) < 3 or (sum(times) < min_ms and len(times) < max_reps):
        if DEVICE == "cpu":
            start = time.perf_counter()
            fn()
            times.append((time.perf_counter() - start) * 1e3)
            continue
        start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        stop.record()
        stop.synchronize()
        times.append(start.elapsed_time(stop))
    return statistics.median(times), len(times)


def inputs(batch, heads, n, d, dtype, grad, seed=1):
    g = torch.Generator(device=DEVICE).manual_seed(seed)
    return [torch.randn(batch, heads, n, d, device=DEVICE, dtype=DTYPES[dtype], generator=g).requires_grad_(grad)
            for _ in range(3)]


def flops(batch, heads, n, d, causal, pass_):
    """The papers' count: 4 b h n^2 d forward (halved when causal), 2.5x that backward."""
    f = 4.0 * batch * heads * n * n * d / (2 if causal else 1)
    return {"fwd": f, "bwd": 2.5 * f, "fwd+bwd": 3.5 * f}[pass_]


def measure(impl, batch, heads, n, d, dtype, causal, pass_):
    fn = IMPLS[impl]
    q, k, v = inputs(batch, heads, n, d, dtype, grad=pass_ != "fwd")
    if pass_ == "fwd":
        with torch.no_grad():
            return timed(lambda: fn(q, k, v, causal))
    if pass_ == "bwd":
        out = fn(q, k, v, causal)
        grad = torch.randn_like(out)
        return timed(lambda: out.backward(grad, retain_graph=True))
    grad = torch.randn_like(q)
    return timed(lambda: fn(q, k, v, causal).backward(grad))


def device_facts():
    if DEVICE == "cpu":
        return {"device": "cpu (dry run)", "torch": torch.__version__}
    p = torch.cuda.get_device_properties(0)
    return {"device": p.name, "sms": p.multi_processor_count, "l2_bytes": getattr(p, "L2_cache_size", None),
            "memory_bytes": p.total_memory, "torch": torch.__version__, "cuda": torch.version.cuda}


def emit(row):
    print(json.dumps(row), flush=True)


def ceilings(a):
    emit({"kind": "device", **device_facts()})
    x = torch.empty(int(a.copy_gib * 1024**3), dtype=torch.uint8, device=DEVICE)
    y = torch.empty_like(x)
    ms, reps = timed(lambda: y.copy_(x))
    emit({"kind": "copy", "bytes": 2 * x.numel(), "ms": ms, "reps": reps, "tb_per_s": 2 * x.numel() / ms / 1e9})
    del x, y
    n = a.matmul_n
    g = torch.Generator(device=DEVICE).manual_seed(1)
    x = torch.randn(n, n, device=DEVICE, dtype=torch.bfloat16, generator=g)
    y = torch.randn(n, n, device=DEVICE, dtype=torch.bfloat16, generator=g)
    ms, reps = timed(lambda: x @ y)
    emit({"kind": "matmul_bf16", "n": n, "ms": ms, "reps": reps, "tflop_per_s": 2 * n**3 / ms / 1e9})


def grid(a):
    for impl in a.impl.split(","):
        for d in (64, 128):
            for causal in (False, True):
                for n in (512, 1024, 2048, 4096, 8192, 16384):
                    if n > a.max_n or (impl == "standard" and n > a.max_standard_n) or n > a.tokens:
                        continue
                    batch, heads = a.tokens // n, 2048 // d
                    for pass_ in a.passes.split(","):
                        row = {"kind": "attention", "impl": impl, "dtype": a.dtype, "batch": batch, "heads": heads,
                               "n": n, "d": d, "causal": causal, "pass": pass_}
                        try:
                            ms, reps = measure(impl, batch, heads, n, d, a.dtype, causal, pass_)
                            row.update(ms=ms, reps=reps, tflop_per_s=flops(batch, heads, n, d, causal, pass_) / ms / 1e9)
                        except torch.OutOfMemoryError:
                            row.update(error="out of memory")
                        emit(row)
                        torch.cuda.empty_cache()


def profile(a):
    fn = IMPLS[a.impl]
    grad_needed = a.pass_ != "fwd"
    q, k, v = inputs(a.batch, a.heads, a.n, a.d, a.dtype, grad=grad_needed)
    grad = torch.randn(a.batch, a.heads, a.n, a.d, device=DEVICE, dtype=DTYPES[a.dtype])

    def once():
        if grad_needed:
            fn(q, k, v, a.causal).backward(grad)
        else:
            with torch.no_grad():
                fn(q, k, v, a.causal)

    once()
    torch.cuda.synchronize()
    torch.cuda.nvtx.range_push("measure")
    once()
    torch.cuda.synchronize()
    torch.cuda.nvtx.range_pop()


def selfcheck(a):
    """Both implementations against float64 (forward and input gradients), at odd lengths."""
    worst = 0.0
    for dtype in ("f16", "bf16"):
        for causal in (False, True):
            for impl in IMPLS:
                q, k, v = inputs(2, 3, 97, 64, dtype, grad=True, seed=5)
                out = IMPLS[impl](q, k, v, causal)
                grad = torch.randn_like(out)
                out.backward(grad)
                q64, k64, v64 = (t.detach().double().requires_grad_(True) for t in (q, k, v))
                mask = torch.ones(97, 97, dtype=torch.bool, device=DEVICE).tril() if causal else None
                ref = F.scaled_dot_product_attention(q64, k64, v64, attn_mask=mask)
                ref.backward(grad.double())
                for name, got, want in (("out", out, ref), ("dq", q.grad, q64.grad), ("dk", k.grad, k64.grad),
                                        ("dv", v.grad, v64.grad)):
                    rel = ((got.double() - want).norm() / want.norm()).item()
                    worst = max(worst, rel)
                    ok = rel < (1e-2 if dtype == "bf16" else 2e-3)
                    emit({"kind": "selfcheck", "impl": impl, "dtype": dtype, "causal": causal, "tensor": name,
                          "relative_error": rel, "ok": ok})
                    if not ok:
                        sys.exit(f"selfcheck: {impl} {dtype} causal={causal} {name}: relative error {rel:.2e}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("mode", choices=["ceilings", "grid", "profile", "selfcheck"])
    ap.add_argument("--device", choices=["cuda", "cpu"], default="cuda", help="cpu: a dry run without a GPU")
    ap.add_argument("--tokens", type=int, default=16384, help="batch x sequence length of the grid (default 16384)")
    ap.add_argument("--max-n", type=int, default=16384)
    ap.add_argument("--copy-gib", type=float, default=2.0)
    ap.add_argument("--matmul-n", type=int, default=8192)
    ap.add_argument("--impl", default="flash,standard")
    ap.add_argument("--dtype", choices=sorted(DTYPES), default="bf16")
    ap.add_argument("--passes", default="fwd,bwd")
    ap.add_argument("--max-standard-n", type=int, default=8192)
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--heads", type=int, default=16)
    ap.add_argument("--n", type=int, default=1024)
    ap.add_argument("--d", type=int, default=64)
    ap.add_argument("--causal", action="store_true")
    ap.add_argument("--pass", dest="pass_", choices=["fwd", "fwd+bwd"], default="fwd")
    a = ap.parse_args()
    global DEVICE
    DEVICE = a.device
    if DEVICE == "cuda" and not torch.cuda.is_available():
        sys.exit("torch_attention_measure: no CUDA device (--device cpu for a dry run)")
    if DEVICE == "cpu" and a.mode == "profile":
        sys.exit("torch_attention_measure: profile needs CUDA (NVTX ranges for Nsight Compute)")
    {"ceilings": ceilings, "grid": grid, "profile": profile, "selfcheck": selfcheck}[a.mode](a)


if __name__ == "__main__":
    main()
