package io.attnkit.dsl.blocks;

import io.attnkit.dsl.model.HeadGroup;
import io.attnkit.dsl.model.HeadGroup.HeadMode;
import io.attnkit.dsl.model.KernelSpec;
import java.util.List;
import java.util.TreeSet;

/** Which routed KV heads run their sparse pattern, per batch element. */
public interface Routing {

    boolean sparse(int batch, int kvHead);

    /** True when the decisions do not depend on the input. */
    boolean isStatic();

    /**
     * The decisions of routers with a fixed {@code sparse_ratio}: of the KV heads a routed group
     * covers, the last {@code round(ratio × n)} are sparse, for every input. Routers with
     * weights need the data and are left to {@code Router}.
     */
    static Routing fixed(KernelSpec kernel) {
        boolean[] sparse = byRatio(kernel);
        boolean isStatic = kernel.groups().stream().noneMatch(g -> g.mode() instanceof HeadMode.Routed r
                && r.router().sparseRatio().isEmpty());
        return new Routing() {
            @Override
            public boolean sparse(int batch, int kvHead) {
                if (!isStatic) {
                    throw new IllegalStateException("kernel " + kernel.name() + " routes heads with trained weights; "
                            + "route it on real inputs first");
                }
                return sparse[kvHead];
            }

            @Override
            public boolean isStatic() {
                return isStatic;
            }
        };
    }

    /**
     * Per KV head, the decision of the routers with a fixed {@code sparse_ratio}: of the KV heads
     * such a routed group covers, the last {@code round(ratio × n)} are sparse. KV heads of other
     * groups are {@code false}.
     */
    static boolean[] byRatio(KernelSpec kernel) {
        boolean[] sparse = new boolean[kernel.shape().kvHeads()];
        for (HeadGroup g : kernel.groups()) {
            if (g.mode() instanceof HeadMode.Routed r && r.router().sparseRatio().isPresent()) {
                List<Integer> kv = List.copyOf(new TreeSet<>(g.heads().stream().map(kernel.shape()::kvHeadOf).toList()));
                long n = Math.round(r.router().sparseRatio().getAsDouble() * kv.size());
                for (int i = kv.size() - (int) n; i < kv.size(); i++) {
                    sparse[kv.get(i)] = true;
                }
            }
        }
        return sparse;
    }

    /** Decisions taken on an input, {@code sparse[batch][kvHead]}. */
    static Routing of(boolean[][] sparse) {
        boolean[][] copy = new boolean[sparse.length][];
        for (int b = 0; b < sparse.length; b++) {
            copy[b] = sparse[b].clone();
        }
        return new Routing() {
            @Override
            public boolean sparse(int batch, int kvHead) {
                return copy[batch][kvHead];
            }

            @Override
            public boolean isStatic() {
                return false;
            }
        };
    }
}
