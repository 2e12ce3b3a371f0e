package io.attnkit.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.attnkit.codegen.Origin;
import io.attnkit.codegen.java.InMemoryCompiler;
import io.attnkit.codegen.java.JavaEmitter;
import io.attnkit.codegen.java.KernelPlan;
import io.attnkit.dsl.blocks.BlockMap;
import io.attnkit.dsl.check.Frontend;
import io.attnkit.dsl.model.KernelSpec;
import io.attnkit.sim.cpu.JavaKernelSchedule;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;

/**
 * The CPU model runs the work items of a Java-backend kernel in the order the generated class
 * does: the order decides which K/V panels the caches hold, so a model that ordered them its
 * own way would predict another kernel.
 */
class JavaWorkOrderTest {
    private static final String[] MASKS = {"dense", "causal", "window(37)", "sink(5) | window(20)", "prefix(30) | causal",
            "causal & !window(9)", "document(17, 40, 43)"};

    @RepeatedTest(12)
    void theModelsOrderIsTheGeneratedKernels(RepetitionInfo info) throws Exception {
        KernelSpec kernel = randomKernel(new SplittableRandom(31L * info.getCurrentRepetition()));
        int[] modelled = JavaKernelSchedule.workOrder(BlockMap.of(kernel));

        KernelPlan plan = KernelPlan.of(kernel, KernelPlan.DEFAULT_PACKAGE);
        String source = JavaEmitter.javaFile(plan, new Origin("<test>", "-")).toString();
        Class<?> type = InMemoryCompiler.compile(Map.of(plan.qualifiedName(), source), "", getClass().getClassLoader())
                .get(plan.qualifiedName());
        int s = kernel.shape().batch() * kernel.shape().heads();
        int[] headPattern = new int[s];
        for (int bh = 0; bh < s; bh++) {
            headPattern[bh] = plan.defaultPattern().orElseThrow()[bh % kernel.shape().heads()];
        }
        int[] generated = (int[]) type.getMethod("workOrder", int[].class, int[][].class).invoke(null, headPattern, new int[0][]);
        assertArrayEquals(modelled, generated, kernel.name());
    }

    /** Up to three head groups with their own masks under a kernel mask: heads of unequal cost in one launch. */
    private static KernelSpec randomKernel(SplittableRandom r) {
        int kvHeads = 1 + r.nextInt(3);
        int heads = kvHeads * (1 + r.nextInt(3));
        int len = 100 + r.nextInt(60);
        StringBuilder text = new StringBuilder("kernel k").append(r.nextInt(1000)).append(" {\n")
                .append("  shape batch ").append(1 + r.nextInt(2)).append(", heads ").append(heads)
                .append(", kv_heads ").append(kvHeads).append(", q_len ").append(len)
                .append(", head_dim 8;\n")
                .append("  tile q ").append(8 << r.nextInt(3)).append(", kv ").append(8 << r.nextInt(3)).append(";\n")
                .append("  mask ").append(r.nextBoolean() ? "causal" : "dense").append(";\n");
        int split = r.nextInt(heads + 1);
        if (split > 0 && split < heads) {
            text.append("  heads 0..").append(split - 1).append(": ").append(MASKS[r.nextInt(MASKS.length)]).append(";\n")
                    .append("  heads ").append(split).append("..").append(heads - 1).append(": ")
                    .append(MASKS[r.nextInt(MASKS.length)]).append(";\n");
        }
        String source = text.append("}\n").toString().replace("document(17, 40, 43)", documents(r, len));
        return Frontend.checkText("random.attn", source, Frontend.Library.EMPTY).kernelsOfRoot().getFirst();
    }

    private static String documents(SplittableRandom r, int len) {
        int first = 1 + r.nextInt(len - 1);
        return "document(" + first + ", " + (len - first) + ")";
    }
}
