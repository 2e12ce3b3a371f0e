package io.attnkit.sim.validation;

import io.attnkit.sim.validation.Validation.Report;
import io.attnkit.sim.validation.Validation.Row;
import io.attnkit.sim.validation.Validation.Slope;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/** The validation report as Markdown tables: predicted, published, error. */
public final class ValidationTables {
    private ValidationTables() {
    }

    public static String markdown(Report r) {
        StringBuilder b = new StringBuilder();
        b.append("### FlashAttention Table 18: forward time on A100 40GB (fp16, batch 16, 8 heads, d 64)\n\n");
        b.append("| N | flash1 predicted (ms) | published (ms) | error | flash (FA2) predicted (ms) | FA2 / FA1 speedup |\n");
        b.append("|---:|---:|---:|---:|---:|---:|\n");
        for (int i = 0; i < r.table18().size(); i++) {
            Row fa1 = r.table18().get(i);
            Row fa2 = r.table18Fa2().get(i);
            b.append(f("| %s | %.2f | %.2f | %+.1f%% | %.2f | %.2fx |\n", fa1.label().substring(4), fa1.predicted(),
                    fa1.published(), 100 * fa1.error(), fa2.predicted(), fa1.predicted() / fa2.predicted()));
        }
        b.append(f("\nMean absolute error (flash1): %.1f%%; rows within 15%%: %d of %d.\n\n", 100 * meanAbs(r.table18()),
                within(r.table18(), 0.15), r.table18().size()));

        Validation.Traffic t = r.figure2();
        b.append("### FlashAttention Figure 2: GPT-2 medium, forward + backward (A100 40GB, N 1024, d 64, 16 heads, batch 64, "
                + "causal, fp16)\n\n");
        b.append("| quantity | predicted | published | error |\n|---|---:|---:|---:|\n");
        for (Row row : t.rows()) {
            b.append(f("| %s | %.2f | %.2f | %+.1f%% |\n", row.label(), row.predicted(), row.published(), 100 * row.error()));
        }
        b.append("\nOther variants, predicted, forward + backward (requests: bytes between the SMs and the L2, before the cache):"
                + "\n\n| variant | HBM (GB) | L2 requests (GB) | runtime (ms) |\n|---|---:|---:|---:|\n");
        for (Validation.Measured m : List.of(t.standard(), t.standardNoDropout(), t.flash1(), t.flash1Dropout(), t.flash())) {
            b.append(f("| %s | %.2f | %.2f | %.2f |\n", m.label(), m.bytes() / 1e9, m.requestBytes() / 1e9, m.seconds() * 1e3));
        }
        b.append(f("\nRatio of HBM traffic, standard over FlashAttention-1: %.2f against %.2f published (%+.1f%%).\n\n",
                t.ratio(), t.ratioRow().published(), 100 * t.ratioRow().error()));

        b.append("### FlashAttention Theorem 2: bytes between SMs and memory, fitted power laws\n\n");
        b.append("| fit | slope | theory | |slope - theory| | R^2 | points |\n|---|---:|---:|---:|---:|---:|\n");
        for (Slope s : r.theorem2()) {
            b.append(f("| %s | %.3f | %.0f | %.3f | %s | %d |\n", s.label(), s.slope(), s.theory(),
                    Math.abs(s.slope() - s.theory()), Double.isNaN(s.rSquared()) ? "(constant)" : f("%.4f", s.rSquared()),
                    s.points()));
        }

        Validation.DensityFit p = r.proposition4();
        b.append("\n### FlashAttention Proposition 4: time against block density (A100, block-diagonal masks)\n\n");
        b.append("| density | predicted time (ms) |\n|---:|---:|\n");
        for (double[] x : p.points()) {
            b.append(f("| %.4f | %.3f |\n", x[0], x[1]));
        }
        b.append(f("\nLinear fit: time = %.3f ms + %.3f ms x density, R^2 = %.5f; the intercept is %.1f%% of the dense time. "
                        + "Log-log slope %.3f (theory 1).\n\n", p.intercept(), p.slope(), p.rSquared(),
                100 * p.intercept() / (p.intercept() + p.slope()), p.logSlope()));

        b.append("### Held out: FlashAttention-3 Figure 5, forward TFLOP/s on H100 SXM5 (bf16, 16K tokens, hidden 2048)\n\n");
        heldOutTable(b, r.heldOut());

        b.append("\n### Held out: FlashAttention-3 Figure 5, FlashAttention-3's own kernel (`--schedule flash3`), forward "
                + "TFLOP/s on H100 SXM5 (bf16, 16K tokens, hidden 2048)\n\n");
        rowTable(b, r.heldOutFlash3(), "TFLOP/s", 0);
        b.append("\n");
        for (int d : new int[] {64, 128, 256}) {
            List<Row> rows = r.heldOutFlash3().stream().filter(x -> x.label().startsWith("FA3 d" + d + " ")).toList();
            b.append(f("FlashAttention-3, d %d: mean absolute error %.1f%%, %d of %d within 15%%.\n", d, 100 * meanAbs(rows),
                    within(rows, 0.15), rows.size()));
        }

        b.append("\n### Held out: FlashAttention-3 backward figures, backward TFLOP/s on H100 SXM5 (bf16, 16K tokens, "
                + "hidden 2048, no mask)\n\n");
        heldOutTable(b, r.heldOutBackward());

        b.append("\n### Held out: FlashAttention Appendix E, runtimes on A100 40GB (fp16, batch 16, 8 heads, d 64; "
                + "Tables 15, 16, 18, 19)\n\n");
        rowTable(b, r.appendixE(), "ms", 2);
        b.append("\n");
        for (String method : List.of("FA1 fwd", "FA1 bwd", "PyTorch fwd", "PyTorch bwd")) {
            List<Row> rows = r.appendixE().stream().filter(x -> x.label().startsWith(method)).toList();
            b.append(f("%s: mean absolute error %.1f%%, %d of %d within 15%%. ", method, 100 * meanAbs(rows), within(rows, 0.15),
                    rows.size()));
        }
        b.setLength(b.length() - 1);
        b.append("\n");

        b.append("\n### Held out: Flash-Decoding micro-benchmark, one decode step on an A100 (f16, 16 query heads, 2 KV "
                + "heads, d 128, q_len 1)\n\n");
        b.append("| method | B | N | published (us) | predicted 40GB (us) | error 40GB | predicted 80GB (us) | error 80GB | splits |\n");
        b.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Validation.DecodeRow d : r.decode()) {
            b.append(f("| %s | %d | %d | %.1f | %.1f | %+.1f%% | %.1f | %+.1f%% | %d |\n", d.method(), d.batch(), d.kvLen(),
                    d.publishedUs(), d.a100Us40(), 100 * d.on40gb().error(), d.a100Us80(), 100 * d.on80gb().error(), d.splits()));
        }
        cardSummaries(b, Validation.DECODE_METHODS, r.decode(), Validation.DecodeRow::method, Validation.DecodeRow::on40gb,
                Validation.DecodeRow::on80gb);

        b.append("\n### Held out: flash-attention PR #1075, PyTorch standard attention forward on H100 PCIe (fp16, 16 heads, "
                + "d 128, no mask)\n\n");
        rowTable(b, r.pciePytorch(), "TFLOP/s", 2);
        b.append(f("\nStandard: mean absolute error %.1f%%, %d of %d within 15%%.\n", 100 * meanAbs(r.pciePytorch()),
                within(r.pciePytorch(), 0.15), r.pciePytorch().size()));

        b.append("\n### Held out: xFormers PR #461, attention backward on an A100 (f16, no mask, no dropout; times in us, "
                + "inferred)\n\n");
        b.append("| method | configuration | published (us) | predicted 40GB (us) | error 40GB | predicted 80GB (us) | error 80GB |\n");
        b.append("|---|---|---:|---:|---:|---:|---:|\n");
        for (Validation.CardRow c : r.xformersBackward()) {
            b.append(f("| %s | %s | %.1f | %.1f | %+.1f%% | %.1f | %+.1f%% |\n", c.method(), c.config(), c.publishedUs(),
                    c.a100Us40(), 100 * c.on40gb().error(), c.a100Us80(), 100 * c.on80gb().error()));
        }
        cardSummaries(b, Validation.XFORMERS_METHODS, r.xformersBackward(), Validation.CardRow::method,
                Validation.CardRow::on40gb, Validation.CardRow::on80gb);
        return b.toString();
    }

    /** After a blank line, a summary line per method of rows predicted on both A100 cards. */
    private static <T> void cardSummaries(StringBuilder b, List<String> methods, List<T> rows, Function<T, String> methodOf,
                                          Function<T, Row> on40gb, Function<T, Row> on80gb) {
        b.append("\n");
        for (String method : methods) {
            List<T> of = rows.stream().filter(x -> methodOf.apply(x).equals(method)).toList();
            List<Row> on40 = of.stream().map(on40gb).toList();
            List<Row> on80 = of.stream().map(on80gb).toList();
            b.append(f("%s: mean absolute error %.1f%% on the 40 GB card (%d of %d within 15%%), %.1f%% on the 80 GB card "
                            + "(%d of %d).\n", method, 100 * meanAbs(on40), within(on40, 0.15), on40.size(), 100 * meanAbs(on80),
                    within(on80, 0.15), on80.size()));
        }
    }

    /** A held-out TFLOP/s table and its summary per method. */
    private static void heldOutTable(StringBuilder b, List<Row> rows) {
        rowTable(b, rows, "TFLOP/s", 0);
        List<Row> fa2 = rows.stream().filter(x -> x.label().startsWith("FA2")).toList();
        List<Row> std = rows.stream().filter(x -> x.label().startsWith("standard")).toList();
        b.append(f("\nFlashAttention-2: mean absolute error %.1f%%, %d of %d within 15%%. Standard: mean absolute error %.1f%%, "
                        + "%d of %d within 15%%.\n", 100 * meanAbs(fa2), within(fa2, 0.15), fa2.size(), 100 * meanAbs(std),
                within(std, 0.15), std.size()));
    }

    /** Rows as a table: configuration, predicted and published in {@code unit} to {@code decimals} places, error. */
    private static void rowTable(StringBuilder b, List<Row> rows, String unit, int decimals) {
        b.append(f("| configuration | predicted (%s) | published (%s) | error |\n|---|---:|---:|---:|\n", unit, unit));
        String number = "%." + decimals + "f";
        for (Row row : rows) {
            b.append(f("| %s | " + number + " | " + number + " | %+.1f%% |\n", row.label(), row.predicted(), row.published(),
                    100 * row.error()));
        }
    }

    public static double meanAbs(List<Row> rows) {
        return rows.stream().mapToDouble(x -> Math.abs(x.error())).average().orElse(0);
    }

    public static long within(List<Row> rows, double tolerance) {
        return rows.stream().filter(x -> Math.abs(x.error()) <= tolerance).count();
    }

    private static String f(String format, Object... args) {
        return String.format(Locale.ROOT, format, args);
    }
}
