package io.attnkit.targets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attnkit.dsl.check.Frontend;
import io.attnkit.dsl.model.TargetSpec;
import io.attnkit.dsl.source.DiagnosticRenderer;
import io.attnkit.dsl.source.ErrorCode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The built-in target library: it loads, checks cleanly, and is visible to every user file. */
class BuiltinTargetsTest {

    static Frontend.Result check(String name, String text) {
        return Frontend.checkText(name, text, BuiltinTargets.library());
    }

    static String rendered(Frontend.Result r) {
        return r.diagnostics().sorted().stream().map(DiagnosticRenderer::render).collect(Collectors.joining("\n"));
    }

    static Map<String, TargetSpec> builtins() {
        Frontend.Result r = check("empty.attn", "");
        assertTrue(r.diagnostics().all().isEmpty(), () -> rendered(r));
        return r.program().targets().stream().collect(Collectors.toMap(TargetSpec::name, Function.identity()));
    }

    static List<String> indexedFiles() throws IOException {
        return resource("index.txt").lines().map(String::strip).filter(s -> !s.isEmpty() && !s.startsWith("#")).toList();
    }

    @Test
    void everyBuiltinTargetChecksWithoutDiagnostics() {
        Frontend.Result r = check("empty.attn", "");
        assertTrue(r.diagnostics().all().isEmpty(), () -> rendered(r));
        assertFalse(r.program().targets().isEmpty());
    }

    @Test
    void eachIndexedFileDeclaresTheTargetItIsNamedAfter() throws IOException {
        Map<String, TargetSpec> targets = builtins();
        List<String> files = indexedFiles();
        assertEquals(files.size(), targets.size(), "one target per file: " + files + " vs " + targets.keySet());
        for (String file : files) {
            assertTrue(file.endsWith(".attn"), file);
            String name = file.substring(0, file.length() - ".attn".length());
            assertTrue(targets.containsKey(name), () -> file + " does not declare target " + name);
            assertTrue(targets.get(name).span().location().contains(file), () -> targets.get(name).span().location());
        }
    }

    @Test
    void aUserKernelNamesABuiltinTargetWithoutImport() {
        Frontend.Result r = check("user.attn", """
                kernel prefill {
                  shape batch 1, heads 8, q_len 1000, head_dim 128;
                  dtype bf16;
                  tile q 64, kv 64, stages 2;
                  mask causal;
                  target a100-40gb;
                }
                """);
        assertTrue(r.ok(), () -> rendered(r));
        assertEquals("a100-40gb", r.kernelsOfRoot().getFirst().target().orElseThrow());
    }

    @Test
    void theWorkingSetCheckUsesTheBuiltinSharedMemory() {
        // Q 256x128x2 + K,V 2x3x128x128x2 + S 256x128x4 + O 256x128x4 + m,l = 514 KiB: over any GPU's budget.
        Frontend.Result r = check("user.attn", """
                kernel too_big {
                  shape heads 8, q_len 4096, head_dim 128;
                  dtype bf16;
                  tile q 256, kv 128, stages 3;
                  target a100-40gb;
                }
                """);
        assertEquals(List.of(ErrorCode.E030), r.diagnostics().all().stream().map(d -> d.code()).toList(), rendered(r));
        assertTrue(rendered(r).contains("163 KiB of shared memory per block on a100-40gb"), rendered(r));
    }

    @Test
    void aUserTargetShadowsTheBuiltinOfTheSameName() {
        Frontend.Result r = check("user.attn", """
                target a100-40gb {
                  backend cuda; arch sm_80;
                  sms 7; clock 1 GHz;
                  tensor bf16 2048 flop/cycle/sm; fma f32 128 flop/cycle/sm; sfu 16 op/cycle/sm;
                  smem 64 KiB/sm; regs 64 Ki/sm; threads 2048/sm; blocks 32/sm;
                  l2 1 MiB, 1 TB/s; hbm 1 GiB, 100 GB/s;
                }
                kernel k {
                  shape heads 1, q_len 100, head_dim 64;
                  tile q 64, kv 64, stages 2;
                  target a100-40gb;
                }
                """);
        // The kernel's working set (112.5 KiB in f32) fits the built-in's 163 KiB but not the user's 64 KiB.
        assertEquals(List.of(ErrorCode.E030), r.diagnostics().all().stream().map(d -> d.code()).toList(), rendered(r));
        TargetSpec shadow = r.program().targets().stream().filter(t -> t.name().equals("a100-40gb")).findFirst().orElseThrow();
        assertEquals(7, shadow.units());
        assertEquals(1, r.program().targets().stream().filter(t -> t.name().equals("a100-40gb")).count());
    }

    @Test
    void aUserTargetExtendsABuiltin() {
        Frontend.Result r = check("user.attn", """
                target a100-slow-hbm extends a100-40gb {
                  hbm 40 GiB, 1 TB/s;
                }
                """);
        assertTrue(r.ok(), () -> rendered(r));
        Map<String, TargetSpec> all = r.program().targets().stream()
                .collect(Collectors.toMap(TargetSpec::name, Function.identity()));
        TargetSpec base = all.get("a100-40gb");
        TargetSpec slow = all.get("a100-slow-hbm");
        assertEquals(1e12, slow.dram().bytesPerSecond());
        assertEquals(base.units(), slow.units());
        assertEquals(base.tensorFlops(), slow.tensorFlops());
        assertEquals(base.l2(), slow.l2());
    }

    @Test
    void everyFigureOfEveryBuiltinSaysWhereItComesFrom() throws IOException {
        for (String file : indexedFiles()) {
            List<String> lines = resource(file).lines().toList();
            assertTrue(lines.stream().anyMatch(l -> l.strip().equals("// Sources:")), file + " has no '// Sources:' list");
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i).strip();
                boolean property = line.endsWith(";") && !line.startsWith("//") && !line.startsWith("backend");
                boolean commented = line.contains("//") || i > 0 && lines.get(i - 1).strip().startsWith("//");
                int number = i + 1;
                assertTrue(!property || commented, () -> file + ":" + number + " gives a figure without a source: " + line);
            }
        }
    }

    @Test
    void gpuTargetsCountSmsAndCpuTargetsCountCores() {
        Map<String, TargetSpec> targets = builtins();
        for (String gpu : List.of("a100-40gb", "a100-80gb", "h100-sxm", "h100-pcie", "h200")) {
            assertEquals(TargetSpec.Kind.GPU, targets.get(gpu).kind(), gpu);
            assertEquals(TargetSpec.Backend.CUDA, targets.get(gpu).backend(), gpu);
        }
        for (String cpu : List.of("xeon-8480", "host-epyc-2c", "host-zen5-2c")) {
            assertEquals(TargetSpec.Kind.CPU, targets.get(cpu).kind(), cpu);
            assertEquals(TargetSpec.Backend.JAVA, targets.get(cpu).backend(), cpu);
        }
        assertEquals(512, targets.get("xeon-8480").simdBits());
        assertEquals(256, targets.get("host-epyc-2c").simdBits());
        assertEquals(512, targets.get("host-zen5-2c").simdBits());
    }

    static String resource(String file) throws IOException {
        try (InputStream in = BuiltinTargets.class.getResourceAsStream(file)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
