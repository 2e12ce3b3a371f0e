package io.attnkit.dsl.model;

import io.attnkit.dsl.source.Span;

/**
 * The tile program's blocking: {@code q} query rows and {@code kv} keys per step, {@code stages}
 * K/V buffers in flight, {@code warps} warps (GPU) per thread block.
 */
public record Tiles(int q, int kv, int stages, int warps, Span span) {
    public static final int DEFAULT_Q = 64;
    public static final int DEFAULT_KV = 64;
    public static final int DEFAULT_STAGES = 2;
    public static final int DEFAULT_WARPS = 4;

    public Tiles {
        if (q < 1 || kv < 1 || stages < 1 || warps < 1) {
            throw new IllegalArgumentException("tile sizes must be positive");
        }
    }

    public int qBlocks(int qLen) {
        return (int) ((qLen + (long) q - 1) / q);
    }

    public int kvBlocks(int kvLen) {
        return (int) ((kvLen + (long) kv - 1) / kv);
    }
}
