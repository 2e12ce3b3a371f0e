package io.attnkit.sim.validation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attnkit.sim.Pass;
import io.attnkit.sim.SimOptions;
import io.attnkit.sim.profile.ProfileException;
import io.attnkit.sim.validation.Validation.Row;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/** PyTorch timings from a GPU at hand against the simulator, read as tools/torch_attention_measure.py writes them. */
class MeasuredGridTest {
    private static String attention(String impl, String pass, int n, int d, boolean causal, double ms) {
        return String.format(Locale.ROOT, "{\"kind\": \"attention\", \"impl\": \"%s\", \"dtype\": \"bf16\", \"batch\": %d, "
                + "\"heads\": %d, \"n\": %d, \"d\": %d, \"causal\": %b, \"pass\": \"%s\", \"ms\": %s, \"reps\": 20}",
                impl, 16384 / n, 2048 / d, n, d, causal, pass, ms, 0);
    }

    /** The papers' FLOP count: 4 b h N^2 d forward, halved under a causal mask; 2.5 times that backward. */
    private static double ms(Published.Speed p, Pass pass) {
        double flops = 4.0 * 16384 * p.seqLen() * 2048 / (p.causal() ? 2 : 1) * (pass == Pass.BWD ? 2.5 : 1);
        return flops / (p.tflops() * 1e12) * 1e3;
    }

    @Test
    void publishedFigures_writtenAsTimings_giveTheHeldOutErrors() throws ProfileException {
        // The same configurations through both paths: held-out rows (TFLOP/s) and measured ones
        // (ms). Without a mask the papers' FLOP count is the simulator's exact one; with a causal
        // mask the exact count has the diagonal too (1/N more), so only dense rows compare exactly.
        // N = 512 and one standard row keep it short: the standard schedule is the slow one to simulate.
        List<String> lines = new ArrayList<>();
        lines.add("{\"kind\": \"device\", \"device\": \"NVIDIA H100 80GB HBM3\", \"sms\": 132}");
        lines.add("{\"kind\": \"copy\", \"bytes\": 4294967296, \"ms\": 1.5, \"reps\": 50, \"tb_per_s\": 2.86}");
        List<Published.Speed> fwd = Published.FA3_FIGURE5.stream().filter(p -> p.seqLen() == 512 && !p.causal()
                && p.method().equals("FlashAttention-2")).toList();
        List<Published.Speed> bwd = Published.FA3_BACKWARD.stream().filter(p -> p.seqLen() == 512
                && (p.method().equals("FlashAttention-2") || p.headDim() == 64)).toList();
        for (Published.Speed p : fwd) {
            lines.add(attention(p.method().equals("standard") ? "standard" : "flash", "fwd", p.seqLen(), p.headDim(), false,
                    ms(p, Pass.FWD)));
        }
        for (Published.Speed p : bwd) {
            lines.add(attention(p.method().equals("standard") ? "standard" : "flash", "bwd", p.seqLen(), p.headDim(), false,
                    ms(p, Pass.BWD)));
        }
        lines.add("{\"kind\": \"attention\", \"impl\": \"standard\", \"dtype\": \"bf16\", \"batch\": 1, \"heads\": 32, "
                + "\"n\": 16384, \"d\": 64, \"causal\": false, \"pass\": \"bwd\", \"error\": \"out of memory\"}");
        MeasuredGrid grid = MeasuredGrid.parse("h100.jsonl", String.join("\n", lines));
        assertEquals(fwd.size() + bwd.size(), grid.timings().size(), "the row that ran out of memory has no time");
        assertEquals("NVIDIA H100 80GB HBM3", grid.device().orElseThrow());
        assertEquals(2.86, grid.copyTbPerSecond().orElseThrow());

        List<MeasuredGrid.Compared> compared = grid.compare(Validation.target("h100-sxm"), SimOptions.defaults());
        List<Row> heldOut = new ArrayList<>(HeldOutSets.fa3Rows(fwd, Pass.FWD, 1024, SimOptions.defaults()));
        heldOut.addAll(HeldOutSets.fa3Rows(bwd, Pass.BWD, 1024, SimOptions.defaults()));
        assertEquals(heldOut.size(), compared.size());
        for (int i = 0; i < compared.size(); i++) {
            assertEquals(heldOut.get(i).label(), compared.get(i).config().label());
            assertEquals(heldOut.get(i).error(), compared.get(i).error(), 1e-9, heldOut.get(i).label());
        }
        String table = grid.markdown(Validation.target("h100-sxm"), compared);
        assertTrue(table.contains("### Measured on NVIDIA H100 80GB HBM3 (h100.jsonl), predicted for h100-sxm"), table);
        assertTrue(table.contains("| FA2 bwd d128 dense N=512 bf16 | 32 x 16 |"), table);
        assertTrue(table.contains("Standard backward: mean absolute error"), table);
    }

    @Test
    void badLinesAreNamedWithFileAndLine() {
        String good = attention("flash", "fwd", 512, 64, false, 1.0);
        assertTrue(assertThrows(ProfileException.class, () -> MeasuredGrid.parse("t.jsonl", good + "\nnot json\n"))
                .getMessage().startsWith("t.jsonl:2: malformed JSON: "));
        String truncated = good.substring(0, good.length() - 1);
        assertEquals("t.jsonl:2: malformed JSON: Unexpected end-of-input: expected close marker for Object at column "
                + (truncated.length() + 1), assertThrows(ProfileException.class,
                () -> MeasuredGrid.parse("t.jsonl", good + "\n" + truncated)).getMessage());
        String oom = good.replace("\"ms\": 1.0", "\"error\": \"out of memory\"");
        assertEquals("t.jsonl: no timed attention row (2 rows were out of memory, skipped)", assertThrows(ProfileException.class,
                () -> MeasuredGrid.parse("t.jsonl", oom + "\n" + oom)).getMessage());
        assertTrue(assertThrows(ProfileException.class, () -> MeasuredGrid.parse("t.jsonl",
                attention("flash", "fwd+bwd", 512, 64, false, 1.0))).getMessage().startsWith("t.jsonl:1: pass 'fwd+bwd'"));
        assertTrue(assertThrows(ProfileException.class, () -> MeasuredGrid.parse("t.jsonl",
                attention("flash", "fwd", 512, 96, false, 1.0))).getMessage().startsWith("t.jsonl:1: head dimension 96"));
        assertEquals("t.jsonl:1: field 'ms' must be a positive number, found the number -2.0", assertThrows(ProfileException.class,
                () -> MeasuredGrid.parse("t.jsonl", attention("standard", "bwd", 512, 64, false, -2))).getMessage());
        String huge = good.replaceFirst("\"batch\": \\d+", "\"batch\": 1").replace("\"n\": 512", "\"n\": 100000000");
        assertEquals("t.jsonl:2: shape too large: its FLOP count 4 × batch × heads × q_len × kv_len × head_dim does not fit "
                + "in 64 bits", assertThrows(ProfileException.class, () -> MeasuredGrid.parse("t.jsonl", good + "\n" + huge)).getMessage());
        assertEquals("t.jsonl: no timed attention row", assertThrows(ProfileException.class,
                () -> MeasuredGrid.parse("t.jsonl", "{\"kind\": \"device\", \"device\": \"x\"}\n")).getMessage());
        assertEquals("t.jsonl:1: unknown kind 'weather'", assertThrows(ProfileException.class,
                () -> MeasuredGrid.parse("t.jsonl", "{\"kind\": \"weather\"}")).getMessage());
    }

    /** A line that is JSON but not an object, or an object short of a field, is named with what was found. */
    @Test
    void linesThatAreNotRowsSayWhatTheyAre() {
        String good = attention("flash", "fwd", 512, 64, false, 1.0);
        String[][] cases = {
                {"[1,2,3]", "t.jsonl:2: expected a JSON object, found an array"},
                {"3", "t.jsonl:2: expected a JSON object, found the number 3"},
                {"\"x\"", "t.jsonl:2: expected a JSON object, found the string \"x\""},
                {"null", "t.jsonl:2: expected a JSON object, found null"},
                {"{\"device\": \"H100\"}", "t.jsonl:2: missing field 'kind'"},
                {"{\"kind\": 7}", "t.jsonl:2: field 'kind' must be a string, found the number 7"},
                {good.replace("\"ms\": 1.0, ", ""), "t.jsonl:2: missing field 'ms'"},
                {good.replace("\"ms\": 1.0", "\"ms\": \"1.0\""), "t.jsonl:2: field 'ms' must be a positive number, found the string \"1.0\""},
                {good.replace("\"ms\": 1.0", "\"ms\": 1e999"), "t.jsonl:2: field 'ms' must be a positive number, found a number out of range"},
                {good.replace("\"batch\": 32", "\"batch\": [32]"), "t.jsonl:2: field 'batch' must be a positive number, found an array"},
                {good.replace("\"impl\": \"flash\", ", ""), "t.jsonl:2: missing field 'impl'"},
                {"{\"kind\": \"copy\", \"tb_per_s\": null}", "t.jsonl:2: field 'tb_per_s' must be a positive number, found null"},
                {good.replace("\"causal\": false, ", ""), "t.jsonl:2: missing field 'causal'"},
                {good.replace("\"causal\": false", "\"causal\": \"yes\""), "t.jsonl:2: field 'causal' must be true or false, found the string \"yes\""},
                {good.replace("\"causal\": false", "\"causal\": \"true\""), "t.jsonl:2: field 'causal' must be true or false, found the string \"true\""},
                {good.replace("\"causal\": false", "\"causal\": 1"), "t.jsonl:2: field 'causal' must be true or false, found the number 1"}};
        for (String[] c : cases) {
            assertEquals(c[1], assertThrows(ProfileException.class, () -> MeasuredGrid.parse("t.jsonl", good + "\n" + c[0])).getMessage(), c[0]);
        }
    }
}
