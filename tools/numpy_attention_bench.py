#!/usr/bin/env python3
"""Standard (unfused) attention in NumPy/OpenBLAS, timed: S = Q K^T * scale, softmax, O = P V.

The comparison point of issue 3's goal "ahead of a NumPy/OpenBLAS standard attention by at least
4x at N 4096". float32, dense, [heads, n, dim] per batch element, using every core OpenBLAS finds.
Prints the best of --repeat passes; the last line is "ms_per_pass X" for AttentionReport.
"""
import argparse
import time

import numpy as np


def attention(q, k, v, scale):
    out = np.empty_like(q)
    for h in range(q.shape[0]):
        s = (q[h] @ k[h].T) * scale          # N x N scores: the matrix FlashAttention avoids
        s -= s.max(axis=1, keepdims=True)
        np.exp(s, out=s)
        s /= s.sum(axis=1, keepdims=True)
        out[h] = s @ v[h]
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=4096)
    ap.add_argument("--heads", type=int, default=8)
    ap.add_argument("--dim", type=int, default=128)
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args()
    rng = np.random.default_rng(1)
    q, k, v = (rng.standard_normal((a.heads, a.n, a.dim), dtype=np.float32) for _ in range(3))
    scale = np.float32(1 / np.sqrt(a.dim))
    attention(q, k, v, scale)  # warm-up
    best = float("inf")
    for _ in range(a.repeat):
        t0 = time.perf_counter()
        attention(q, k, v, scale)
        best = min(best, time.perf_counter() - t0)
    flops = 4.0 * a.heads * a.n * a.n * a.dim
    print(f"numpy {np.__version__}, n {a.n}, heads {a.heads}, dim {a.dim}: {flops / best / 1e9:.1f} GFLOP/s")
    print(f"ms_per_pass {best * 1e3:.3f}")


if __name__ == "__main__":
    main()
