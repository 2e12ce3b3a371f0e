package io.attnkit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code simulate --compare}: what a real ncu export holds beside the metrics the simulation has. */
class SimulateCompareTest {
    @TempDir
    Path dir;

    private static final String HEADER = "\"ID\",\"Process ID\",\"Process Name\",\"Host Name\",\"Kernel Name\",\"Context\","
            + "\"Stream\",\"Block Size\",\"Grid Size\",\"Device\",\"CC\",\"Section Name\",\"Metric Name\",\"Metric Unit\","
            + "\"Metric Value\"";

    private static String row(int id, String kernel, String metric, String unit, double value) {
        return "\"" + id + "\",\"1\",\"harness\",\"h\",\"" + kernel + "\",\"1\",\"7\",\"(128, 1, 1)\",\"(16, 8, 1)\",\"0\","
                + "\"9.0\",\"s\",\"" + metric + "\",\"" + unit + "\",\"" + String.format(Locale.ROOT, "%.6f", value) + "\"";
    }

    private Path write(String name, String text) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, text);
        return p;
    }

    private static JsonNode json(String... args) throws IOException {
        CliRunner r = CliRunner.run(args);
        assertEquals(0, r.exitCode(), r.err());
        return new ObjectMapper().readTree(r.out());
    }

    /** A metric the simulation lacks, in a unit the reader cannot convert, does not stop the comparison. */
    @Test
    void anUnknownUnitOnAnotherMetricIsPassedOver() throws IOException {
        Path k = write("k.attn", SimulateCommandTest.CAUSAL);
        double read = json("simulate", k.toString(), "--json", "-").get("metrics").get("dram__bytes_read.sum").asDouble();
        Path profile = write("ncu.csv", String.join("\n", HEADER, row(0, "prefill", "dram__bytes_read.sum", "byte", read / 1.1),
                row(0, "prefill", "smsp__warps_eligible.avg.per_cycle_active", "foo", 0.5), ""));
        CliRunner text = CliRunner.run("simulate", k.toString(), "--compare", profile.toString());
        assertEquals(0, text.exitCode(), text.err());
        assertTrue(text.out().lines().anyMatch(l -> l.contains("dram__bytes_read.sum") && l.endsWith("+10.0%")), text.out());
        assertFalse(text.out().contains("smsp__warps_eligible"), text.out());

        Files.writeString(profile, String.join("\n", HEADER, row(0, "prefill", "dram__bytes_read.sum", "foo", read), ""));
        CliRunner refused = CliRunner.run("simulate", k.toString(), "--compare", profile.toString());
        assertEquals(1, refused.exitCode());
        assertEquals("attnkit: error: " + profile + ":2: metric dram__bytes_read.sum has unit 'foo' that this reader "
                + "does not convert; export with ncu --print-units base", refused.err().strip());
    }
    /** fwd+bwd against a profile of as many launches: totals, then each launch's figures against its counterpart's. */
    @Test
    void launchesOfTheSameCountAreComparedPairwise() throws IOException {
        Path k = write("k.attn", SimulateCommandTest.CAUSAL);
        JsonNode launches = json("simulate", k.toString(), "--pass", "fwd+bwd", "--json", "-").get("launches");
        int n = launches.size();
        assertTrue(n > 1, launches.toString());
        StringBuilder csv = new StringBuilder(HEADER).append('\n');
        for (int i = 0; i < n; i++) { // each launch's occupancy measured at half the simulated, its grid as simulated
            JsonNode m = launches.get(i).get("metrics");
            String kernel = "measured_" + launches.get(i).get("name").asText();
            csv.append(row(i, kernel, "sm__warps_active.avg.pct_of_peak_sustained_active", "%",
                    2 * m.get("sm__warps_active.avg.pct_of_peak_sustained_active").asDouble())).append('\n');
            csv.append(row(i, kernel, "launch__grid_size", "", m.get("launch__grid_size").asDouble())).append('\n');
            csv.append(row(i, kernel, "dram__bytes_read.sum", "byte", m.get("dram__bytes_read.sum").asDouble())).append('\n');
        }
        Path profile = write("ncu.csv", csv.toString());
        CliRunner text = CliRunner.run("simulate", k.toString(), "--pass", "fwd+bwd", "--compare", profile.toString());
        assertEquals(0, text.exitCode(), text.err());
        List<String> lines = text.out().lines().toList();
        int totals = lines.indexOf("  totals over the " + n + " launches");
        assertTrue(totals > 0 && lines.get(totals + 1).startsWith("    dram__bytes_read.sum "), text.out());
        String last = launches.get(n - 1).get("name").asText();
        int pair = lines.indexOf("  launch " + n + ": simulated " + last + ", measured measured_" + last + " (ID " + (n - 1) + ")");
        assertTrue(pair > totals, text.out());
        assertTrue(lines.subList(pair + 1, pair + 4).stream().anyMatch(l -> l.startsWith("    sm__warps_active.avg")
                && l.endsWith("-50.0%")), text.out());
        assertTrue(lines.subList(pair + 1, pair + 4).stream().anyMatch(l -> l.startsWith("    launch__grid_size")
                && l.endsWith("+0.0%")), text.out());
        assertFalse(text.out().contains("not compared"), text.out());

        JsonNode c = json("simulate", k.toString(), "--pass", "fwd+bwd", "--compare", profile.toString(), "--json", "-")
                .get("comparison");
        assertEquals(n, c.get("simulated_launches").asInt());
        assertEquals(List.of("dram__bytes_read.sum"), c.get("metrics").findValuesAsText("metric"));
        assertEquals(n, c.get("launches").size());
        JsonNode second = c.get("launches").get(1);
        assertEquals(2, second.get("launch").asInt());
        assertEquals(launches.get(1).get("name").asText(), second.get("simulated").asText());
        assertEquals("1", second.get("measured_id").asText());
        assertEquals(3, second.get("metrics").size());

        // one launch short: the totals alone, and one line that says why
        String shorter = csv.substring(0, csv.indexOf("\"" + (n - 1) + "\","));
        Files.writeString(profile, shorter);
        CliRunner unpaired = CliRunner.run("simulate", k.toString(), "--pass", "fwd+bwd", "--compare", profile.toString());
        assertEquals(0, unpaired.exitCode(), unpaired.err());
        assertTrue(unpaired.out().contains("  per-launch figures (rates, percentages, launch figures) not compared: "
                + "launch counts differ (" + n + " simulated vs " + (n - 1) + " measured)\n"), unpaired.out());
        assertFalse(unpaired.out().contains("launch 1:"), unpaired.out());
    }
}
