package io.attnkit.dsl.source;

/**
 * Renders a diagnostic the way compilers do: the headline, the source line and a caret under
 * the span. The source line is made safe to print: control and bidirectional characters are
 * shown as escapes (so a terminal cannot reorder what the user reads) and very long lines are
 * cut to a window around the caret.
 */
public final class DiagnosticRenderer {
    private static final int WINDOW = 100;

    private DiagnosticRenderer() {
    }

    public static String render(Diagnostic d) {
        StringBuilder out = new StringBuilder(d.headline()).append('\n');
        Span span = d.span();
        if (span.isKnown() && span.start() <= span.source().text().length()) {
            SourceFile source = span.source();
            int line = span.line();
            String text = source.line(line);
            int lineStart = source.lineStart(line);
            int caretFrom = Math.clamp(span.start() - lineStart, 0, text.length());
            int caretTo = Math.clamp(span.end() - lineStart, caretFrom, text.length());
            int from = 0;
            int to = text.length();
            if (to - from > WINDOW) {
                from = Math.max(0, caretFrom - WINDOW / 2);
                to = Math.min(text.length(), from + WINDOW);
            }
            StringBuilder shown = new StringBuilder();
            StringBuilder caret = new StringBuilder();
            if (from > 0) {
                shown.append("...");
                caret.append("   ");
            }
            for (int i = from; i < to; ) {
                int cp = text.codePointAt(i);
                String printed = printable(cp);
                shown.append(printed);
                char mark = i >= caretFrom && (i < caretTo || (i == caretFrom && caretTo == caretFrom)) ? '^' : ' ';
                caret.append(String.valueOf(mark).repeat(printed.length()));
                i += Character.charCount(cp);
            }
            if (to < text.length()) {
                shown.append("...");
            }
            if (caretFrom >= to) {
                caret.append('^');
            }
            String gutter = String.valueOf(line);
            out.append(' ').append(gutter).append(" | ").append(shown).append('\n');
            out.append(' ').append(" ".repeat(gutter.length())).append(" | ").append(caret.toString().stripTrailing()).append('\n');
        }
        for (String note : d.notes()) {
            out.append("  = note: ").append(note).append('\n');
        }
        return out.toString();
    }

    /** A code point as it may be printed on a terminal. */
    public static String printable(int cp) {
        if (cp == '\t') {
            return " ";
        }
        if (cp < 0x20 || cp == 0x7f || Character.getType(cp) == Character.FORMAT || Character.isISOControl(cp)
                || cp == 0xFFFD || Character.isSurrogate((char) (cp & 0xFFFF)) && cp <= 0xFFFF) {
            return String.format("\\u{%04X}", cp);
        }
        return Character.toString(cp);
    }

    /** Shortens user text quoted inside a message (a 100 000-character name, say). */
    public static String quote(String s) {
        StringBuilder b = new StringBuilder();
        int n = 0;
        for (int i = 0; i < s.length() && n < 40; n++) {
            int cp = s.codePointAt(i);
            b.append(printable(cp));
            i += Character.charCount(cp);
        }
        if (s.codePointCount(0, s.length()) > 40) {
            b.append("...");
        }
        return "'" + b + "'";
    }
}
