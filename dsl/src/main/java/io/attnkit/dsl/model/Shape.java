package io.attnkit.dsl.model;

import io.attnkit.dsl.source.Span;

/**
 * Problem size. Query head {@code h} reads KV head {@code h / (heads / kvHeads)} (grouped-query
 * attention). Query row {@code i} sits at key position {@code i + kvLen - qLen}: queries are
 * aligned to the end of the keys, so a decode step ({@code qLen} 1) sees the whole cache.
 */
public record Shape(int batch, int heads, int kvHeads, int qLen, int kvLen, int headDim, int vDim, Span span) {

    public Shape {
        if (batch < 1 || heads < 1 || kvHeads < 1 || qLen < 1 || kvLen < 1 || headDim < 1 || vDim < 1) {
            throw new IllegalArgumentException("shape sizes must be positive");
        }
        if (heads % kvHeads != 0) {
            throw new IllegalArgumentException("heads must be a multiple of kv_heads");
        }
    }

    /** Query heads per KV head. */
    public int groupSize() {
        return heads / kvHeads;
    }

    public int kvHeadOf(int head) {
        return head / groupSize();
    }

    /** Key position of query row {@code i}. */
    public long positionOfRow(long i) {
        return i + (long) kvLen - qLen;
    }
}
