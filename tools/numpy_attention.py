#!/usr/bin/env python3
"""Attention in NumPy, written independently of AttnKit's Java code, to check its float64 reference.

Reads Q [batch, heads, q_len, dim], K and V [batch, kv_heads, kv_len, dim] from .npy files, rounds
them to the kernel's storage type, computes O = softmax(scale * Q K^T + mask) V in float64 and
writes O [batch, heads, q_len, v_dim] as float32 .npy. Query head h reads KV head
h // (heads // kv_heads). Query row i sits at key position p = i + kv_len - q_len. A row that sees
no key gets zeros.

The mask is either an element mask (--mask FILE.npy: nonzero = visible, shape
[batch, heads, q_len, kv_len] or [q_len, kv_len]) or a static mask expression in the .attn syntax
(--mask-expr "sink(4) | window(16)"): dense, causal, window(w), sink(s), prefix(n),
document(l1, l2, ...), combined with &, |, ! and parentheses.

    python3 tools/numpy_attention.py --q q.npy --k k.npy --v v.npy --out o.npy \
        --mask-expr causal [--scale S] [--dtype f32|f16|bf16]
"""
import argparse
import os
import re
import sys
import tempfile

import numpy as np


def round_to(x, dtype):
    """x (float32) rounded to the storage type, as float64."""
    x = np.asarray(x, dtype=np.float32)
    if dtype == "f32":
        return x.astype(np.float64)
    if dtype == "f16":
        return x.astype(np.float16).astype(np.float64)
    if dtype == "bf16":
        bits = x.view(np.uint32).astype(np.uint64)
        rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) & 0xFFFF0000
        return rounded.astype(np.uint32).view(np.float32).astype(np.float64)
    raise SystemExit(f"unknown dtype {dtype}")


class MaskParser:
    """Parses a static mask expression into a function of (p, j) position grids."""

    TOKEN = re.compile(r"\s*(?:(\d+)|([A-Za-z_]\w*)|(.))")

    def __init__(self, text):
        self.tokens = [m.group(1) or m.group(2) or m.group(3) for m in self.TOKEN.finditer(text) if m.group(0).strip()]
        self.at = 0

    def peek(self):
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self, expected=None):
        token = self.peek()
        if token is None or (expected is not None and token != expected):
            raise SystemExit(f"mask expression: expected {expected or 'more'}, found {token}")
        self.at += 1
        return token

    def parse(self):
        mask = self.or_expr()
        if self.peek() is not None:
            raise SystemExit(f"mask expression: unexpected {self.peek()}")
        return mask

    def or_expr(self):
        terms = [self.and_expr()]
        while self.peek() == "|":
            self.take()
            terms.append(self.and_expr())
        return lambda p, j: np.logical_or.reduce([t(p, j) for t in terms])

    def and_expr(self):
        terms = [self.not_expr()]
        while self.peek() == "&":
            self.take()
            terms.append(self.not_expr())
        return lambda p, j: np.logical_and.reduce([t(p, j) for t in terms])

    def not_expr(self):
        if self.peek() == "!":
            self.take()
            inner = self.not_expr()
            return lambda p, j: ~inner(p, j)
        return self.atom()

    def atom(self):
        if self.peek() == "(":
            self.take()
            inner = self.or_expr()
            self.take(")")
            return inner
        name = self.take()
        args = []
        if self.peek() == "(":
            self.take()
            while self.peek() != ")":
                args.append(int(self.take()))
                if self.peek() == ",":
                    self.take()
            self.take(")")
        if name == "dense":
            return lambda p, j: np.ones(np.broadcast(p, j).shape, dtype=bool)
        if name == "causal":
            return lambda p, j: j <= p
        if name == "window":
            w = args[0]
            return lambda p, j: (p - j >= 0) & (p - j < w)
        if name == "sink":
            s = args[0]
            return lambda p, j: np.broadcast_to(j < s, np.broadcast(p, j).shape)
        if name == "prefix":
            n = args[0]
            return lambda p, j: (p < n) & (j < n)
        if name == "document":
            ends = np.cumsum(args)

            def document(p, j):
                doc_p = np.searchsorted(ends, p, side="right")
                doc_j = np.searchsorted(ends, j, side="right")
                return (p >= 0) & (doc_p == doc_j) & (doc_p < len(args))
            return document
        raise SystemExit(f"mask expression: {name} is not a static mask")


def attention(q, k, v, visible, scale):
    batch, heads, q_len, _ = q.shape
    kv_heads = k.shape[1]
    group = heads // kv_heads
    k = np.repeat(k, group, axis=1)
    v = np.repeat(v, group, axis=1)
    scores = scale * np.einsum("bhid,bhjd->bhij", q, k)
    scores = np.where(visible, scores, -np.inf)
    row_max = scores.max(axis=-1, keepdims=True)
    empty = ~visible.any(axis=-1, keepdims=True)
    weights = np.exp(scores - np.where(empty, 0.0, row_max))
    weights = np.where(visible, weights, 0.0)
    sums = weights.sum(axis=-1, keepdims=True)
    out = np.einsum("bhij,bhjd->bhid", weights / np.where(empty, 1.0, sums), v)
    return np.where(empty, 0.0, out)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--q", required=True)
    parser.add_argument("--k", required=True)
    parser.add_argument("--v", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--mask", help="element mask .npy, nonzero = visible")
    parser.add_argument("--mask-expr", help="static mask in the .attn syntax")
    parser.add_argument("--scale", type=float, help="softmax scale, default 1/sqrt(head_dim)")
    parser.add_argument("--dtype", default="f32", choices=["f32", "f16", "bf16"])
    args = parser.parse_args()
    if (args.mask is None) == (args.mask_expr is None):
        raise SystemExit("give exactly one of --mask and --mask-expr")

    q = round_to(np.load(args.q), args.dtype)
    k = round_to(np.load(args.k), args.dtype)
    v = round_to(np.load(args.v), args.dtype)
    if q.ndim != 4 or k.ndim != 4 or v.ndim != 4 or q.shape[1] % k.shape[1] != 0:
        raise SystemExit(f"shapes q {q.shape}, k {k.shape}, v {v.shape} do not fit [batch, heads, len, dim]")
    batch, heads, q_len, dim = q.shape
    kv_len = k.shape[2]
    scale = args.scale if args.scale is not None else 1.0 / np.sqrt(dim)

    if args.mask is not None:
        visible = np.load(args.mask) != 0
        if visible.ndim == 2:
            visible = visible[None, None]
        visible = np.broadcast_to(visible, (batch, heads, q_len, kv_len))
    else:
        p = (np.arange(q_len) + kv_len - q_len)[:, None]
        j = np.arange(kv_len)[None, :]
        visible = np.broadcast_to(MaskParser(args.mask_expr).parse()(p, j), (batch, heads, q_len, kv_len))

    out = attention(q, k, v, visible, scale).astype(np.float32)
    directory = os.path.dirname(os.path.abspath(args.out))
    fd, tmp = tempfile.mkstemp(dir=directory, suffix=".npy")
    try:
        with os.fdopen(fd, "wb") as f:
            np.save(f, out)
        os.replace(tmp, args.out)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


if __name__ == "__main__":
    sys.exit(main())
