package io.attnkit.dsl.syntax;

import io.attnkit.dsl.source.Diagnostics;
import io.attnkit.dsl.source.SourceDecoder;
import io.attnkit.dsl.source.SourceFile;
import java.util.Optional;

/**
 * {@code attnkit fmt} as a library function: the canonical text of a source, or the reasons it
 * has none. A source with any error (syntax, encoding, forbidden characters) is not formatted:
 * the parser leaves a broken declaration out of the tree, and printing the tree would delete it.
 */
public final class Formatter {
    private Formatter() {
    }

    /**
     * @param formatted     the canonical text, when the source parsed without error; it opens
     *                      with the source's byte-order mark, if it had one
     * @param diagnostics   what kept it from being formatted (empty when formatted)
     * @param byteOrderMark the mark the source opened with ("" or U+FEFF), which its decoded
     *                      text leaves out
     */
    public record Result(SourceFile source, Optional<String> formatted, Diagnostics diagnostics, String byteOrderMark) {
        /** True when formatting changes the text; a byte-order mark is kept, so it changes nothing. */
        public boolean changed() {
            return formatted.isPresent() && !formatted.get().equals(byteOrderMark + source.text());
        }
    }

    /**
     * The canonical text of {@code bytes}. A leading byte-order mark is kept: formatting is about
     * layout, and the mark is the encoding choice of whatever tool saved the file, so
     * {@code fmt --write} neither adds nor removes one (and a file that differs from the canonical
     * layout only by its mark is not "changed").
     */
    public static Result format(String name, byte[] bytes) {
        Diagnostics diagnostics = new Diagnostics();
        SourceParser.Result parsed = SourceParser.parse(name, bytes, diagnostics);
        String mark = SourceDecoder.startsWithByteOrderMark(bytes) ? "\uFEFF" : "";
        if (diagnostics.hasErrors()) {
            return new Result(parsed.source(), Optional.empty(), diagnostics, mark);
        }
        return new Result(parsed.source(), Optional.of(mark + Printer.print(parsed.file())), diagnostics, mark);
    }
}
