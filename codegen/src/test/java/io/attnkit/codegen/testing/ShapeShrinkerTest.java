package io.attnkit.codegen.testing;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attnkit.dsl.check.Frontend;
import io.attnkit.dsl.model.KernelSpec;
import io.attnkit.dsl.model.Mask;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ShapeShrinkerTest {

    static KernelSpec kernel(String text) {
        Frontend.Result r = Frontend.checkText("k.attn", text, Frontend.Library.EMPTY);
        assertTrue(r.ok(), () -> r.toString());
        return r.kernelsOfRoot().getFirst();
    }

    @ParameterizedTest
    @CsvSource({
        // queries, tile q, tile kv: more queries than a (scaled) K/V tile has keys broke it
        "40, 64, 32",
        "20, 32, 16",
        "16, 64, 256",
        "1, 16, 64",
        "7, 64, 64",
        "3, 8, 8"})
    void theShortCacheOfADecodeIsShorterThanOneTile(int queries, int tileQ, int tileKv) {
        KernelSpec k = kernel("kernel d { shape batch 1, heads 4, kv_heads 2, q_len " + queries + ", kv_len 5000, head_dim 64; "
                + "dtype f32; tile q " + tileQ + ", kv " + tileKv + ", stages 1, warps 4; mask causal; }");
        List<ShapeShrinker.Variant> variants = ShapeShrinker.variants(k);
        ShapeShrinker.Variant shortCache = variants.stream().filter(v -> v.name().equals("short_cache")).findFirst()
                .orElseThrow(() -> new AssertionError("no short_cache variant among " + variants));
        int kvLen = shortCache.kernel().shape().kvLen();
        int kvTile = shortCache.kernel().tiles().kv();
        assertTrue(kvLen < kvTile, "short_cache has " + kvLen + " keys with " + kvTile + "-key tiles");
        assertTrue(shortCache.kernel().shape().qLen() <= kvLen, "more queries than keys in a decode variant");
    }

    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {
        // the probe's decode: its short_cache (29 keys, 32-key tiles) once got window(1)
        "q_len 1, kv_len 5000 ; tile q 16, kv 128, stages 2 ; causal & (sink(4) | window(100))",
        "q_len 3, kv_len 5000 ; tile q 16, kv 64, stages 2 ; causal | prefix(40)",
        "q_len 500, kv_len 500 ; tile q 64, kv 64, stages 2 ; causal & window(7)",
        "q_len 40, kv_len 90 ; tile q 16, kv 16, stages 2 ; window(60)"})
    void everyVariantKeepsWindowsAndPrefixesAtTheDocumentedFloor(String lengths, String tiles, String mask) {
        KernelSpec k = kernel("kernel w { shape batch 1, heads 4, kv_heads 2, " + lengths + ", head_dim 64; "
                + "dtype f32; " + tiles + "; mask " + mask + "; }");
        List<ShapeShrinker.Variant> variants = ShapeShrinker.variants(k);
        assertFalse(variants.isEmpty());
        for (ShapeShrinker.Variant v : variants) {
            int kvLen = v.kernel().shape().kvLen();
            int floor = Math.min(kvLen, v.kernel().tiles().q() + 2 * v.kernel().tiles().kv() + 1);
            for (int span : spans(v.kernel().mask()).toList()) {
                assertTrue(span >= floor, v.name() + " has a span of " + span + " keys, below the floor of " + floor
                        + ": " + ShapeShrinker.source(v.kernel()));
            }
        }
    }

    /** The window sizes and prefix lengths of a mask. */
    private static Stream<Integer> spans(Mask m) {
        return switch (m) {
            case Mask.Window w -> Stream.of(w.size());
            case Mask.Prefix p -> Stream.of(p.length());
            case Mask.And a -> a.operands().stream().flatMap(ShapeShrinkerTest::spans);
            case Mask.Or o -> o.operands().stream().flatMap(ShapeShrinkerTest::spans);
            case Mask.Not n -> spans(n.operand());
            default -> Stream.empty();
        };
    }
}
