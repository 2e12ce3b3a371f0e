package io.attnkit.sim.validation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attnkit.sim.validation.Validation.Report;
import io.attnkit.sim.validation.Validation.Row;
import io.attnkit.sim.validation.Validation.Slope;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The published numbers the simulator meets, on the short rows (the full tables are in
 * docs/validation.md, made by {@code attnkit validate}). A change to the model that moves a
 * prediction away from the papers fails here.
 */
class ValidationTest {
    private static Report report;

    @BeforeAll
    static void run() {
        report = Validation.run(true);
    }

    @Test
    void table18RowsFrom4096AreWithin15Percent() {
        for (Row r : report.table18()) {
            if (Integer.parseInt(r.label().substring(4)) >= 4096) {
                assertEquals(0, r.error(), 0.15, r.label() + ": predicted " + r.predicted() + " ms, published " + r.published());
            }
        }
    }

    @Test
    void flashAttention2IsAboutTwiceAsFastAsFlashAttention1() {
        // FlashAttention-2 (arXiv 2307.08691) reports about 2x over FlashAttention on the A100.
        for (int i = 0; i < report.table18().size(); i++) {
            double speedup = report.table18().get(i).predicted() / report.table18Fa2().get(i).predicted();
            assertTrue(speedup > 1.7 && speedup < 3.2, "speedup " + speedup);
        }
    }

    @Test
    void theorem2SlopesAreWithinOneTenthOfTheory() {
        assertEquals(4, report.theorem2().size());
        for (Slope s : report.theorem2()) {
            assertEquals(s.theory(), s.slope(), 0.1, s.label());
        }
    }

    @Test
    void proposition4TimeIsProportionalToDensity() {
        Validation.DensityFit p = report.proposition4();
        assertTrue(p.rSquared() > 0.999, "R^2 " + p.rSquared());
        assertTrue(p.intercept() < 0.1 * (p.intercept() + p.slope()), "the fixed part stays below a tenth of the dense time");
    }

    @Test
    void heldOutFlashAttention2OnH100IsWithin15PercentOnAverage() {
        List<Row> fa2 = report.heldOut().stream().filter(r -> r.label().startsWith("FA2")).toList();
        assertEquals(16, fa2.size());
        assertTrue(ValidationTables.meanAbs(fa2) < 0.15, "mean absolute error " + ValidationTables.meanAbs(fa2));
    }

    /**
     * FlashAttention-3's own bars, held out: at head dimensions 128 and 256 the short rows (N up to
     * 2K) land within 22% (the causal N = 512 rows are the furthest), at 64 every row is predicted
     * 22-47% fast (docs/validation.md says why); each held to the bounds met today.
     */
    @Test
    void heldOutFlashAttention3StaysWithinTheDocumentedBounds() {
        long published = Published.FA3_FIGURE5_FA3.stream().filter(p -> p.seqLen() <= 2048).count();
        assertEquals(published, report.heldOutFlash3().size(), "every published row up to 2K");
        for (Row r : report.heldOutFlash3()) {
            if (r.label().startsWith("FA3 d64 ")) {
                assertTrue(r.error() > 0.15 && r.error() < 0.50, r.label() + " is the documented d 64 miss: " + r.error());
            } else {
                assertEquals(0, r.error(), 0.22, r.label() + ": predicted " + r.predicted() + ", published " + r.published());
            }
        }
        List<Row> wide = report.heldOutFlash3().stream().filter(r -> !r.label().startsWith("FA3 d64 ")).toList();
        assertTrue(ValidationTables.meanAbs(wide) < 0.12, "d 128 and 256 mean absolute error " + ValidationTables.meanAbs(wide));
    }

    /**
     * The backward misses: FlashAttention-2's is predicted 17-30% fast, standard attention's
     * 42-77% (docs/validation.md says why). They are held to the bounds met today, so that a
     * change that makes them worse, or turns one row slow, is seen.
     */
    @Test
    void heldOutBackwardStaysWithinTheDocumentedBounds() {
        List<Row> fa2 = report.heldOutBackward().stream().filter(r -> r.label().startsWith("FA2")).toList();
        List<Row> std = report.heldOutBackward().stream().filter(r -> r.label().startsWith("standard")).toList();
        assertEquals(6, fa2.size());
        assertEquals(6, std.size());
        for (Row r : report.heldOutBackward()) {
            assertTrue(r.error() > 0, r.label() + " is predicted fast, as every published backward row is");
        }
        assertTrue(ValidationTables.meanAbs(fa2) < 0.30, "FA2 backward mean absolute error " + ValidationTables.meanAbs(fa2));
        assertTrue(ValidationTables.meanAbs(std) < 0.70, "standard backward mean absolute error " + ValidationTables.meanAbs(std));
    }

    /**
     * FlashAttention's Appendix E on the A100, held out (docs/validation.md): FlashAttention-1's
     * forward with dropout lands within 15% from 4K on; its backward is predicted 26-34% fast and
     * PyTorch's kernels 19-37% fast. Each is held to the bounds met today.
     */
    @Test
    void appendixEStaysWithinTheDocumentedBounds() {
        long published = Published.APPENDIX_E.stream().filter(p -> p.seqLen() <= 4096).count();
        assertEquals(published, report.appendixE().size(), "every published row up to 4K");
        for (Row r : report.appendixE()) {
            boolean fa1 = r.label().startsWith("FA1");
            if (r.label().startsWith("FA1 fwd") && r.label().contains("N=4096")) {
                assertTrue(r.error() <= 0 && r.error() > -0.08, r.label() + " is within 8%, fast: " + r.error());
            }
            if (r.label().startsWith("FA1 bwd") && !r.label().contains("N=1024")) {
                assertTrue(r.error() < 0 && r.error() > -0.40, r.label() + " is predicted fast, by less than 40%: " + r.error());
            }
            if (!fa1) {
                assertTrue(r.error() < 0 && r.error() > -0.40, r.label() + " is predicted fast, by less than 40%: " + r.error());
            }
        }
    }

    /**
     * The Flash-Decoding post's table, held out (docs/validation.md): FlashAttention v2.0.9
     * without split lands within 15% on every row, and within 5% at B = 16 and 32, whose last CTAs
     * (of 256 and 512 for 216 slots) the engine now spreads one per SM (it filled both slots of a
     * few SMs, and the rows were 32% and 14% slow); Flash-Decoding on the 40 GB card
     * within 15% from 2K keys on, and its time stays flat while batch x keys is constant, then
     * about doubles with the keys. PyTorch Eager is held to the documented misses.
     */
    @Test
    void heldOutDecodeStaysWithinTheDocumentedBounds() {
        List<Validation.DecodeRow> fa2 = report.decode().stream()
                .filter(d -> d.method().equals(Validation.FA2_NO_SPLIT)).toList();
        List<Validation.DecodeRow> fd = report.decode().stream()
                .filter(d -> d.method().equals(Validation.FLASH_DECODING)).toList();
        assertEquals(Published.FLASH_DECODING.size(), fa2.size());
        assertEquals(Published.FLASH_DECODING.size(), fd.size());
        for (Validation.DecodeRow d : fa2) {
            double bound = d.batch() == 16 || d.batch() == 32 ? 0.05 : 0.15;
            assertEquals(0, d.on40gb().error(), bound, d.label() + " on the 40 GB card");
            assertEquals(0, d.on80gb().error(), bound, d.label() + " on the 80 GB card");
            assertEquals(1, d.splits(), "FlashAttention v2.0.9 has no split-KV");
        }
        // FlashAttention-2's split rule for 216 slots (2 CTAs x 108 SMs), checked by hand row by row.
        assertEquals(List.of(1, 1, 3, 3, 6, 13, 26, 52, 103, 94), fd.stream().map(Validation.DecodeRow::splits).toList());
        for (Validation.DecodeRow d : fd) {
            if (d.kvLen() >= 2048) {
                assertEquals(0, d.on40gb().error(), 0.15, d.label() + " on the 40 GB card");
            }
            assertTrue(d.a100Us80() < d.a100Us40(), d.label() + ": the 80 GB card's HBM is faster");
        }
        // PyTorch Eager misses both ways (docs/validation.md): fast from B = 2 on, slow at B = 1.
        for (Validation.DecodeRow d : report.decode()) {
            if (d.method().equals(Validation.EAGER)) {
                double e = d.on40gb().error();
                assertTrue(d.batch() > 1 ? e > -0.75 && e < -0.45 : e > 0.9 && e < 1.3, d.label() + ": " + e);
            }
        }
        double at64k = fd.stream().filter(d -> d.kvLen() == 65536).findFirst().orElseThrow().a100Us40();
        double at128k = fd.stream().filter(d -> d.kvLen() == 131072).findFirst().orElseThrow().a100Us40();
        double at4k = fd.stream().filter(d -> d.kvLen() == 4096).findFirst().orElseThrow().a100Us40();
        assertEquals(1, at64k / at4k, 0.10, "the same bytes at 4K and 64K keys take the same time");
        assertEquals(1.85, at128k / at64k, 0.15, "twice the bytes at 128K");
    }

    /** Dropout drawn in the kernel costs FlashAttention-1's forward 23% at 4K in the paper (Table 15 over Table 18). */
    @Test
    void fusedDropoutCostsFlashAttention1AboutWhatThePaperMeasured() {
        Row plain = report.table18().stream().filter(r -> r.label().equals("N = 4096")).findFirst().orElseThrow();
        Row dropped = report.appendixE().stream().filter(r -> r.label().equals("FA1 fwd dropout 0.1 N=4096 (Table 15)"))
                .findFirst().orElseThrow();
        double published = dropped.published() / plain.published();
        double predicted = dropped.predicted() / plain.predicted();
        assertEquals(published, predicted, 0.05, "time with dropout over time without");
    }

    /** FlashAttention-1's runtime is 29% fast, its backward's miss (docs/validation.md, "Appendix E"). */
    @Test
    void figure2StandardTrafficIsWithin15PercentAndFlashAttentionRuntimeWithinTheDocumentedBound() {
        Validation.Traffic t = report.figure2();
        printFigure2(t);
        List<Row> rows = t.rows();
        assertEquals(0, rows.get(0).error(), 0.15, "standard HBM bytes, forward + backward");
        assertTrue(rows.get(4).error() < 0 && rows.get(4).error() > -0.35, "FlashAttention runtime, forward + backward: "
                + rows.get(4).error());
        assertEquals(t.flash1().bytes(), t.flash1Dropout().bytes(), 1e-3 * t.flash1().bytes(), "the mask stays on chip");
        assertTrue(t.flash1Dropout().seconds() > t.flash1().seconds(), "drawing the mask costs time");
    }

    /**
     * The ratio misses the 20% goal (FlashAttention-1's traffic is predicted low, docs/validation.md
     * says why): it is held to the value documented there, so that a change to it is seen.
     */
    @Test
    void figure2RatioIsTheDocumentedOne() throws java.io.IOException {
        Validation.Traffic t = report.figure2();
        Row ratio = t.ratioRow();
        if (Math.abs(ratio.error()) <= 0.20) {
            return; // the goal is met; nothing else to hold
        }
        java.nio.file.Path doc = java.nio.file.Path.of("..", "docs", "validation.md");
        String text = java.nio.file.Files.readString(doc);
        String documented = String.format(java.util.Locale.ROOT, "standard over FlashAttention-1: %.2f against %.2f published (%+.1f%%)",
                ratio.predicted(), ratio.published(), 100 * ratio.error());
        assertTrue(text.contains(documented), "docs/validation.md should state: " + documented);
    }

    private static void printFigure2(Validation.Traffic t) {
        for (Row r : t.rows()) {
            System.out.printf(java.util.Locale.ROOT, "Figure 2 | %s | %.2f | %.2f | %+.1f%%%n", r.label(), r.predicted(),
                    r.published(), 100 * r.error());
        }
    }

    /**
     * Flash-attention PR #1075's PyTorch rows on the H100 PCIe, held out (docs/validation.md): no
     * bound is set on their errors, only that the quick run produces its row, finite, with the
     * published figure carried over as the pull request prints it.
     */
    @Test
    void heldOutPciePytorchRowIsProducedWithThePublishedFigure() {
        assertEquals(1, report.pciePytorch().size(), "the quick run keeps the first row");
        Row r = report.pciePytorch().getFirst();
        Published.BatchSpeed p = Published.FA_PR1075_PYTORCH.getFirst();
        assertEquals("standard fwd B=32 N=512", r.label());
        assertEquals(52.28, p.tflops());
        assertEquals(p.tflops(), r.published());
        assertTrue(Double.isFinite(r.predicted()) && r.predicted() > 0, "predicted " + r.predicted());
        assertEquals(List.of(52.28, 66.04, 73.80, 68.44, 78.47, 82.08),
                Published.FA_PR1075_PYTORCH.stream().map(Published.BatchSpeed::tflops).toList());
    }

    /**
     * Xformers PR #461's backward table, held out (docs/validation.md): no bound is set on the
     * errors, only that the quick run produces the first row for both methods on both cards,
     * finite, with the published times carried over as the pull request prints them.
     */
    @Test
    void heldOutXformersBackwardRowsAreProducedWithThePublishedTimes() {
        assertEquals(Validation.XFORMERS_METHODS, report.xformersBackward().stream().map(Validation.CardRow::method).toList());
        Published.BackwardTiming p = Published.XFORMERS_PR461.getFirst();
        for (Validation.CardRow c : report.xformersBackward()) {
            assertEquals("B=384 M=197 H=1 K=64", c.config());
            assertEquals(c.method().equals(Validation.XFORMERS_FLASH) ? p.flashUs() : p.vanillaUs(), c.publishedUs(), c.method());
            assertTrue(Double.isFinite(c.a100Us40()) && c.a100Us40() > 0, c.method() + " on the 40 GB card: " + c.a100Us40());
            assertTrue(Double.isFinite(c.a100Us80()) && c.a100Us80() > 0, c.method() + " on the 80 GB card: " + c.a100Us80());
        }
        assertEquals(List.of(304.7, 764.3, 393.5, 871.7, 217.4, 483.0, 2238.5),
                Published.XFORMERS_PR461.stream().map(Published.BackwardTiming::flashUs).toList());
        assertEquals(List.of(1813.5, 4748.5, 2435.2, 4506.4, 1246.6, 2273.6, 3817.3),
                Published.XFORMERS_PR461.stream().map(Published.BackwardTiming::vanillaUs).toList());
    }

    /** FlashAttention-1's backward tiles by key length and head dimension, as its October 2022 launcher chose them. */
    @Test
    void flash1BackwardTilesFollowTheLauncher() {
        assertEquals(256, HeldOutSets.flash1BackwardTiles(197, 64));
        assertEquals(128, HeldOutSets.flash1BackwardTiles(82, 64));
        assertEquals(128, HeldOutSets.flash1BackwardTiles(197, 128));
    }

    @Test
    void markdownHasEveryTable() {
        String md = ValidationTables.markdown(report);
        for (String heading : List.of("Table 18", "Figure 2", "Theorem 2", "Proposition 4", "Held out", "backward figures",
                "Appendix E", "PR #1075", "PR #461")) {
            assertTrue(md.contains(heading), heading);
        }
    }
}
