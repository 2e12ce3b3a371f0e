package io.attnkit.dsl.select;

import io.attnkit.dsl.blocks.HeadMasks;
import io.attnkit.dsl.blocks.Selection;
import io.attnkit.dsl.blocks.SelectionTable;
import io.attnkit.dsl.blocks.SelectionTables;
import io.attnkit.dsl.model.KernelSpec;
import io.attnkit.dsl.model.Mask;
import io.attnkit.dsl.model.Shape;
import io.attnkit.dsl.reference.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Decides the data-dependent part of a kernel on one input: routers with weights first (which
 * pattern each KV head runs), then every selector that a (batch, head) ends up with
 * ({@code topk_blocks}, {@code xattention}, {@code nsa}). Everything is computed in float64 on Q
 * and K rounded to the kernel's storage type, exactly as {@link io.attnkit.dsl.reference
 * .ReferenceAttention} reads them; docs/selectors.md defines each algorithm.
 */
public final class Selector {
    private Selector() {
    }

    /**
     * The decisions for {@code q} ({@code [batch, heads, q_len, head_dim]}) and {@code k}
     * ({@code [batch, kv_heads, kv_len, head_dim]}). A kernel with static masks and no trained
     * router gets its static masks and {@link Selection#NONE}.
     *
     * @throws WeightsException when a router's weights file is missing, malformed or does not fit
     */
    public static Decision decide(KernelSpec kernel, Tensor q, Tensor k) throws WeightsException {
        Inputs in = Inputs.of(kernel, q, k);
        HeadMasks masks = HeadMasks.of(kernel, Router.route(kernel, in));
        Shape s = kernel.shape();
        Map<Mask, TableMaker> makers = new LinkedHashMap<>();
        Map<Mask, boolean[][]> users = new LinkedHashMap<>();
        for (int b = 0; b < s.batch(); b++) {
            for (int h = 0; h < s.heads(); h++) {
                Map<Mask, TableMaker> own = new LinkedHashMap<>();
                collect(masks.maskOf(b, h), own);
                makers.putAll(own);
                for (Mask selector : own.keySet()) {
                    users.computeIfAbsent(selector, x -> new boolean[s.batch()][s.heads()])[b][h] = true;
                }
            }
        }
        if (makers.isEmpty()) {
            return new Decision(masks, Selection.NONE);
        }
        List<SelectionTable> tables = new ArrayList<>();
        makers.forEach((selector, maker) -> tables.add(maker.make(in, users.get(selector))));
        return new Decision(masks, new SelectionTables(tables));
    }

    /** Decides one selector for the (batch, head) pairs that use it. */
    @FunctionalInterface
    private interface TableMaker {
        SelectionTable make(Inputs in, boolean[][] uses);
    }

    /** The selectors a mask holds, in reading order, each with the algorithm that decides it. */
    private static void collect(Mask mask, Map<Mask, TableMaker> out) {
        switch (mask) {
            case Mask.And a -> a.operands().forEach(m -> collect(m, out));
            case Mask.Or o -> o.operands().forEach(m -> collect(m, out));
            case Mask.Not n -> collect(n.operand(), out);
            case Mask.TopKBlocks t -> out.putIfAbsent(t, (in, uses) -> MobaSelection.select(t, in, uses));
            case Mask.XAttention x -> out.putIfAbsent(x, (in, uses) -> XAttentionSelection.select(x, in, uses));
            case Mask.Nsa n -> out.putIfAbsent(n, (in, uses) -> NsaSelection.select(n, in, uses));
            case Mask.Dense d -> { }
            case Mask.Causal c -> { }
            case Mask.Window w -> { }
            case Mask.Sink x -> { }
            case Mask.Prefix p -> { }
            case Mask.Document d -> { }
        }
    }
}
