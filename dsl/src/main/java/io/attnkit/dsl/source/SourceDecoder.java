package io.attnkit.dsl.source;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Turns the bytes of an input into a {@link SourceFile}, reporting what a lexer should never
 * see: bytes that are not UTF-8 ({@link ErrorCode#E002}) and characters that are not allowed
 * anywhere in a source, comments included ({@link ErrorCode#E003}): control characters and the
 * bidirectional overrides that make source read differently than it compiles.
 */
public final class SourceDecoder {
    /** Past this many encoding errors the input is taken for binary and not lexed at all. */
    static final int MAX_ENCODING_ERRORS = 8;

    private SourceDecoder() {
    }

    /** The decoded file and the text the lexer should read (forbidden characters blanked). */
    public record Decoded(SourceFile source, String lexable, boolean binary) {
    }

    public static Decoded decode(String name, byte[] bytes, Diagnostics diagnostics) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length + 1);
        List<int[]> bad = new ArrayList<>(); // {char offset, byte value, byte offset}
        while (true) {
            CoderResult r = decoder.decode(in, out, true);
            if (r.isUnderflow()) {
                break;
            }
            if (r.isError()) {
                int at = in.position();
                bad.add(new int[] {out.position(), bytes[at] & 0xff, at});
                out.put('\uFFFD');
                in.position(at + r.length());
            } else {
                break;
            }
        }
        decoder.flush(out);
        out.flip();
        String text = out.toString();
        // A byte-order mark is tolerated, as javac does, and dropped rather than blanked: editors
        // hide it, so a column counted from it would be one off from the one the user sees.
        int dropped = startsWithByteOrderMark(bytes) ? 1 : 0;
        text = text.substring(dropped);
        SourceFile source = new SourceFile(name, text);
        for (int i = 0; i < bad.size() && i < MAX_ENCODING_ERRORS; i++) {
            int[] b = bad.get(i);
            int at = b[0] - dropped; // never the mark itself, which is valid UTF-8
            diagnostics.error(ErrorCode.E002, new Span(source, at, at + 1),
                    String.format("invalid UTF-8: byte 0x%02X at byte offset %d", b[1], b[2]));
        }
        if (bad.size() > MAX_ENCODING_ERRORS) {
            diagnostics.error(ErrorCode.E002, new Span(source, 0, 0),
                    bad.size() + " invalid UTF-8 sequences; this does not look like a text file, so it was not parsed");
            return new Decoded(source, "", true);
        }
        StringBuilder lexable = null;
        int reported = 0;
        int controls = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            String why = forbidden(c);
            if (why == null) {
                continue;
            }
            if (c != '\uFFFD') {
                if (why.equals(CONTROL)) {
                    controls++;
                }
                if (reported++ < MAX_ENCODING_ERRORS) {
                    diagnostics.error(ErrorCode.E003, new Span(source, i, i + 1),
                            String.format("%s U+%04X is not allowed in source text", why, (int) c),
                            why.equals(CONTROL) ? "only tab, line feed, carriage return and form feed may appear"
                                    : "it can make the source read differently from what it means (Trojan Source)");
                }
            }
            if (lexable == null) {
                lexable = new StringBuilder(text);
            }
            lexable.setCharAt(i, ' ');
        }
        if (controls > MAX_ENCODING_ERRORS) {
            diagnostics.error(ErrorCode.E003, new Span(source, 0, 0),
                    controls + " control characters; this does not look like a text file, so it was not parsed");
            return new Decoded(source, "", true);
        }
        if (reported > MAX_ENCODING_ERRORS) {
            diagnostics.error(ErrorCode.E003, new Span(source, 0, 0),
                    reported + " forbidden characters in all; only the first " + MAX_ENCODING_ERRORS + " are shown");
        }
        return new Decoded(source, lexable == null ? text : lexable.toString(), false);
    }

    /** The UTF-8 encoding of U+FEFF, which some editors put before the text. */
    private static final byte[] BYTE_ORDER_MARK = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};

    /** True when the input opens with a UTF-8 byte-order mark, which the decoded text leaves out. */
    public static boolean startsWithByteOrderMark(byte[] bytes) {
        return bytes.length >= BYTE_ORDER_MARK.length
                && Arrays.equals(bytes, 0, BYTE_ORDER_MARK.length, BYTE_ORDER_MARK, 0, BYTE_ORDER_MARK.length);
    }

    private static final String CONTROL = "control character";

    private static String forbidden(char c) {
        if (c == '\uFFFD') {
            return "replacement character";
        }
        if ((c >= '\u202A' && c <= '\u202E') || (c >= '\u2066' && c <= '\u2069') || c == '\u200E' || c == '\u200F'
                || c == '\u061C') {
            return "bidirectional control character";
        }
        if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f') || (c >= 0x7f && c < 0xa0)) {
            return CONTROL;
        }
        return null;
    }
}
