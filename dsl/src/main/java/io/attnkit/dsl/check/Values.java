package io.attnkit.dsl.check;

import io.attnkit.dsl.source.DiagnosticRenderer;
import io.attnkit.dsl.source.Diagnostics;
import io.attnkit.dsl.source.ErrorCode;
import io.attnkit.dsl.source.Span;
import io.attnkit.dsl.syntax.Printer;
import io.attnkit.dsl.syntax.Property.Item;
import io.attnkit.dsl.syntax.Property.Word;
import java.math.BigDecimal;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Reads typed values out of property items, reporting each way a value can be wrong with its
 * own code: wrong form (E015), unknown unit (E016), out of range (E017), too large for 64 bits
 * (E018). Every method returns empty after reporting, so callers simply skip what failed.
 */
final class Values {
    /** Suffixes that make a figure per compute unit, or per thread block. */
    static final Set<String> PER_UNIT = Set.of("sm", "core", "cu");
    static final String PER_BLOCK = "block";

    private final Diagnostics diagnostics;

    Values(Diagnostics diagnostics) {
        this.diagnostics = diagnostics;
    }

    Diagnostics diagnostics() {
        return diagnostics;
    }

    /** A number split from its unit and its {@code /sm}, {@code /core} or {@code /block} suffix. */
    record Measured(BigDecimal value, String unit, String per, Span span) {
    }

    /** The item, which must be exactly one quantity. */
    Optional<Word.Quantity> quantity(Item item, String what) {
        if (item.words().size() == 1 && item.words().getFirst() instanceof Word.Quantity q) {
            return Optional.of(q);
        }
        diagnostics.error(ErrorCode.E015, item.span(), "expected " + what + ", found " + describe(item));
        return Optional.empty();
    }

    /** The item, which must be exactly one name. */
    Optional<Word.Ident> name(Item item, String what) {
        if (item.words().size() == 1 && item.words().getFirst() instanceof Word.Ident id) {
            return Optional.of(id);
        }
        diagnostics.error(ErrorCode.E015, item.span(), "expected " + what + ", found " + describe(item));
        return Optional.empty();
    }

    /** The item, which must be exactly one string. */
    Optional<Word.Str> string(Item item, String what) {
        if (item.words().size() == 1 && item.words().getFirst() instanceof Word.Str s) {
            return Optional.of(s);
        }
        diagnostics.error(ErrorCode.E015, item.span(), "expected " + what + ", found " + describe(item));
        return Optional.empty();
    }

    /** Splits a quantity's unit into the measured unit and a per-unit or per-block suffix. */
    Optional<Measured> split(Word.Quantity q) {
        Optional<BigDecimal> value = parse(q);
        if (value.isEmpty()) {
            return Optional.empty();
        }
        String unit = q.unit();
        String per = "";
        int slash = unit.lastIndexOf('/');
        if (slash >= 0) {
            String last = unit.substring(slash + 1);
            if (PER_UNIT.contains(last) || last.equals(PER_BLOCK)) {
                per = last;
                unit = unit.substring(0, slash);
            }
        }
        return Optional.of(new Measured(value.get(), unit, per, q.span()));
    }

    private Optional<BigDecimal> parse(Word.Quantity q) {
        try {
            return Optional.of(q.value());
        } catch (NumberFormatException | ArithmeticException e) {
            diagnostics.error(ErrorCode.E018, q.span(), "number " + DiagnosticRenderer.quote(q.literal()) + " is out of range",
                    "numbers have at most " + Word.Quantity.MAX_DIGITS + " digits and exponents up to "
                            + Word.Quantity.MAX_EXPONENT + " in size");
            return Optional.empty();
        }
    }

    /** A quantity as written, shortened for a message. */
    static String shown(Word.Quantity q) {
        return DiagnosticRenderer.clip(Printer.quantity(q));
    }

    /** A value in {@code dimension}'s base unit; {@code per} must be one of {@code allowedPer}. */
    OptionalDouble measure(Word.Quantity q, Dimension dimension, String what, Set<String> allowedPer) {
        Optional<Measured> m = split(q);
        if (m.isEmpty()) {
            return OptionalDouble.empty();
        }
        return measure(m.get(), dimension, what, allowedPer);
    }

    OptionalDouble measure(Measured m, Dimension dimension, String what, Set<String> allowedPer) {
        if (!allowedPer.contains(m.per())) {
            diagnostics.error(ErrorCode.E016, m.span(), "unexpected '/" + DiagnosticRenderer.clip(m.per()) + "' in " + what
                    + (allowedPer.size() > 1 ? "; expected one of " + describePer(allowedPer) : ""));
            return OptionalDouble.empty();
        }
        Optional<BigDecimal> factor = dimension.factor(m.unit());
        if (factor.isEmpty()) {
            unknownUnit(m.span(), m.unit(), what, dimension.description(), dimension.units(), "");
            return OptionalDouble.empty();
        }
        double v = m.value().multiply(factor.get()).doubleValue();
        if (Double.isInfinite(v)) {
            diagnostics.error(ErrorCode.E018, m.span(), what + " " + DiagnosticRenderer.quote(m.value().toString()) + " is too large",
                    "the largest value is about 1.8e308 in the base unit");
            return OptionalDouble.empty();
        }
        return OptionalDouble.of(v);
    }

    /**
     * Reports {@code unit} as unknown for {@code what}, or as missing when it is empty, with a
     * note that lists every unit {@code what} takes: {@code units}, then {@code more} (units
     * described in words, such as the cycles of a latency) when not empty.
     */
    void unknownUnit(Span span, String unit, String what, String description, List<String> units, String more) {
        String note = what + " is " + description + "; units: " + String.join(", ", units) + (more.isEmpty() ? "" : ", " + more);
        if (unit.isEmpty()) {
            diagnostics.error(ErrorCode.E016, span, what + " needs a unit", note);
        } else {
            diagnostics.error(ErrorCode.E016, span, "unknown unit " + DiagnosticRenderer.quote(unit) + " for " + what
                    + Suggest.hint(unit, units), note);
        }
    }

    private static String describePer(Set<String> allowed) {
        return String.join(", ", allowed.stream().sorted().map(p -> p.isEmpty() ? "(none)" : "/" + p).toList());
    }

    /** A positive measure. */
    OptionalDouble positive(Word.Quantity q, Dimension dimension, String what, Set<String> allowedPer) {
        OptionalDouble v = measure(q, dimension, what, allowedPer);
        if (v.isPresent() && !(v.getAsDouble() > 0)) {
            diagnostics.error(ErrorCode.E017, q.span(), what + " must be positive, got " + shown(q));
            return OptionalDouble.empty();
        }
        return v;
    }

    /** A whole number in {@code [min, max]}, written with an optional count suffix such as {@code K}. */
    OptionalLong count(Word.Quantity q, String what, long min, long max, Set<String> allowedPer) {
        Optional<Measured> m = split(q);
        if (m.isEmpty()) {
            return OptionalLong.empty();
        }
        if (!allowedPer.contains(m.get().per())) {
            diagnostics.error(ErrorCode.E016, q.span(), "unexpected '/" + DiagnosticRenderer.clip(m.get().per()) + "' in " + what);
            return OptionalLong.empty();
        }
        Optional<BigDecimal> factor = Dimension.COUNT.factor(m.get().unit());
        if (factor.isEmpty()) {
            diagnostics.error(ErrorCode.E016, q.span(), "unknown unit " + DiagnosticRenderer.quote(m.get().unit()) + " for " + what
                    + Suggest.hint(m.get().unit(), List.of("K", "Ki", "M", "Mi", "G", "Gi")),
                    what + " is a count; suffixes: " + Counts.SUFFIXES);
            return OptionalLong.empty();
        }
        BigDecimal v = m.get().value().multiply(factor.get());
        return wholeInRange(v, q, what, min, max);
    }

    /** A byte size, whole, in {@code [min, max]}. */
    OptionalLong bytes(Word.Quantity q, String what, long min, long max, Set<String> allowedPer) {
        Optional<Measured> m = split(q);
        if (m.isEmpty()) {
            return OptionalLong.empty();
        }
        if (!allowedPer.contains(m.get().per())) {
            diagnostics.error(ErrorCode.E016, q.span(), "unexpected '/" + DiagnosticRenderer.clip(m.get().per()) + "' in " + what
                    + "; expected one of " + describePer(allowedPer));
            return OptionalLong.empty();
        }
        Optional<BigDecimal> factor = Dimension.BYTES.factor(m.get().unit());
        if (factor.isEmpty()) {
            unknownUnit(q.span(), m.get().unit(), what, Dimension.BYTES.description(), Dimension.BYTES.units(), "");
            return OptionalLong.empty();
        }
        return wholeInRange(m.get().value().multiply(factor.get()), q, what, min, max);
    }

    private OptionalLong wholeInRange(BigDecimal v, Word.Quantity q, String what, long min, long max) {
        if (v.signum() != 0 && v.stripTrailingZeros().scale() > 0) {
            diagnostics.error(ErrorCode.E015, q.span(), what + " must be a whole number, got " + shown(q));
            return OptionalLong.empty();
        }
        long exact;
        try {
            exact = v.longValueExact();
        } catch (ArithmeticException e) {
            diagnostics.error(ErrorCode.E018, q.span(), what + " " + shown(q) + " does not fit in 64 bits");
            return OptionalLong.empty();
        }
        if (exact < min) {
            diagnostics.error(ErrorCode.E017, q.span(), what + " must be at least " + min + ", got " + shown(q));
            return OptionalLong.empty();
        }
        if (exact > max) {
            diagnostics.error(ErrorCode.E017, q.span(), what + " must be at most " + max + ", got " + shown(q)
                    + (q.unit().isEmpty() ? "" : " (" + exact + ")"));
            return OptionalLong.empty();
        }
        return OptionalLong.of(exact);
    }

    static String describe(Item item) {
        return DiagnosticRenderer.quote(Printer.itemText(item));
    }
}
