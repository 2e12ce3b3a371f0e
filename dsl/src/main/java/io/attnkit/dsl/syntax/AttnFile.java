package io.attnkit.dsl.syntax;

import io.attnkit.dsl.source.Span;
import java.util.List;

/** The syntax tree of one {@code .attn} file, as written (nothing resolved or checked). */
public record AttnFile(List<Import> imports, List<Decl> decls, List<String> closingComments, Span span) {
    public AttnFile {
        imports = List.copyOf(imports);
        decls = List.copyOf(decls);
        closingComments = List.copyOf(closingComments);
    }

    /** {@code import "path";} */
    public record Import(String path, Comments comments, Span span) {
    }
}
