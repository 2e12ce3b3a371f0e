package io.attnkit.dsl.syntax;

import io.attnkit.dsl.parse.AttnLexer;
import io.attnkit.dsl.parse.AttnParser;
import io.attnkit.dsl.source.Diagnostics;
import io.attnkit.dsl.source.ErrorCode;
import io.attnkit.dsl.source.SourceDecoder;
import io.attnkit.dsl.source.SourceFile;
import io.attnkit.dsl.source.Span;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.antlr.v4.runtime.BailErrorStrategy;
import org.antlr.v4.runtime.CharStreams;
import org.antlr.v4.runtime.CommonTokenStream;
import org.antlr.v4.runtime.Token;
import org.antlr.v4.runtime.atn.PredictionMode;
import org.antlr.v4.runtime.misc.ParseCancellationException;

/**
 * Reads one {@code .attn} source into its syntax tree. Whatever the bytes, it returns normally:
 * problems become diagnostics. Declarations that contain syntax errors are left out of the tree
 * (their names are kept, so that later stages do not report them as undefined).
 */
public final class SourceParser {
    /** Deepest nesting of parentheses, and longest run of {@code !}, that a mask may have. */
    public static final int MAX_NESTING = 64;

    private static final long PARSER_STACK_BYTES = 256L << 20;

    private SourceParser() {
    }

    /** A parsed file; {@code broken} names the declarations left out for syntax errors. */
    public record Result(SourceFile source, AttnFile file, Set<Broken> broken) {
        public Result {
            broken = Set.copyOf(broken);
        }

        /** The names of the declarations left out, of any kind. */
        public Set<String> brokenDecls() {
            return broken.stream().map(Broken::name).collect(java.util.stream.Collectors.toUnmodifiableSet());
        }

        /** The names of the declarations of one kind ({@code "target"}, {@code "router"}, {@code "kernel"}) left out. */
        public Set<String> broken(String keyword) {
            return broken.stream().filter(b -> b.keyword().equals(keyword)).map(Broken::name)
                    .collect(java.util.stream.Collectors.toUnmodifiableSet());
        }
    }

    /** A declaration left out of the tree for a syntax error: its kind and name are still known. */
    public record Broken(String keyword, String name) {
    }

    public static Result parse(String name, byte[] bytes, Diagnostics diagnostics) {
        SourceDecoder.Decoded decoded = SourceDecoder.decode(name, bytes, diagnostics);
        if (decoded.binary()) {
            return empty(decoded.source());
        }
        return parse(decoded.source(), decoded.lexable(), diagnostics);
    }

    public static Result parse(SourceFile source, Diagnostics diagnostics) {
        return parse(source, source.text(), diagnostics);
    }

    private static Result parse(SourceFile source, String lexable, Diagnostics diagnostics) {
        // ANTLR's prediction recurses on nested input; a large private stack keeps pathological
        // (but bounded, see checkNesting) inputs from overflowing the caller's stack.
        AtomicReference<Result> result = new AtomicReference<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread worker = Thread.ofPlatform().name("attn-parser").stackSize(PARSER_STACK_BYTES).unstarted(() -> {
            try {
                result.set(parseOnThisThread(source, lexable, diagnostics));
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        worker.start();
        try {
            worker.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while parsing " + source.name(), e);
        }
        if (failure.get() instanceof StackOverflowError) {
            diagnostics.error(ErrorCode.E004, new Span(source, 0, 0), "input nested too deeply to parse");
            return empty(source);
        }
        if (failure.get() != null) {
            throw new IllegalStateException("parser failed on " + source.name(), failure.get());
        }
        return result.get();
    }

    private static Result empty(SourceFile source) {
        return new Result(source, new AttnFile(List.of(), List.of(), List.of(), new Span(source, 0, 0)), Set.of());
    }

    private static Result parseOnThisThread(SourceFile source, String lexable, Diagnostics diagnostics) {
        OffsetMap offsets = OffsetMap.of(lexable);
        SyntaxErrorListener listener = new SyntaxErrorListener(source, offsets, diagnostics);
        AttnLexer lexer = new AttnLexer(CharStreams.fromString(lexable, source.name()));
        lexer.removeErrorListeners();
        lexer.addErrorListener(listener);
        CommonTokenStream tokens = new CommonTokenStream(lexer);
        try {
            tokens.fill();
            listener.unterminated(tokens.getTokens());
        } catch (ParseCancellationException stop) {
            return empty(source);
        }
        if (!checkNesting(tokens.getTokens(), source, offsets, diagnostics)) {
            return empty(source);
        }
        try {
            return parseDeclarations(source, tokens, offsets, listener);
        } catch (ParseCancellationException stop) {
            return empty(source); // the diagnostic limit was reached
        }
    }

    /**
     * Parses one declaration at a time, so that each parse tree is garbage as soon as its syntax
     * tree is built (a 10 MB file's whole parse tree costs more in garbage collection than the
     * parse itself), in two stages: SLL prediction without recovery, about twice as fast as full
     * LL and exact whenever it succeeds; and, for a declaration where it fails, full LL with
     * error recovery and reporting. Text between declarations that starts none is reported once
     * and skipped.
     */
    private static Result parseDeclarations(SourceFile source, CommonTokenStream tokens, OffsetMap offsets,
                                            SyntaxErrorListener listener) {
        AttnParser fast = new AttnParser(tokens);
        fast.removeErrorListeners();
        fast.setErrorHandler(new BailErrorStrategy());
        fast.getInterpreter().setPredictionMode(PredictionMode.SLL);
        AttnParser careful = new AttnParser(tokens);
        careful.removeErrorListeners();
        careful.addErrorListener(listener);
        careful.setErrorHandler(new StatementRecovery());
        TreeBuilder builder = new TreeBuilder(source, tokens, offsets, listener::errorOffsets);
        boolean declarations = false;
        while (true) {
            int next = tokens.LA(1);
            if (next == Token.EOF) {
                return builder.finish();
            } else if (next == AttnLexer.IMPORT && declarations) {
                listener.misplacedImport(tokens.LT(1));
                careful.getErrorHandler().reset(careful);
                careful.importDecl(); // read past it; it is not loaded
            } else if (next == AttnLexer.IMPORT) {
                int start = tokens.index();
                try {
                    builder.add(fast.importDecl(), false);
                } catch (ParseCancellationException e) {
                    tokens.seek(start);
                    careful.getErrorHandler().reset(careful);
                    builder.add(careful.importDecl(), true);
                }
            } else if (next == AttnLexer.TARGET || next == AttnLexer.ROUTER || next == AttnLexer.KERNEL) {
                declarations = true;
                int start = tokens.index();
                try {
                    builder.add(fast.decl(), false);
                } catch (ParseCancellationException e) {
                    tokens.seek(start);
                    careful.getErrorHandler().reset(careful);
                    builder.add(careful.decl(), true);
                }
            } else {
                listener.unexpectedAtTopLevel(tokens.LT(1));
                do {
                    tokens.consume();
                    next = tokens.LA(1);
                } while (next != Token.EOF && next != AttnLexer.IMPORT && next != AttnLexer.TARGET
                        && next != AttnLexer.ROUTER && next != AttnLexer.KERNEL);
            }
        }
    }

    /** Rejects nesting that would make any recursive stage (ours or ANTLR's) run out of stack. */
    private static boolean checkNesting(List<Token> tokens, SourceFile source, OffsetMap offsets,
                                        Diagnostics diagnostics) {
        int parens = 0;
        int nots = 0;
        for (Token t : tokens) {
            if (t.getType() == AttnLexer.LPAREN) {
                parens++;
            } else if (t.getType() == AttnLexer.RPAREN) {
                parens = Math.max(0, parens - 1);
            }
            nots = t.getType() == AttnLexer.NOT ? nots + 1 : 0;
            if (parens > MAX_NESTING || nots > MAX_NESTING) {
                int at = offsets.charOffset(t.getStartIndex());
                diagnostics.error(ErrorCode.E004, new Span(source, at, at + 1),
                        "mask nested more than " + MAX_NESTING + " levels deep",
                        "simplify the expression; " + MAX_NESTING + " levels of parentheses or '!' are allowed");
                return false;
            }
        }
        return true;
    }
}
