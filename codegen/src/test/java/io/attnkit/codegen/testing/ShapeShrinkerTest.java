package io.attnkit.codegen.testing;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.attnkit.dsl.check.Frontend;
import io.attnkit.dsl.model.KernelSpec;
import java.util.List;
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
}
