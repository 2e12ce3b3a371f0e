package io.attnkit.bench;

import io.attnkit.dsl.check.Frontend;
import io.attnkit.dsl.model.KernelSpec;
import java.util.List;

/** The kernels the benchmarks time, written in {@code .attn}: the configurations of issue 3's goals. */
public enum BenchKernels {
    DENSE_4K("dense-4k", "shape batch 1, heads 8, q_len 4096, head_dim 128;"),
    CAUSAL_4K("causal-4k", "shape batch 1, heads 8, q_len 4096, head_dim 128; mask causal;"),
    DENSE_32K("dense-32k", "shape batch 1, heads 1, q_len 32768, head_dim 128;"),
    WINDOW_32K("window2048-32k", "shape batch 1, heads 1, q_len 32768, head_dim 128; mask window(2048);");

    /** Tiles of every benchmark kernel. */
    public static final String TILES = "tile q 64, kv 64;";

    private final String id;
    private final String body;

    BenchKernels(String id, String body) {
        this.id = id;
        this.body = body;
    }

    public String id() {
        return id;
    }

    /** The kernel's {@code .attn} text. */
    public String source() {
        return "kernel " + id.replace('-', '_') + " { " + body + " dtype f32; " + TILES + " }\n";
    }

    public KernelSpec kernel() {
        Frontend.Result r = Frontend.checkText(id + ".attn", source(), Frontend.Library.EMPTY);
        if (!r.ok()) {
            throw new IllegalStateException("benchmark kernel " + id + " does not check: " + r.diagnostics().sorted());
        }
        return r.kernelsOfRoot().getFirst();
    }

    public static BenchKernels byId(String id) {
        for (BenchKernels k : values()) {
            if (k.id.equals(id)) {
                return k;
            }
        }
        throw new IllegalArgumentException("no benchmark kernel " + id + "; have " + List.of(values()));
    }
}
