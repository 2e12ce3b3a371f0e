package io.attnkit.dsl.check;

import java.util.Collection;
import java.util.List;
import java.util.Optional;

/** "Did you mean" for misspelt names: the nearest by edit distance, or a name inside the other. */
final class Suggest {
    private Suggest() {
    }

    static Optional<String> closest(String word, Collection<String> candidates) {
        if (word.length() > 64) {
            return Optional.empty();
        }
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String c : candidates) {
            int d = distance(word, c);
            if (d < bestDistance) {
                best = c;
                bestDistance = d;
            }
        }
        int allowed = Math.max(1, word.length() / 3);
        if (bestDistance <= allowed) {
            return Optional.of(best);
        }
        // 'slidingwindow' for 'window', 'seq' for 'seq_len': one name inside the other
        for (String c : candidates) {
            if (c.length() >= 4 && word.contains(c) || word.length() >= 4 && c.contains(word)) {
                return Optional.of(c);
            }
        }
        return Optional.empty();
    }

    /** Names for a note, sorted, the first dozen of a long list. */
    static String list(Collection<String> names) {
        List<String> sorted = names.stream().filter(n -> !n.isEmpty()).sorted().toList();
        if (sorted.size() <= 12) {
            return String.join(", ", sorted);
        }
        return String.join(", ", sorted.subList(0, 12)) + ", ... (" + sorted.size() + " in all)";
    }

    static String hint(String word, Collection<String> candidates) {
        return closest(word, candidates).map(c -> "; did you mean '" + c + "'?").orElse("");
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
