package io.attnkit.sim;

import java.util.Optional;

/** Which passes of training attention are simulated: the forward, the backward, or both in sequence. */
public enum Pass implements Spelled {
    FWD("fwd"),
    BWD("bwd"),
    FWD_BWD("fwd+bwd");

    private final String spelling;

    Pass(String spelling) {
        this.spelling = spelling;
    }

    @Override
    public String spelling() {
        return spelling;
    }

    public boolean forward() {
        return this != BWD;
    }

    public boolean backward() {
        return this != FWD;
    }

    public static Optional<Pass> parse(String text) {
        return Spelled.parse(Pass.class, text);
    }
}
