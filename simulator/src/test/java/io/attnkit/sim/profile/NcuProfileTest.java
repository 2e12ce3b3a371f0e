package io.attnkit.sim.profile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Nsight Compute's CSV exports, as ncu prints them after the profiled program's own output. */
class NcuProfileTest {
    private static final String HEADER = "\"ID\",\"Process ID\",\"Process Name\",\"Host Name\",\"Kernel Name\",\"Context\","
            + "\"Stream\",\"Block Size\",\"Grid Size\",\"Device\",\"CC\",\"Section Name\",\"Metric Name\",\"Metric Unit\",\"Metric Value\"";

    private static String row(int id, String kernel, String metric, String unit, String value) {
        return "\"" + id + "\",\"4242\",\"harness\",\"127.0.0.1\",\"" + kernel + "\",\"1\",\"7\",\"(128, 1, 1)\",\"(64, 16, 64)\","
                + "\"0\",\"9.0\",\"Command line profiler metrics\",\"" + metric + "\",\"" + unit + "\",\"" + value + "\"";
    }

    @Test
    void readsTheDefaultLayoutAfterTheProgramsOutputInBaseUnits() throws ProfileException {
        String text = String.join("\n",
                "==PROF== Connected to process 4242 (harness)",
                "check: skipped, random inputs (tiles only)",
                "==PROF== Profiling \"attn_fwd\" - 0: 0%....50%....100% - 3 passes",
                HEADER,
                row(0, "attn_fwd(const __half *, ...)", "dram__bytes_read.sum", "byte", "381,927,610"),
                row(0, "attn_fwd(const __half *, ...)", "dram__bytes_write.sum", "Mbyte", "138.41"),
                row(0, "attn_fwd(const __half *, ...)", "gpu__time_duration.sum", "usecond", "511.5"),
                row(0, "attn_fwd(const __half *, ...)", "sm__cycles_elapsed.avg", "cycle", "935,327.5"),
                row(1, "softmax_kernel", "dram__bytes_read.sum", "Gbyte", "1.5"),
                row(1, "softmax_kernel", "gpu__time_duration.sum", "nsecond", "2,048"),
                row(1, "softmax_kernel", "lts__t_sector_hit_rate.pct", "%", "n/a"),
                "time: 0.5115 ms per launch (1 launches), 269.00 TFLOP/s",
                "PASS", "");
        NcuProfile p = NcuProfile.parse("ncu.csv", text);
        assertEquals(2, p.launches().size());
        NcuProfile.Launch first = p.launches().get(0);
        assertEquals("attn_fwd(const __half *, ...)", first.kernel(), "quoted commas stay in the name");
        assertEquals(381_927_610, first.metrics().get("dram__bytes_read.sum"));
        assertEquals(138.41e6, first.metrics().get("dram__bytes_write.sum"), 1e-3);
        assertEquals(511_500, first.metrics().get("gpu__time_duration.sum"), 1e-6, "time in nanoseconds");
        assertEquals(935_327.5, first.metrics().get("sm__cycles_elapsed.avg"));
        NcuProfile.Launch second = p.launches().get(1);
        assertEquals(1.5e9, second.metrics().get("dram__bytes_read.sum"));
        assertEquals(2048, second.metrics().get("gpu__time_duration.sum"));
        assertFalse(second.metrics().containsKey("lts__t_sector_hit_rate.pct"), "n/a is no number");
    }

    /** What ncu prints where it has no number is kept as not measured, never as NaN or a crash. */
    @Test
    void valuesWithoutANumberAreNotMeasured() throws ProfileException {
        NcuProfile p = NcuProfile.parse("ncu.csv", String.join("\n", HEADER,
                row(0, "attn", "dram__bytes_read.sum", "byte", "1,234,567"),
                row(0, "attn", "dram__bytes_write.sum", "byte", "n/a"),
                row(0, "attn", "lts__t_bytes.sum", "byte", "NaN"),
                row(0, "attn", "gpu__time_duration.sum", "nsecond", ""),
                row(0, "attn", "sm__cycles_elapsed.avg", "cycle", "-nan"),
                row(0, "attn", "lts__t_sector_hit_rate.pct", "%", "inf")));
        NcuProfile.Launch launch = p.launches().getFirst();
        assertEquals(java.util.Map.of("dram__bytes_read.sum", 1_234_567.0), launch.metrics());
        assertEquals(java.util.List.of("dram__bytes_write.sum", "lts__t_bytes.sum", "gpu__time_duration.sum",
                "sm__cycles_elapsed.avg", "lts__t_sector_hit_rate.pct"), java.util.List.copyOf(launch.unmeasured()));
    }

    /** Only plain decimal numbers are read; what parseDouble would bend into one is refused, not guessed at. */
    @Test
    void malformedNumbersAreRefusedWithFileLineAndMetric() throws ProfileException {
        for (String bad : new String[] {"1.2.3", "abc", "0x1p3", "5d", "1,5", "12,34", "1234,567", ",123", "1,234,", "1e", "."}) {
            ProfileException e = assertThrows(ProfileException.class,
                    () -> NcuProfile.parse("p.csv", HEADER + "\n" + row(0, "k", "dram__bytes_read.sum", "byte", bad)), bad);
            assertEquals("p.csv:2: metric dram__bytes_read.sum is not a number (" + bad + ")", e.getMessage());
        }
        String[][] good = {{"1,048,576", "1048576"}, {"12,345.5", "12345.5"}, {"4.0e-02", "0.04"}, {".5", "0.5"},
                {"7.", "7"}, {"+3E2", "300"}, {" 42 ", "42"}};
        for (String[] g : good) {
            NcuProfile p = NcuProfile.parse("p.csv", HEADER + "\n" + row(0, "k", "dram__bytes_read.sum", "byte", g[0]));
            assertEquals(Double.parseDouble(g[1]), p.launches().getFirst().metrics().get("dram__bytes_read.sum"), 1e-12, g[0]);
        }
    }

    /** A byte order mark before the header (as Windows tools save UTF-8) is not part of it. */
    @Test
    void aLeadingByteOrderMarkIsSkipped(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("bom.csv");
        Files.write(file, ("\uFEFF" + HEADER + "\n" + row(0, "k", "dram__bytes_read.sum", "byte", "3") + "\n")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8));
        NcuProfile p = NcuProfile.read(file);
        assertEquals(3, p.launches().getFirst().metrics().get("dram__bytes_read.sum"));
    }

    @Test
    void readsTheRawLayoutWithItsRowOfUnits() throws ProfileException {
        String text = String.join("\n",
                "\"ID\",\"Process ID\",\"Process Name\",\"Host Name\",\"Kernel Name\",\"Context\",\"Stream\",\"Block Size\","
                        + "\"Grid Size\",\"Device\",\"CC\",\"dram__bytes_read.sum\",\"dram__bytes_write.sum\",\"gpu__time_duration.sum\"",
                "\"\",\"\",\"\",\"\",\"\",\"\",\"\",\"\",\"\",\"\",\"\",\"byte\",\"Kbyte\",\"msecond\"",
                "\"0\",\"1\",\"python\",\"h\",\"ampere_fp16_gemm\",\"1\",\"7\",\"(256, 1, 1)\",\"(5, 20, 1)\",\"0\",\"8.0\","
                        + "\"10,240,000\",\"2.5\",\"4.0e-02\"",
                "\"1\",\"1\",\"python\",\"h\",\"softmax\",\"1\",\"7\",\"(1024, 1, 1)\",\"(80, 1, 1)\",\"0\",\"8.0\","
                        + "\"5,120,000\",\"1\",\"0.02\"");
        NcuProfile p = NcuProfile.parse("raw.csv", text);
        assertEquals(2, p.launches().size());
        assertEquals("softmax", p.launches().get(1).kernel());
        assertEquals(10_240_000, p.launches().get(0).metrics().get("dram__bytes_read.sum"));
        assertEquals(2500, p.launches().get(0).metrics().get("dram__bytes_write.sum"));
        assertEquals(40_000, p.launches().get(0).metrics().get("gpu__time_duration.sum"), 1e-6);
        assertEquals(20_000, p.launches().get(1).metrics().get("gpu__time_duration.sum"), 1e-6);
    }

    /** Without its row of units, the raw layout's first launch is not read as units. */
    @Test
    void aRawExportWithoutItsRowOfUnitsIsRefusedClearly() {
        String header = "\"ID\",\"Kernel Name\",\"CC\",\"dram__bytes_read.sum\",\"gpu__time_duration.sum\"";
        ProfileException e = assertThrows(ProfileException.class, () -> NcuProfile.parse("raw.csv", String.join("\n",
                "program output", header, "\"0\",\"k\",\"9.0\",\"100.1\",\"1,400.5\"")));
        assertTrue(e.getMessage().startsWith("raw.csv:3: no row of units under the header"), e.getMessage());
        ProfileException two = assertThrows(ProfileException.class, () -> NcuProfile.parse("raw.csv", String.join("\n",
                header, "\"0\",\"k\",\"9.0\",\"n/a\",\"1\"", "\"1\",\"k\",\"9.0\",\"3\",\"4\"")));
        assertTrue(two.getMessage().startsWith("raw.csv:2: no row of units under the header"), two.getMessage());
    }

    @Test
    void badExportsAreNamedWithFileAndLine(@TempDir Path dir) throws Exception {
        ProfileException none = assertThrows(ProfileException.class,
                () -> NcuProfile.parse("out.txt", "==PROF== Connected\nno kernels were profiled\n"));
        assertTrue(none.getMessage().startsWith("out.txt: no Nsight Compute CSV header"), none.getMessage());

        String shortRow = "\"0\",\"1\",\"x\"";
        ProfileException fields = assertThrows(ProfileException.class,
                () -> NcuProfile.parse("p.csv", "hello\n" + HEADER + "\n" + shortRow + "\n"));
        assertEquals("p.csv:3: 3 fields, the header has 15", fields.getMessage());

        ProfileException unit = assertThrows(ProfileException.class,
                () -> NcuProfile.parse("p.csv", HEADER + "\n" + row(0, "k", "dram__bytes_read.sum", "furlong", "3")));
        assertTrue(unit.getMessage().startsWith("p.csv:2: metric dram__bytes_read.sum has unit 'furlong'"), unit.getMessage());

        // Per-entity units as ncu prints them for launch figures and rates: the numerator is scaled, the denominator kept.
        NcuProfile launch = NcuProfile.parse("p.csv", String.join("\n", HEADER,
                row(0, "k", "launch__registers_per_thread", "register/thread", "168"),
                row(0, "k", "launch__shared_mem_per_block_dynamic", "Kbyte/block", "197.63"),
                row(0, "k", "dram__bytes_read.sum.per_second", "Tbyte/second", "2.5"),
                row(0, "k", "smsp__inst_executed.sum.per_second", "1/second", "7")));
        assertEquals(168, launch.launches().getFirst().metrics().get("launch__registers_per_thread"));
        assertEquals(197_630, launch.launches().getFirst().metrics().get("launch__shared_mem_per_block_dynamic"), 1e-6);
        assertEquals(2.5e12, launch.launches().getFirst().metrics().get("dram__bytes_read.sum.per_second"), 1);
        assertEquals(7, launch.launches().getFirst().metrics().get("smsp__inst_executed.sum.per_second"));
        assertThrows(ProfileException.class, () -> NcuProfile.parse("p.csv", HEADER + "\n"
                + row(0, "k", "lts__t_bytes.sum", "byte/usecond", "3")), "a prefixed denominator");

        ProfileException twice = assertThrows(ProfileException.class, () -> NcuProfile.parse("p.csv", String.join("\n", HEADER,
                row(0, "k", "dram__bytes_read.sum", "byte", "3"), row(1, "k", "dram__bytes_read.sum", "byte", "4"),
                row(0, "k", "dram__bytes_read.sum", "byte", "5"))));
        assertEquals("p.csv:4: dram__bytes_read.sum a second time for launch 0", twice.getMessage());
        ProfileException column = assertThrows(ProfileException.class, () -> NcuProfile.parse("raw.csv", String.join("\n",
                "\"ID\",\"Kernel Name\",\"CC\",\"dram__bytes_read.sum\",\"dram__bytes_read.sum\"",
                "\"\",\"\",\"\",\"byte\",\"byte\"", "\"0\",\"k\",\"8.0\",\"3\",\"4\"")));
        assertEquals("raw.csv:1: column dram__bytes_read.sum a second time", column.getMessage());

        ProfileException negative = assertThrows(ProfileException.class,
                () -> NcuProfile.parse("p.csv", HEADER + "\n" + row(0, "k", "dram__bytes_read.sum", "byte", "-3")));
        assertEquals("p.csv:2: metric dram__bytes_read.sum is negative (-3)", negative.getMessage());

        for (String[] huge : new String[][] {{"byte", "1e400"}, {"Tbyte", "1e300"}}) {
            ProfileException range = assertThrows(ProfileException.class,
                    () -> NcuProfile.parse("p.csv", HEADER + "\n" + row(0, "k", "dram__bytes_read.sum", huge[0], huge[1])));
            assertEquals("p.csv:2: metric dram__bytes_read.sum is out of range (" + huge[1] + " " + huge[0] + ")",
                    range.getMessage());
        }
        NcuProfile inf = NcuProfile.parse("p.csv", HEADER + "\n" + row(0, "k", "dram__bytes_read.sum", "byte", "inf"));
        assertTrue(inf.launches().getFirst().unmeasured().contains("dram__bytes_read.sum"), "ncu's own 'inf': no number");

        ProfileException empty = assertThrows(ProfileException.class, () -> NcuProfile.parse("p.csv", HEADER + "\n"));
        assertEquals("p.csv: the export holds no kernel launch", empty.getMessage());

        Path missing = dir.resolve("missing.csv");
        IOException absent = assertThrows(IOException.class, () -> NcuProfile.read(missing));
        assertEquals(missing + ": no such file", absent.getMessage());
        assertEquals(dir + ": is a directory", assertThrows(IOException.class, () -> NcuProfile.read(dir)).getMessage());
        Path binary = dir.resolve("binary.csv");
        Files.write(binary, new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) 0xff, 0});
        assertEquals(binary + ": not UTF-8 text", assertThrows(ProfileException.class, () -> NcuProfile.read(binary)).getMessage());

        Path file = dir.resolve("one.csv");
        Files.writeString(file, HEADER + "\n" + row(3, "k", "dram__bytes_read.sum", "byte", "7") + "\n");
        assertEquals(7, NcuProfile.read(file).launches().getFirst().metrics().get("dram__bytes_read.sum"));
        assertEquals("3", NcuProfile.read(file).launches().getFirst().id());
    }
    /**
     * A unit this reader cannot scale matters only on a metric the simulation reports; on any other
     * (ncu's sections print dozens) the metric is passed over and the rest still read.
     */
    @Test
    void anUnknownUnitOnAMetricTheSimulationLacksIsPassedOver() throws ProfileException {
        NcuProfile p = NcuProfile.parse("p.csv", String.join("\n", HEADER,
                row(0, "k", "dram__bytes_read.sum", "byte", "3"),
                row(0, "k", "smsp__warps_eligible.avg.per_cycle_active", "foo", "0.5"),
                row(0, "k", "l1tex__t_bytes.sum.per_second", "byte/usecond", "7"),
                row(1, "k2", "smsp__inst_executed.sum", "furlong", "9")));
        assertEquals(2, p.launches().size(), "a launch whose only metric is passed over is still a launch");
        assertEquals(java.util.Map.of("dram__bytes_read.sum", 3.0), p.launches().getFirst().metrics());
        assertTrue(p.launches().getFirst().unmeasured().isEmpty());
        assertTrue(p.launches().get(1).metrics().isEmpty() && p.launches().get(1).unmeasured().isEmpty());

        String raw = String.join("\n", "\"ID\",\"Kernel Name\",\"CC\",\"dram__bytes_read.sum\",\"smsp__foo.avg\"",
                "\"\",\"\",\"\",\"Kbyte\",\"foo\"", "\"0\",\"k\",\"9.0\",\"2\",\"1\"");
        NcuProfile r = NcuProfile.parse("raw.csv", raw);
        assertEquals(java.util.Map.of("dram__bytes_read.sum", 2000.0), r.launches().getFirst().metrics());

        // on a metric the simulation reports, the unit is still refused, by the line that prints it
        ProfileException e = assertThrows(ProfileException.class,
                () -> NcuProfile.parse("raw.csv", raw.replace("smsp__foo.avg", "sm__cycles_active.avg")));
        assertEquals("raw.csv:2: metric sm__cycles_active.avg has unit 'foo' that this reader does not convert; "
                + "export with ncu --print-units base", e.getMessage());
        ProfileException longLayout = assertThrows(ProfileException.class, () -> NcuProfile.parse("p.csv", String.join("\n",
                HEADER, row(0, "k", "dram__bytes_read.sum", "byte", "3"), row(0, "k", "launch__grid_size", "foo", "5"))));
        assertTrue(longLayout.getMessage().startsWith("p.csv:3: metric launch__grid_size has unit 'foo'"), longLayout.getMessage());
    }
}
