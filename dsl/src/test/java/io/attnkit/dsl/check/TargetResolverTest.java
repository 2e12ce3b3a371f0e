package io.attnkit.dsl.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attnkit.dsl.model.Program;
import io.attnkit.dsl.model.TargetSpec;
import io.attnkit.dsl.source.DiagnosticRenderer;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The figures a target resolves to, where they are not written as such: defaults, and rates and
 * bandwidths given per cycle. What is refused is in {@code diagnostics/target-kinds.attn}.
 */
class TargetResolverTest {

    private static final String H100 = """
            target lab_h100 {
              backend cuda sm_90;
              sms 132;
              clock 1.83 GHz;
              tensor bf16 4096 flop/cycle/sm;
              fma f32 256 flop/cycle/sm;
              sfu 16 op/cycle/sm;
              smem 228 KiB/sm, 227 KiB/block;
              regs 64 Ki/sm;
              threads 2048/sm;
              blocks 32/sm;
              l1 256 KiB/sm, 30.92 TB/s, latency 30 cycles;
              l2 50 MiB, 12 TB/s, latency 280 cycles, ways 16;
              hbm 80 GiB, 3.35 TB/s, latency 690 cycles;
            }
            """;

    private static Program check(String text) {
        Frontend.Result r = Frontend.checkText("user.attn", text, TestLibrary.LIBRARY);
        assertTrue(r.ok() && r.diagnostics().all().isEmpty(), () -> r.diagnostics().sorted().stream()
                .map(DiagnosticRenderer::render).collect(Collectors.joining()));
        return r.program();
    }

    private static TargetSpec target(Program p, String name) {
        return p.target(name).orElseThrow();
    }

    /** NVIDIA's L1 and L2 lines are 128 B; a CPU's 64 B; memory keeps 64 B. */
    @Test
    void aGpuCacheWithoutALineHas128ByteLines() {
        Program p = check(H100);
        TargetSpec gpu = target(p, "lab_h100");
        assertEquals(128, gpu.l1().orElseThrow().lineBytes());
        assertEquals(128, gpu.l2().lineBytes());
        assertEquals(64, gpu.dram().lineBytes());
        TargetSpec cpu = target(p, "testcpu");
        assertEquals(64, cpu.l1().orElseThrow().lineBytes());
        assertEquals(64, cpu.l2().lineBytes());
    }

    @Test
    void aLineGivenIsKept() {
        Program p = check(H100 + "target small_lines extends lab_h100 { l2 50 MiB, 12 TB/s, line 32 B; }\n");
        assertEquals(32, target(p, "small_lines").l2().lineBytes());
    }

    /** A bandwidth per cycle is resolved with the units and clock the target ends up with, after 'extends'. */
    @Test
    void aBandwidthPerCycleFollowsTheClockAndTheUnitsOfTheTargetThatExtends() {
        Program p = check(H100 + """
                target per_cycle extends lab_h100 {
                  l1 256 KiB/sm, 128 B/cycle/sm, latency 30 cycles;
                  l2 50 MiB, bandwidth 5120 B/cycle;
                }
                target slower extends per_cycle {
                  sms 114;
                  clock 1.6 GHz;
                }
                """);
        assertEquals(128.0 * 132 * 1.83e9, target(p, "per_cycle").l1().orElseThrow().bytesPerSecond(), 1);
        assertEquals(5120 * 1.83e9, target(p, "per_cycle").l2().bytesPerSecond(), 1);
        TargetSpec slower = target(p, "slower");
        assertEquals(128.0 * 114 * 1.6e9, slower.l1().orElseThrow().bytesPerSecond(), 1);
        assertEquals(5120 * 1.6e9, slower.l2().bytesPerSecond(), 1);
        assertEquals(128.0, slower.l1().orElseThrow().bytesPerSecond() / slower.units() / slower.clockHz(), 1e-9);
    }

    /** A chip total inherited unchanged, with the units and clock of the base, is the base's figure exactly. */
    @Test
    void aChipTotalInheritedWithTheSameClockIsTheBasesExactly() {
        Program p = check(H100 + "target more_hbm extends lab_h100 { hbm 141 GB, 4.8 TB/s; }\n");
        assertEquals(target(p, "lab_h100").l1(), target(p, "more_hbm").l1());
        assertEquals(target(p, "lab_h100").l2(), target(p, "more_hbm").l2());
    }

    /** A CPU target's figures are measured; fitting its clock with 'extends' is not warned about. */
    @Test
    void aCpuTargetAtAnotherClockKeepsItsMeasuredBandwidthsQuietly() {
        Program p = check("""
                target probed extends testcpu { l1 48 KiB/core, 800 GB/s; }
                target slower extends probed { clock 1.5 GHz; }
                """);
        assertEquals(800e9, target(p, "slower").l1().orElseThrow().bytesPerSecond());
    }

    /** The target's own arch replaces the one it inherits, whether in 'arch' or in 'backend cuda sm_NN'. */
    @Test
    void anArchInTheBackendReplacesTheBasesArch() {
        Program p = check(H100 + """
                target ampere extends lab_h100 { backend cuda sm_80; }
                target spelt_out extends ampere { arch sm_86; }
                """);
        assertEquals("sm_80", target(p, "ampere").arch());
        assertEquals("sm_86", target(p, "spelt_out").arch());
    }

    @Test
    void realArchNamesAreAccepted() {
        for (String arch : new String[] {"sm_70", "sm_75", "sm_80", "sm_86", "sm_87", "sm_89", "sm_90", "sm_90a", "sm_100",
                "sm_100a", "sm_101", "sm_103", "sm_110", "sm_120", "sm_121a"}) {
            Program p = check(H100 + "target t extends lab_h100 { arch " + arch + "; tensor f16 4096 flop/cycle/sm; }\n");
            assertEquals(arch, target(p, "t").arch());
        }
        for (String march : new String[] {"znver3", "znver5", "sapphirerapids", "skylake-avx512", "x86-64-v3", "native",
                "neoverse-v2", "icelake-server"}) {
            Program p = check("target t extends testcpu { arch " + march + "; }\n");
            assertEquals(march, target(p, "t").arch());
        }
    }
}
