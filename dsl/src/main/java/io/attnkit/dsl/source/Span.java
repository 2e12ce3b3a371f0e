package io.attnkit.dsl.source;

/**
 * A range of characters {@code [start, end)} in a source file.
 *
 * <p>Spans are metadata, not identity: two spans are always equal, so that records holding them
 * compare by structure alone, and a model parsed from a reformatted file equals the original.
 */
public record Span(SourceFile source, int start, int end) {

    /** The span of nodes that were built by a program rather than parsed. */
    public static final Span NONE = new Span(null, 0, 0);

    public Span {
        if (start < 0 || end < start) {
            throw new IllegalArgumentException("bad span [" + start + ", " + end + ")");
        }
    }

    public boolean isKnown() {
        return source != null;
    }

    public int line() {
        return source == null ? 0 : source.lineOf(start);
    }

    public int column() {
        return source == null ? 0 : source.columnOf(start);
    }

    /** The smallest span covering this one and {@code other}. */
    public Span to(Span other) {
        if (source == null) {
            return other;
        }
        if (other.source == null || other.source != source) {
            return this;
        }
        return new Span(source, Math.min(start, other.start), Math.max(end, other.end));
    }

    /** {@code file:line:col}, or {@code <generated>} for programmatic nodes. */
    public String location() {
        return source == null ? "<generated>" : source.name() + ":" + line() + ":" + column();
    }

    public String text() {
        return source == null ? "" : source.text().substring(start, Math.min(end, source.text().length()));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Span;
    }

    @Override
    public int hashCode() {
        return 0;
    }

    @Override
    public String toString() {
        return location();
    }
}
