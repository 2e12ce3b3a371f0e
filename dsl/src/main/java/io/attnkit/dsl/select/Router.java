package io.attnkit.dsl.select;

import io.attnkit.dsl.blocks.Routing;
import io.attnkit.dsl.model.HeadGroup;
import io.attnkit.dsl.model.HeadGroup.HeadMode;
import io.attnkit.dsl.model.KernelSpec;
import io.attnkit.dsl.model.RouterSpec;
import io.attnkit.dsl.model.Shape;
import io.attnkit.dsl.reference.Tensor;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Elastic Attention's head router (arXiv 2601.17367) with trained weights. Per batch element and
 * KV head of a routed group, the features are the mean of the first {@code m} keys followed by
 * the mean of the last {@code m} keys, {@code m = min(pool, kv_len)}, on keys rounded to the
 * kernel's type; {@link RouterWeights#score} maps them to a number, and a positive score sends
 * the KV head (with all its query heads) to the group's sparse pattern. KV heads of routers with
 * a fixed {@code sparse_ratio} keep the decision of {@link Routing#byRatio}.
 */
public final class Router {
    private Router() {
    }

    /**
     * The routing of {@code kernel} for keys {@code k} ({@code [batch, kv_heads, kv_len,
     * head_dim]}); static when no router of the kernel has weights.
     */
    public static Routing route(KernelSpec kernel, Tensor k) throws WeightsException {
        return route(kernel, Inputs.ofKeys(kernel, k));
    }

    /** The boundary features of {@code (batch, kvHead)}: {@code 2 · head_dim} numbers. */
    static double[] features(Inputs in, int pool, int batch, int kvHead) {
        int kvLen = in.shape.kvLen();
        int m = Math.min(pool, kvLen);
        double[] first = in.meanOfKeys(batch, kvHead, 0, m);
        double[] last = in.meanOfKeys(batch, kvHead, kvLen - m, kvLen);
        double[] x = new double[first.length + last.length];
        System.arraycopy(first, 0, x, 0, first.length);
        System.arraycopy(last, 0, x, first.length, last.length);
        return x;
    }

    /** The routing of {@code kernel} on this input; static when no router has weights. */
    static Routing route(KernelSpec kernel, Inputs in) throws WeightsException {
        boolean trained = kernel.groups().stream()
                .anyMatch(g -> g.mode() instanceof HeadMode.Routed r && r.router().weights().isPresent());
        if (!trained) {
            return Routing.fixed(kernel);
        }
        Shape s = kernel.shape();
        boolean[] byRatio = Routing.byRatio(kernel);
        boolean[][] sparse = new boolean[s.batch()][];
        for (int b = 0; b < s.batch(); b++) {
            sparse[b] = byRatio.clone();
        }
        Map<String, RouterWeights> loaded = new HashMap<>();
        for (HeadGroup g : kernel.groups()) {
            if (!(g.mode() instanceof HeadMode.Routed r) || r.router().weights().isEmpty()) {
                continue;
            }
            RouterSpec router = r.router();
            RouterWeights weights = loaded.get(router.name());
            if (weights == null) {
                weights = RouterWeights.load(Path.of(router.weights().get()), router, s.headDim());
                loaded.put(router.name(), weights);
            }
            int[] kvHeads = g.heads().stream().mapToInt(s::kvHeadOf).distinct().toArray();
            for (int b = 0; b < s.batch(); b++) {
                for (int kvHead : kvHeads) {
                    sparse[b][kvHead] = weights.score(features(in, router.pool(), b, kvHead)) > 0;
                }
            }
        }
        return Routing.of(sparse);
    }
}
