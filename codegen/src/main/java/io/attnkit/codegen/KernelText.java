package io.attnkit.codegen;

import io.attnkit.dsl.blocks.BlockMapRenderer;
import io.attnkit.dsl.blocks.MaskText;
import io.attnkit.dsl.model.HeadGroup;
import io.attnkit.dsl.model.HeadGroup.HeadMode;
import io.attnkit.dsl.model.KernelSpec;
import io.attnkit.dsl.model.Mask;
import io.attnkit.dsl.model.RouterSpec;
import io.attnkit.dsl.model.Shape;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A kernel written back as {@code .attn} text, with the routers it uses (its target left out):
 * the form in which test suites carry the variants of a kernel they check.
 * {@code Frontend.checkText(name, of(k), library)} gives back a kernel equal to {@code k}.
 */
public final class KernelText {
    private KernelText() {
    }

    public static String of(KernelSpec kernel) {
        StringBuilder b = new StringBuilder();
        Map<String, RouterSpec> routers = new LinkedHashMap<>();
        for (HeadGroup g : kernel.groups()) {
            if (g.mode() instanceof HeadMode.Routed r) {
                routers.put(r.router().name(), r.router());
            }
        }
        for (RouterSpec r : routers.values()) {
            b.append("router ").append(r.name()).append(" {\n")
                    .append("    pool ").append(r.pool()).append(";\n")
                    .append("    hidden ").append(number(r.hidden())).append(";\n");
            r.weights().ifPresent(w -> b.append("    weights \"").append(w.replace("\\", "\\\\").replace("\"", "\\\"")).append("\";\n"));
            r.sparseRatio().ifPresent(x -> b.append("    sparse_ratio ").append(number(x)).append(";\n"));
            b.append("}\n\n");
        }
        Shape s = kernel.shape();
        b.append("kernel ").append(kernel.name()).append(" {\n")
                .append("    shape batch ").append(s.batch()).append(", heads ").append(s.heads())
                .append(", kv_heads ").append(s.kvHeads()).append(", q_len ").append(s.qLen())
                .append(", kv_len ").append(s.kvLen()).append(", head_dim ").append(s.headDim())
                .append(", v_dim ").append(s.vDim()).append(";\n")
                .append("    dtype ").append(kernel.dtype().spelling()).append(", accumulate ")
                .append(kernel.accumulate().spelling()).append(";\n")
                .append("    scale ").append(number(kernel.scale())).append(";\n")
                .append("    tile q ").append(kernel.tiles().q()).append(", kv ").append(kernel.tiles().kv())
                .append(", stages ").append(kernel.tiles().stages()).append(", warps ").append(kernel.tiles().warps()).append(";\n");
        if (!(kernel.mask() instanceof Mask.Dense)) {
            b.append("    mask ").append(MaskText.of(kernel.mask())).append(";\n");
        }
        for (HeadGroup g : kernel.groups()) {
            List<Integer> heads = new ArrayList<>(g.heads());
            heads.sort(null);
            b.append("    heads ").append(BlockMapRenderer.ranges(heads)).append(": ");
            switch (g.mode()) {
                case HeadMode.Fixed f -> b.append(MaskText.of(f.mask()));
                case HeadMode.Routed r -> b.append("route ").append(r.router().name()).append('(')
                        .append(MaskText.of(r.full())).append(", ").append(MaskText.of(r.sparse())).append(')');
            }
            b.append(";\n");
        }
        return b.append("}\n").toString();
    }

    /** Exact decimal text of a double (the language reads plain and scientific numbers). */
    private static String number(double x) {
        return x == Math.rint(x) && Math.abs(x) < 1e15 ? Long.toString((long) x) : Double.toString(x);
    }
}
