package io.attnkit.dsl.model;

import io.attnkit.dsl.source.Span;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * Elastic Attention's head router: per KV head, the keys of the first and last {@code pool}
 * positions are mean-pooled, an MLP of {@code hidden} times the input width scores them, and a
 * positive score sends the head to its sparse pattern. Either {@code weights} names a
 * safetensors file with the MLP ({@code w1, b1, w2, b2}), or {@code sparseRatio} fixes the
 * fraction of sparse KV heads for what-if studies (the last ones are made sparse).
 */
public record RouterSpec(String name, int pool, double hidden, Optional<String> weights, OptionalDouble sparseRatio,
                         Span span) {
    public static final int DEFAULT_POOL = 100;
    public static final double DEFAULT_HIDDEN = 4.0;

    public RouterSpec {
        if (weights.isPresent() == sparseRatio.isPresent()) {
            throw new IllegalArgumentException("a router has either weights or a sparse ratio");
        }
    }
}
