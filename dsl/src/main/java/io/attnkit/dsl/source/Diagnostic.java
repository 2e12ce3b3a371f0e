package io.attnkit.dsl.source;

import java.util.List;
import java.util.Objects;

/** One finding about the input, located by a span, with optional notes that explain it. */
public record Diagnostic(Severity severity, ErrorCode code, String message, Span span, List<String> notes) {

    public enum Severity {
        ERROR, WARNING;

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public Diagnostic {
        Objects.requireNonNull(severity, "severity");
        Objects.requireNonNull(code, "code");
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(span, "span");
        notes = List.copyOf(notes);
    }

    public static Diagnostic error(ErrorCode code, Span span, String message, String... notes) {
        return new Diagnostic(Severity.ERROR, code, message, span, List.of(notes));
    }

    public static Diagnostic warning(ErrorCode code, Span span, String message, String... notes) {
        return new Diagnostic(Severity.WARNING, code, message, span, List.of(notes));
    }

    public boolean isError() {
        return severity == Severity.ERROR;
    }

    /** {@code file:line:col: error[E012]: message}, or {@code warning[W001]} */
    public String headline() {
        return span.location() + ": " + severity.label() + "[" + code + "]: " + message;
    }
}
