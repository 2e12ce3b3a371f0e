package io.attnkit.dsl.syntax;

import io.attnkit.dsl.source.Span;
import java.util.List;
import java.util.Optional;

/** A statement inside a kernel: a property, the kernel-wide mask, or a head assignment. */
public sealed interface KernelStmt permits Property, KernelStmt.MaskStmt, KernelStmt.HeadsStmt {
    Comments comments();

    Span span();

    /** {@code mask EXPR;} — applies to every head, and-ed with each head's own pattern. */
    record MaskStmt(MaskExpr expr, Comments comments, Span span) implements KernelStmt {
    }

    /** {@code heads SET : PATTERN;} */
    record HeadsStmt(HeadSet heads, HeadPattern pattern, Comments comments, Span span) implements KernelStmt {
    }

    /** Which heads a statement assigns. */
    sealed interface HeadSet {
        Span span();

        /** {@code *} */
        record All(Span span) implements HeadSet {
        }

        /** {@code 0..7, 12, 14..15}: inclusive ranges, as literals still to be checked. */
        record Ranges(List<Range> ranges, Span span) implements HeadSet {
            public Ranges {
                ranges = List.copyOf(ranges);
            }
        }

        record Range(String first, Optional<String> last, Span span) {
        }
    }

    /** What the assigned heads compute. */
    sealed interface HeadPattern {
        Span span();

        /** A pattern fixed when the kernel is compiled. */
        record Fixed(MaskExpr mask, Span span) implements HeadPattern {
        }

        /** {@code route ROUTER(full, sparse)}: a router picks one of two patterns per KV head and input. */
        record Routed(Name router, MaskExpr full, MaskExpr sparse, Span span) implements HeadPattern {
        }
    }
}
