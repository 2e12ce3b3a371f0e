package io.attnkit.dsl.check;

import io.attnkit.dsl.parse.AttnLexer;
import java.util.List;
import org.antlr.v4.runtime.CharStreams;
import org.antlr.v4.runtime.Token;

/** Counts as the language writes them, for values given outside a file (a command line's). */
public final class Counts {
    /** The suffixes a count takes, for messages. */
    public static final String SUFFIXES = "K, Ki (1024), M, Mi (1024^2), G, Gi (1024^3)";

    private Counts() {
    }

    /**
     * Whether {@code text} is, token for token as the language lexes it, one number with an
     * optional count suffix ({@code 4096}, {@code 1e3}, {@code 128K}, {@code 1Mi}); whether its
     * value fits the setting it goes to is the check's to say, once it is written into a file.
     */
    public static boolean isLiteral(String text) {
        AttnLexer lexer = new AttnLexer(CharStreams.fromString(text));
        lexer.removeErrorListeners();
        List<? extends Token> tokens = lexer.getAllTokens();
        if (tokens.isEmpty() || tokens.size() > 2 || tokens.getFirst().getType() != AttnLexer.NUMBER) {
            return false;
        }
        int end = 0;
        for (Token t : tokens) { // contiguous and all of it: the lexer skips what it cannot read
            if (t.getStartIndex() != end) {
                return false;
            }
            end = t.getStopIndex() + 1;
        }
        if (end != text.length()) {
            return false;
        }
        String unit = tokens.size() == 2 ? tokens.get(1).getText() : "";
        return (tokens.size() == 1 || tokens.get(1).getType() == AttnLexer.IDENT) && Dimension.COUNT.factor(unit).isPresent();
    }
}
