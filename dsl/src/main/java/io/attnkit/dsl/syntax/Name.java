package io.attnkit.dsl.syntax;

import io.attnkit.dsl.source.Span;

/** An identifier as written, with where it was written. */
public record Name(String text, Span span) {
    public static Name of(String text) {
        return new Name(text, Span.NONE);
    }

    @Override
    public String toString() {
        return text;
    }
}
