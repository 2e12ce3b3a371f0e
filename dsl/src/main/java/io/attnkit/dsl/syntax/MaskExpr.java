package io.attnkit.dsl.syntax;

import io.attnkit.dsl.source.Span;
import io.attnkit.dsl.syntax.Property.Word.Quantity;
import java.util.List;
import java.util.Optional;

/**
 * A mask expression as written: calls such as {@code window(2048)} or {@code causal}, combined
 * with {@code &}, {@code |} and {@code !}. Chains of one operator are flat n-ary nodes, so a long
 * chain never makes a deep tree.
 */
public sealed interface MaskExpr {
    Span span();

    /** {@code fn} or {@code fn(arg, ...)}; {@code causal} and {@code causal()} are the same call. */
    record Call(Name fn, List<Arg> args, Span span) implements MaskExpr {
        public Call {
            args = List.copyOf(args);
        }
    }

    record And(List<MaskExpr> operands, Span span) implements MaskExpr {
        public And {
            operands = List.copyOf(operands);
        }
    }

    record Or(List<MaskExpr> operands, Span span) implements MaskExpr {
        public Or {
            operands = List.copyOf(operands);
        }
    }

    record Not(MaskExpr operand, Span span) implements MaskExpr {
    }

    /** A positional ({@code 2048}) or named ({@code block 128}) argument. */
    record Arg(Optional<Name> name, Quantity value, Span span) {
    }
}
