package io.attnkit.sim;

import java.util.Locale;
import java.util.Optional;

/** An option value with the spelling users type on the command line. */
public interface Spelled {
    String spelling();

    /** The constant of {@code type} spelled {@code text}, ignoring case. */
    static <E extends Enum<E> & Spelled> Optional<E> parse(Class<E> type, String text) {
        String wanted = text.toLowerCase(Locale.ROOT);
        for (E e : type.getEnumConstants()) {
            if (e.spelling().equals(wanted)) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }
}
