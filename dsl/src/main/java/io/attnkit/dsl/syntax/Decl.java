package io.attnkit.dsl.syntax;

import io.attnkit.dsl.source.Span;
import java.util.List;
import java.util.Optional;

/** A top-level declaration. */
public sealed interface Decl {
    Name name();

    Comments comments();

    /** Comments between the last statement and the closing brace. */
    List<String> closingComments();

    /** Comments after the closing brace on its line. */
    List<String> afterClose();

    Span span();

    /** The keyword that introduces this kind of declaration. */
    default String keyword() {
        return switch (this) {
            case TargetDecl t -> "target";
            case RouterDecl r -> "router";
            case KernelDecl k -> "kernel";
        };
    }

    /** {@code target NAME [extends BASE] { property* }} */
    record TargetDecl(Name name, Optional<Name> base, List<Property> properties, List<String> closingComments,
                      List<String> afterClose, Comments comments, Span span) implements Decl {
        public TargetDecl {
            properties = List.copyOf(properties);
            closingComments = List.copyOf(closingComments);
            afterClose = List.copyOf(afterClose);
        }
    }

    /** {@code router NAME { property* }} */
    record RouterDecl(Name name, List<Property> properties, List<String> closingComments, List<String> afterClose,
                      Comments comments, Span span) implements Decl {
        public RouterDecl {
            properties = List.copyOf(properties);
            closingComments = List.copyOf(closingComments);
            afterClose = List.copyOf(afterClose);
        }
    }

    /** {@code kernel NAME { statement* }} */
    record KernelDecl(Name name, List<KernelStmt> body, List<String> closingComments, List<String> afterClose,
                      Comments comments, Span span) implements Decl {
        public KernelDecl {
            body = List.copyOf(body);
            closingComments = List.copyOf(closingComments);
            afterClose = List.copyOf(afterClose);
        }
    }
}
