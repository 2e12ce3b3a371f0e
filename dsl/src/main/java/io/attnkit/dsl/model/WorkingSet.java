package io.attnkit.dsl.model;

import java.util.List;
import java.util.stream.Collectors;

/**
 * The on-chip bytes one tile program holds: the Q tile, {@code stages} K and V tiles, the score
 * tile S, the output accumulator O and the running max and sum of the online softmax. Q, K and
 * V are in the storage type; S, O, m and l in the accumulation type. Checked against a target's
 * shared memory (E030) and used by the simulator for occupancy.
 */
public record WorkingSet(List<Part> parts) {

    /** One buffer: a product of factors, each with a name for the explanation. */
    public record Part(String name, long count, long rows, long cols, int bytes) {
        public long total() {
            return Math.multiplyExact(Math.multiplyExact(Math.multiplyExact(count, rows), cols), bytes);
        }

        String formula() {
            return (count == 1 ? "" : count + "×") + rows + (cols == 1 ? "" : "×" + cols) + "×" + bytes + " B";
        }
    }

    public static WorkingSet of(Shape shape, DType dtype, DType accumulate, Tiles tiles) {
        int d = shape.headDim();
        int dv = shape.vDim();
        return new WorkingSet(List.of(
                new Part("Q", 1, tiles.q(), d, dtype.bytes()),
                new Part("K", tiles.stages(), tiles.kv(), d, dtype.bytes()),
                new Part("V", tiles.stages(), tiles.kv(), dv, dtype.bytes()),
                new Part("S", 1, tiles.q(), tiles.kv(), accumulate.bytes()),
                new Part("O", 1, tiles.q(), dv, accumulate.bytes()),
                new Part("m,l", 2, tiles.q(), 1, accumulate.bytes())));
    }

    public long bytes() {
        return parts.stream().mapToLong(Part::total).reduce(0, Math::addExact);
    }

    /** "Q 128×128×2 B + K 2×64×128×2 B + ... = 193 KiB" */
    public String explain() {
        return parts.stream().map(p -> p.name() + " " + p.formula()).collect(Collectors.joining(" + "))
                + " = " + parts.stream().map(p -> human(p.total())).collect(Collectors.joining(" + "))
                + " = " + human(bytes());
    }

    /** Bytes in the largest binary unit that keeps the figure at or above 1, without losing precision needlessly. */
    public static String human(long bytes) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        double v = bytes;
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        String number = v == Math.rint(v) ? String.valueOf((long) v) : String.format(java.util.Locale.ROOT, "%.1f", v);
        return number + " " + units[u];
    }
}
