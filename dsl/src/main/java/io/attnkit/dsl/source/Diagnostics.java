package io.attnkit.dsl.source;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Collects the diagnostics of one run. Past {@link #LIMIT} errors it records one final
 * {@link ErrorCode#E005} and ignores the rest, so that a megabyte of garbage cannot produce a
 * megabyte of messages; {@link #saturated()} lets long-running stages stop early.
 */
public final class Diagnostics {
    public static final int LIMIT = 100;

    private final List<Diagnostic> items = new ArrayList<>();
    private int errors;
    private boolean saturated;

    public void report(Diagnostic d) {
        if (saturated) {
            return;
        }
        if (d.isError() && ++errors > LIMIT) {
            saturated = true;
            items.add(Diagnostic.error(ErrorCode.E005, d.span(),
                    "too many errors (" + LIMIT + "); stopping here"));
            return;
        }
        items.add(d);
    }

    public void error(ErrorCode code, Span span, String message, String... notes) {
        report(Diagnostic.error(code, span, message, notes));
    }

    /** A finding that does not stop the file from checking. */
    public void warning(ErrorCode code, Span span, String message, String... notes) {
        report(Diagnostic.warning(code, span, message, notes));
    }

    public boolean hasErrors() {
        return errors > 0;
    }

    public int errorCount() {
        return Math.min(errors, LIMIT + 1);
    }

    public boolean saturated() {
        return saturated;
    }

    /** All diagnostics, ordered by file, then position, then the order they were found. */
    public List<Diagnostic> sorted() {
        List<Diagnostic> copy = new ArrayList<>(items);
        copy.sort(Comparator.comparing((Diagnostic d) -> d.span().isKnown() ? d.span().source().name() : "")
                .thenComparingInt(d -> d.span().start()));
        return copy;
    }

    public List<Diagnostic> all() {
        return List.copyOf(items);
    }
}
