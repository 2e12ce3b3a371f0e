package io.attnkit.dsl.syntax;

import io.attnkit.dsl.source.Span;
import java.math.BigDecimal;
import java.util.List;

/**
 * {@code key item, item, ...;} — the one shape every setting takes. Which keys exist and what
 * their items mean is decided by the resolver, which can then say precisely what was expected.
 */
public record Property(Name key, List<Item> items, Comments comments, Span span) implements KernelStmt {

    public Property {
        items = List.copyOf(items);
    }

    /** One comma-separated part: a sequence of words, such as {@code bf16 4096 flop/cycle/sm}. */
    public record Item(List<Word> words, Span span) {
        public Item {
            words = List.copyOf(words);
        }
    }

    /** A name, a number with its unit, or a string. */
    public sealed interface Word {
        Span span();

        record Ident(String text, Span span) implements Word {
        }

        /**
         * A number as written ({@code 128}, {@code -3}, {@code 1.83}, {@code 1e9}) and its unit
         * ({@code K}, {@code KiB/sm}, {@code flop/cycle/sm}, {@code /sm}; empty for none).
         */
        record Quantity(String literal, String unit, Span span) implements Word {
            /** The longest mantissa, and the largest exponent magnitude, that {@link #value()} reads. */
            public static final int MAX_DIGITS = 400;
            public static final int MAX_EXPONENT = 1000;

            /**
             * The number's exact value.
             *
             * @throws NumberFormatException when the literal has more than {@link #MAX_DIGITS}
             *     characters before its exponent or an exponent beyond {@link #MAX_EXPONENT}: no
             *     size in this language is that large or that fine, and refusing such literals
             *     early keeps arithmetic on them from taking unbounded time
             */
            public BigDecimal value() {
                int e = Math.max(literal.indexOf('e'), literal.indexOf('E'));
                String mantissa = e < 0 ? literal : literal.substring(0, e);
                if (mantissa.length() > MAX_DIGITS) {
                    throw new NumberFormatException("more than " + MAX_DIGITS + " digits");
                }
                if (e >= 0) {
                    String exponent = literal.substring(e + 1).replaceFirst("^[+-]", "").replaceFirst("^0+(?=.)", "");
                    if (exponent.length() > 4 || Integer.parseInt(exponent) > MAX_EXPONENT) {
                        throw new NumberFormatException("exponent beyond " + MAX_EXPONENT);
                    }
                }
                return new BigDecimal(literal);
            }
        }

        /** A string literal, unescaped. */
        record Str(String value, Span span) implements Word {
        }
    }
}
