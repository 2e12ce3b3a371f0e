package io.attnkit.codegen.java;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attnkit.codegen.BackendException;
import io.attnkit.codegen.Origin;
import io.attnkit.dsl.blocks.BlockMap;
import io.attnkit.dsl.model.DType;
import io.attnkit.dsl.model.KernelSpec;
import java.lang.reflect.Field;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.Test;

/** Block schedules: compact for the masks people use, and exactly the BlockMap once the generated class expands them. */
class BlockScheduleTest {

    private static BlockSchedule schedule(String kernelText) {
        KernelSpec k = Kernels.parse(kernelText);
        return BlockSchedule.of(KernelPlan.patternOf(k, k.staticMaskOf(0).orElseThrow()));
    }

    @Test
    void causalPrefillAt128KIsTwoSegments() {
        BlockSchedule s = schedule("kernel k { shape heads 1, q_len 128K, head_dim 128; tile q 64, kv 64; mask causal; }");
        assertEquals(2048, s.qBlocks());
        assertEquals(2, s.segments().size(), s.text(1000).getFirst());
    }

    @Test
    void slidingWindowWithSinksStaysSmall() {
        BlockSchedule s = schedule("kernel k { shape heads 1, q_len 128K, head_dim 128; tile q 128, kv 64; "
                + "mask causal; heads *: sink(128) | window(2048); }");
        assertTrue(s.segments().size() < 12, s.text(100_000).getFirst());
    }

    @Test
    void qTilesSmallerThanKvTilesStillCompress() {
        BlockSchedule s = schedule("kernel k { shape heads 1, q_len 4096, head_dim 64; tile q 32, kv 128; mask causal; }");
        assertTrue(s.segments().size() <= 128 + 2, "at most one segment per kv-block step, got " + s.segments().size());
    }

    @RepeatedTest(12)
    void theGeneratedClassExpandsItsSchedulesIntoTheBlockMap(RepetitionInfo info) throws BackendException, ReflectiveOperationException {
        KernelSpec kernel = RandomKernels.kernel(new SplittableRandom(31L * info.getCurrentRepetition()), DType.F32);
        KernelPlan plan = KernelPlan.of(kernel, "schedules");
        String source = JavaEmitter.javaFile(plan, new Origin("t.attn", "-")).toString();
        Class<?> type = InMemoryCompiler.compile(Map.of(plan.qualifiedName(), source), "", getClass().getClassLoader())
                .get(plan.qualifiedName());
        Field runs = type.getDeclaredField("RUNS");
        runs.setAccessible(true);
        int[][] tables = (int[][]) runs.get(null);
        assertEquals(plan.patterns().size(), tables.length);
        for (int p = 0; p < tables.length; p++) {
            BlockMap.Pattern expected = KernelPlan.patternOf(kernel, plan.patterns().get(p).mask());
            assertArrayEquals(RunTable.of(expected), tables[p], "pattern " + p);
        }
    }
}
