package io.attnkit.dsl.syntax;

import io.attnkit.dsl.source.Diagnostics;
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
     * @param formatted   the canonical text, when the source parsed without error
     * @param diagnostics what kept it from being formatted (empty when formatted)
     */
    public record Result(SourceFile source, Optional<String> formatted, Diagnostics diagnostics) {
        /** True when formatting changes the text. */
        public boolean changed() {
            return formatted.isPresent() && !formatted.get().equals(source.text());
        }
    }

    public static Result format(String name, byte[] bytes) {
        Diagnostics diagnostics = new Diagnostics();
        SourceParser.Result parsed = SourceParser.parse(name, bytes, diagnostics);
        if (diagnostics.hasErrors()) {
            return new Result(parsed.source(), Optional.empty(), diagnostics);
        }
        return new Result(parsed.source(), Optional.of(Printer.print(parsed.file())), diagnostics);
    }
}
