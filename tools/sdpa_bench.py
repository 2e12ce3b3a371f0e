#!/usr/bin/env python3
"""PyTorch scaled_dot_product_attention on the GPU: the figure to set beside AttnKit's CUDA harness.

Times SDPA for one shape (CUDA events, best of --repeat launches after warm-up) and prints ms and
TFLOP/s counted as the harness counts them: 2 * b * h * q * kv * (head_dim + v_dim) * density.
Rows are aligned to the end of the keys (query i sits at position i + kv_len - q_len), as in
AttnKit. Masks other than dense and causal are passed as a boolean matrix (at most 2^31
entries). With --npy DIR it instead runs SDPA in float32 on DIR's q.npy, k.npy, v.npy and
compares with DIR/expected.npy (the float64 reference written by attnkit emit --write-inputs).

Run on a GPU machine by tools/gpu-check.sh; needs torch with CUDA and numpy.
"""
import argparse
import sys

import numpy as np
import torch
import torch.nn.functional as F


def visible(q_len, kv_len, causal, window, sink, device):
    """Boolean [q_len, kv_len]: key j visible to row i (None when everything is)."""
    if not causal and window is None:
        return None
    if q_len * kv_len > 2**31:
        sys.exit(f"mask of {q_len} x {kv_len} is too large to materialise")
    p = torch.arange(q_len, device=device)[:, None] + (kv_len - q_len)
    j = torch.arange(kv_len, device=device)[None, :]
    mask = torch.ones(q_len, kv_len, dtype=torch.bool, device=device)
    if causal:
        mask &= j <= p
    if window is not None:
        local = (p - j >= 0) & (p - j < window)
        if sink is not None:
            local |= j < sink
        mask &= local
    return mask


def attention(q, k, v, mask, causal_only):
    # GQA through SDPA itself (PyTorch 2.5+): copying K and V per query head would be timed too
    gqa = q.shape[1] != k.shape[1]
    if causal_only and q.shape[2] == k.shape[2]:
        return F.scaled_dot_product_attention(q, k, v, is_causal=True, enable_gqa=gqa)
    return F.scaled_dot_product_attention(q, k, v, attn_mask=mask, enable_gqa=gqa)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--heads", type=int, default=1)
    ap.add_argument("--kv-heads", type=int)
    ap.add_argument("--q-len", type=int, default=1024)
    ap.add_argument("--kv-len", type=int)
    ap.add_argument("--head-dim", type=int, default=64)
    ap.add_argument("--dtype", choices=["f16", "bf16", "f32"], default="f16")
    ap.add_argument("--causal", action="store_true")
    ap.add_argument("--window", type=int)
    ap.add_argument("--sink", type=int)
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--npy", metavar="DIR", help="compare SDPA (float32) on DIR's inputs with DIR/expected.npy")
    a = ap.parse_args()
    dev = "cuda"

    if a.npy:
        q, k, v = (torch.from_numpy(np.load(f"{a.npy}/{n}.npy")).to(dev) for n in ("q", "k", "v"))
        expected = np.load(f"{a.npy}/expected.npy")
        mask = visible(q.shape[2], k.shape[2], a.causal, a.window, a.sink, dev)
        out = attention(q, k, v, mask, a.causal and a.window is None).cpu().numpy()
        out[~np.isfinite(out)] = 0  # rows that see nothing: SDPA gives NaN, AttnKit zeros
        err = np.abs(out - expected)
        print(f"sdpa vs expected.npy ({a.npy}): max abs error {err.max():.3e}, "
              f"max rel error {(err / np.maximum(np.abs(expected), 1e-30)).max():.3e}")
        return

    kv_len = a.kv_len or a.q_len
    kv_heads = a.kv_heads or a.heads
    dtype = {"f16": torch.float16, "bf16": torch.bfloat16, "f32": torch.float32}[a.dtype]
    q = torch.randn(a.batch, a.heads, a.q_len, a.head_dim, device=dev, dtype=dtype)
    k = torch.randn(a.batch, kv_heads, kv_len, a.head_dim, device=dev, dtype=dtype)
    v = torch.randn(a.batch, kv_heads, kv_len, a.head_dim, device=dev, dtype=dtype)
    mask = visible(a.q_len, kv_len, a.causal, a.window, a.sink, dev)
    density = 1.0 if mask is None else mask.float().mean().item()
    causal_only = a.causal and a.window is None
    for _ in range(3):
        attention(q, k, v, mask, causal_only)
    start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    best = float("inf")
    for _ in range(a.repeat):
        start.record()
        attention(q, k, v, mask, causal_only)
        stop.record()
        torch.cuda.synchronize()
        best = min(best, start.elapsed_time(stop))
    flops = 2.0 * a.batch * a.heads * a.q_len * kv_len * (2 * a.head_dim) * density
    print(f"sdpa {a.dtype} b{a.batch} h{a.heads}/{kv_heads} q{a.q_len} kv{kv_len} d{a.head_dim} "
          f"causal={a.causal} window={a.window} sink={a.sink}: {best:.4f} ms, {flops / best / 1e9:.2f} TFLOP/s "
          f"(density {density:.4f}, torch {torch.__version__}, {torch.cuda.get_device_name()})")


if __name__ == "__main__":
    main()
