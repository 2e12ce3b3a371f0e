package io.attnkit.dsl.source;

/**
 * Renders a diagnostic the way compilers do: the headline, the source line and a caret under
 * the span, then the notes. The source line is made safe to print: control, format and
 * bidirectional characters are shown as escapes (so a terminal cannot reorder what the user
 * reads), and a long line is cut to a window around the caret, so that a 10 MB line costs no
 * more than a short one.
 */
public final class DiagnosticRenderer {
    /** The most columns of source shown. */
    static final int WINDOW = 100;
    /** Columns of context kept left of the caret when the line is cut. */
    static final int LEFT_CONTEXT = 40;

    private DiagnosticRenderer() {
    }

    public static String render(Diagnostic d) {
        StringBuilder out = new StringBuilder(d.headline()).append('\n');
        Span span = d.span();
        if (span.isKnown() && span.start() <= span.source().text().length()) {
            sourceLine(out, span);
        }
        for (String note : d.notes()) {
            out.append("  = note: ").append(note).append('\n');
        }
        return out.toString();
    }

    private static void sourceLine(StringBuilder out, Span span) {
        SourceFile source = span.source();
        String text = source.text();
        int line = span.line();
        int lineStart = source.lineStart(line);
        int lineEnd = source.lineEnd(line);
        int caretFrom = Math.clamp(span.start(), lineStart, lineEnd);
        int caretTo = Math.clamp(span.end(), caretFrom, lineEnd);

        int from = caretFrom;
        for (int width = 0; from > lineStart; ) {
            int cp = text.codePointBefore(from);
            width += printable(cp).length();
            if (width > LEFT_CONTEXT && lineEnd - lineStart > WINDOW) {
                break;
            }
            from -= Character.charCount(cp);
        }
        StringBuilder shown = new StringBuilder();
        StringBuilder caret = new StringBuilder();
        if (from > lineStart) {
            shown.append("...");
            caret.append("   ");
        }
        int to = from;
        while (to < lineEnd && shown.length() < WINDOW) {
            int cp = text.codePointAt(to);
            String printed = printable(cp);
            shown.append(printed);
            boolean marked = to >= caretFrom && (to < caretTo || to == caretFrom && caretTo == caretFrom);
            caret.append(String.valueOf(marked ? '^' : ' ').repeat(printed.length()));
            to += Character.charCount(cp);
        }
        if (to < lineEnd) {
            shown.append("...");
        }
        if (caretFrom >= to) {
            caret.append('^'); // the span starts at the end of the line (or of the window)
        }
        String gutter = String.valueOf(line);
        out.append(' ').append(gutter).append(" | ").append(shown).append('\n');
        out.append(' ').append(" ".repeat(gutter.length())).append(" | ").append(caret.toString().stripTrailing()).append('\n');
    }

    /** A code point as it may be printed on a terminal: tabs as one space, invisible characters as escapes. */
    public static String printable(int cp) {
        if (cp == '\t') {
            return " ";
        }
        int type = Character.getType(cp);
        if (cp < 0x20 || cp == 0x7f || Character.isISOControl(cp) || type == Character.FORMAT
                || type == Character.SURROGATE || type == Character.UNASSIGNED || type == Character.LINE_SEPARATOR
                || type == Character.PARAGRAPH_SEPARATOR || type == Character.PRIVATE_USE || cp == 0xFFFD) {
            return String.format("\\u{%04X}", cp);
        }
        return Character.toString(cp);
    }

    /** User text quoted inside a message, made printable and shortened (a 100 000-character name, say). */
    public static String quote(String s) {
        return "'" + clip(s) + "'";
    }

    /** User text made printable and cut to 40 code points, for a message. */
    public static String clip(String s) {
        return clip(s, 40);
    }

    /** User text made printable and cut to {@code max} code points. */
    public static String clip(String s, int max) {
        StringBuilder b = new StringBuilder();
        int n = 0;
        int i = 0;
        for (; i < s.length() && n < max; n++) {
            int cp = s.codePointAt(i);
            b.append(printable(cp));
            i += Character.charCount(cp);
        }
        if (i < s.length()) {
            b.append("...");
        }
        return b.toString();
    }
}
