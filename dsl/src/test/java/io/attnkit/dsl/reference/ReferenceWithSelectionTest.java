package io.attnkit.dsl.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attnkit.dsl.blocks.ElementMasks;
import io.attnkit.dsl.check.Frontend;
import io.attnkit.dsl.model.KernelSpec;
import io.attnkit.dsl.model.Mask;
import io.attnkit.dsl.model.Shape;
import io.attnkit.dsl.select.Decision;
import io.attnkit.dsl.select.NaiveSelectors;
import io.attnkit.dsl.select.Selector;
import io.attnkit.dsl.select.WeightsException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;

/**
 * The reference on data-dependent kernels equals a brute-force softmax over an explicit boolean
 * element mask, built from the language's definition with the selectors decided naively.
 */
class ReferenceWithSelectionTest {

    /** A kernel whose heads mix static masks and selectors composed with them. */
    private static KernelSpec randomKernel(SplittableRandom r) {
        int kvHeads = 1 + r.nextInt(2);
        int heads = kvHeads * (1 + r.nextInt(3));
        int kvLen = 4 + r.nextInt(40);
        int qLen = 1 + r.nextInt(kvLen + 4);
        int stride = 1 + r.nextInt(2);
        int block = stride * (1 + r.nextInt(3));
        List<String> patterns = List.of(
                "causal",
                "topk_blocks(" + (1 + r.nextInt(kvLen)) + ", 1)",
                "causal & topk_blocks(" + (1 + r.nextInt(4)) + ", 2)",
                "sink(2) | xattention(" + block + ", " + stride + ", " + (0.1 + 0.8 * r.nextDouble()) + ")",
                "causal & xattention(" + block + ", " + stride + ", 0.5)",
                "nsa(" + 2 * stride + ", " + stride + ", " + block + ", 2, " + r.nextInt(6) + ")",
                "window(3) | nsa(" + stride + ", " + stride + ", " + block + ", 1, 0)",
                "!window(2) & nsa(" + 2 * stride + ", " + stride + ", " + block + ", 2, " + r.nextInt(6) + ")");
        StringBuilder text = new StringBuilder("kernel k {\n");
        text.append("  shape batch ").append(1 + r.nextInt(2)).append(", heads ").append(heads).append(", kv_heads ")
                .append(kvHeads).append(", q_len ").append(qLen).append(", kv_len ").append(kvLen).append(", head_dim ")
                .append(1 + r.nextInt(5)).append(", v_dim ").append(1 + r.nextInt(3)).append(";\n");
        text.append("  dtype ").append(List.of("f32", "f16", "bf16").get(r.nextInt(3))).append(";\n");
        text.append("  tile q 4, kv 4;\n");
        for (int h = 0; h < heads; h++) {
            text.append("  heads ").append(h).append(": ").append(patterns.get(r.nextInt(patterns.size()))).append(";\n");
        }
        Frontend.Result result = Frontend.checkText("random.attn", text.append("}\n").toString(), Frontend.Library.EMPTY);
        assertTrue(result.ok(), () -> result.diagnostics() + "\n" + text);
        return result.kernelsOfRoot().getFirst();
    }

    private static boolean holds(Mask mask, Mask selector) {
        return switch (mask) {
            case Mask.And a -> a.operands().stream().anyMatch(m -> holds(m, selector));
            case Mask.Or o -> o.operands().stream().anyMatch(m -> holds(m, selector));
            case Mask.Not n -> holds(n.operand(), selector);
            default -> mask.equals(selector);
        };
    }

    @RepeatedTest(40)
    void referenceEqualsBruteForceOverTheExplicitMask(RepetitionInfo info) throws WeightsException {
        SplittableRandom r = new SplittableRandom(info.getCurrentRepetition());
        KernelSpec kernel = randomKernel(r);
        Shape s = kernel.shape();
        Tensor q = Tensor.random(s.batch(), s.heads(), s.qLen(), s.headDim(), r.nextLong());
        Tensor k = Tensor.random(s.batch(), s.kvHeads(), s.kvLen(), s.headDim(), r.nextLong());
        Tensor v = Tensor.random(s.batch(), s.kvHeads(), s.kvLen(), s.vDim(), r.nextLong());
        Decision decision = Selector.decide(kernel, q, k);
        ReferenceAttention.Result ref = ReferenceAttention.run(decision.masks(), decision.selection(), q, k, v);

        NaiveSelectors naive = new NaiveSelectors(s, kernel.dtype(), kernel.scale(), q, k);
        Map<Mask, boolean[][][][]> decided = new HashMap<>();
        for (int b = 0; b < s.batch(); b++) {
            for (int h = 0; h < s.heads(); h++) {
                Mask mask = decision.masks().maskOf(b, h);
                int kvh = s.kvHeadOf(h);
                for (int i = 0; i < s.qLen(); i++) {
                    final int bb = b;
                    final int hh = h;
                    final int ii = i;
                    List<Integer> visible = new ArrayList<>();
                    for (int j = 0; j < s.kvLen(); j++) {
                        final int jj = j;
                        if (ElementMasks.visible(mask, s.positionOfRow(i), j,
                                sel -> decided.computeIfAbsent(sel, x -> naiveDecisions(naive, decision, x))[bb][hh][ii][jj])) {
                            visible.add(j);
                        }
                    }
                    int row = (b * s.heads() + h) * s.qLen() + i;
                    if (visible.isEmpty()) {
                        assertEquals(Double.NEGATIVE_INFINITY, ref.lse()[row]);
                        for (int x = 0; x < s.vDim(); x++) {
                            assertEquals(0.0, ref.out(b, h, i, x));
                        }
                        continue;
                    }
                    double[] score = new double[visible.size()];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int n = 0; n < visible.size(); n++) {
                        for (int x = 0; x < s.headDim(); x++) {
                            score[n] += kernel.dtype().round(q.get(b, h, i, x)) * kernel.dtype().round(k.get(b, kvh, visible.get(n), x));
                        }
                        score[n] *= kernel.scale();
                        max = Math.max(max, score[n]);
                    }
                    double sum = 0;
                    double[] out = new double[s.vDim()];
                    for (int n = 0; n < visible.size(); n++) {
                        double p = Math.exp(score[n] - max);
                        sum += p;
                        for (int x = 0; x < s.vDim(); x++) {
                            out[x] += p * kernel.dtype().round(v.get(b, kvh, visible.get(n), x));
                        }
                    }
                    for (int x = 0; x < s.vDim(); x++) {
                        assertEquals(out[x] / sum, ref.out(b, h, i, x), 1e-12, "out " + b + " " + h + " " + i + " " + x);
                    }
                    assertEquals(max + Math.log(sum), ref.lse()[row], 1e-12);
                }
            }
        }
    }

    private static boolean[][][][] naiveDecisions(NaiveSelectors naive, Decision decision, Mask selector) {
        Shape s = decision.masks().kernel().shape();
        boolean[][] uses = new boolean[s.batch()][s.heads()];
        for (int b = 0; b < s.batch(); b++) {
            for (int h = 0; h < s.heads(); h++) {
                uses[b][h] = holds(decision.masks().maskOf(b, h), selector);
            }
        }
        return switch (selector) {
            case Mask.TopKBlocks t -> naive.moba(t);
            case Mask.XAttention x -> naive.xattention(x);
            case Mask.Nsa n -> naive.nsa(n, uses);
            default -> throw new IllegalArgumentException("not a selector: " + selector);
        };
    }
}
