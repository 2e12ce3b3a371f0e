package io.attnkit.dsl.model;

import io.attnkit.dsl.source.Span;
import java.util.List;

/**
 * What a query may attend to. An element {@code (i, j)} pairs query row {@code i}, at key
 * position {@code p = i + kvLen - qLen}, with key {@code j}. Static masks depend on positions
 * only; selectors ({@link TopKBlocks}, {@link XAttention}, {@link Nsa}) also depend on the data
 * and are decided by a selection pass over Q and K before the attention runs.
 *
 * <p>A row that sees no key produces zeros (and a log-sum-exp of negative infinity), as
 * FlexAttention does.
 */
public sealed interface Mask {
    Span span();

    /** True when the mask depends on positions only. */
    default boolean isStatic() {
        return switch (this) {
            case Dense d -> true;
            case Causal c -> true;
            case Window w -> true;
            case Sink s -> true;
            case Prefix p -> true;
            case Document d -> true;
            case And a -> a.operands().stream().allMatch(Mask::isStatic);
            case Or o -> o.operands().stream().allMatch(Mask::isStatic);
            case Not n -> n.operand().isStatic();
            case TopKBlocks t -> false;
            case XAttention x -> false;
            case Nsa n -> false;
        };
    }

    /** Every key: {@code true}. */
    record Dense(Span span) implements Mask {
    }

    /** {@code j <= p}. */
    record Causal(Span span) implements Mask {
    }

    /** Causal sliding window of {@code size} keys, the query's own position included: {@code 0 <= p - j < size}. */
    record Window(int size, Span span) implements Mask {
    }

    /** The first {@code count} keys, whatever the query: {@code j < count} (StreamingLLM's attention sinks). */
    record Sink(int count, Span span) implements Mask {
    }

    /** Bidirectional prefix of {@code length} positions: {@code p < length && j < length} (prefix-LM, with {@code | causal}). */
    record Prefix(int length, Span span) implements Mask {
    }

    /**
     * Packed documents of the given lengths, which sum to {@code kvLen}: a query sees the keys
     * of its own document, {@code doc(p) == doc(j)}.
     */
    record Document(List<Integer> lengths, Span span) implements Mask {
        public Document {
            lengths = List.copyOf(lengths);
        }
    }

    record And(List<Mask> operands, Span span) implements Mask {
        public And {
            operands = List.copyOf(operands);
        }
    }

    record Or(List<Mask> operands, Span span) implements Mask {
        public Or {
            operands = List.copyOf(operands);
        }
    }

    record Not(Mask operand, Span span) implements Mask {
    }

    /**
     * MoBA's mixture of block attention: keys are cut into blocks of {@code block}; a query
     * scores each block that starts at or before its position by {@code q · mean(K_block)}, keeps
     * the block holding its own position, and the {@code k - 1} best others (ties to the lower
     * block). Compose with {@code causal} for exact causality inside the current block.
     */
    record TopKBlocks(int block, int k, Span span) implements Mask {
    }

    /**
     * XAttention: strided antidiagonal scores estimate each {@code block x block} tile's
     * attention mass; per query block, tiles are kept in descending order of mass until their sum
     * reaches {@code threshold} of the row's total.
     */
    record XAttention(int block, int stride, double threshold, Span span) implements Mask {
    }

    /**
     * Native Sparse Attention's selected and sliding-window branches: compressed keys (means of
     * {@code compress} keys every {@code stride}) score blocks of {@code selectBlock} keys; the
     * {@code selectCount} best blocks (the first and the two most recent always among them) and
     * the last {@code window} keys are attended.
     */
    record Nsa(int compress, int stride, int selectBlock, int selectCount, int window, Span span) implements Mask {
    }

    static Mask and(Mask a, Mask b) {
        if (a instanceof Dense) {
            return b;
        }
        if (b instanceof Dense) {
            return a;
        }
        return new And(List.of(a, b), a.span().to(b.span()));
    }
}
