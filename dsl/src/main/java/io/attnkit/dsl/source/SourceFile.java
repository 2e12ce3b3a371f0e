package io.attnkit.dsl.source;

import java.util.Arrays;
import java.util.Objects;

/**
 * The text of one {@code .attn} input, with the line table needed to turn offsets into
 * {@code line:column} positions. Columns count Unicode code points, starting at 1.
 */
public final class SourceFile {
    private final String name;
    private final String text;
    private final int[] lineStarts;
    /** Without surrogate pairs, a column is an offset difference; with them, code points are counted. */
    private final boolean surrogates;

    public SourceFile(String name, String text) {
        this.name = Objects.requireNonNull(name, "name");
        this.text = Objects.requireNonNull(text, "text");
        this.lineStarts = computeLineStarts(text);
        this.surrogates = text.codePointCount(0, text.length()) != text.length();
    }

    private static int[] computeLineStarts(String text) {
        int[] starts = new int[16];
        int count = 0;
        starts[count++] = 0;
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) == '\n') {
                if (count == starts.length) {
                    starts = Arrays.copyOf(starts, count * 2);
                }
                starts[count++] = i + 1;
            }
        }
        return Arrays.copyOf(starts, count);
    }

    /** The name shown in diagnostics: the path as the user gave it. */
    public String name() {
        return name;
    }

    public String text() {
        return text;
    }

    public int lineCount() {
        return lineStarts.length;
    }

    /** The 1-based line holding {@code offset}. */
    public int lineOf(int offset) {
        int i = Arrays.binarySearch(lineStarts, Math.clamp(offset, 0, text.length()));
        return i >= 0 ? i + 1 : -i - 1;
    }

    /** The 1-based column, in code points, of {@code offset} on its line. */
    public int columnOf(int offset) {
        int clamped = Math.clamp(offset, 0, text.length());
        int start = lineStarts[lineOf(clamped) - 1];
        return (surrogates ? text.codePointCount(start, clamped) : clamped - start) + 1;
    }

    /** The text of a 1-based line, without its line terminator. */
    public String line(int line) {
        return text.substring(lineStart(line), lineEnd(line));
    }

    /** The offset where a 1-based line ends, before its line terminator. */
    public int lineEnd(int line) {
        int start = lineStarts[line - 1];
        int end = line < lineStarts.length ? lineStarts[line] - 1 : text.length();
        if (end > start && text.charAt(end - 1) == '\r') {
            end--;
        }
        return Math.max(start, end);
    }

    /** The offset where a 1-based line starts. */
    public int lineStart(int line) {
        return lineStarts[line - 1];
    }

    @Override
    public String toString() {
        return name;
    }
}
