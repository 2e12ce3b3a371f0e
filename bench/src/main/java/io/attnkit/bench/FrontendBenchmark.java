package io.attnkit.bench;

import io.attnkit.dsl.check.Frontend;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The front end on large inputs: checking must stay linear in the size of the file. Two shapes
 * of input: many small kernels (the common large file), and one kernel whose mask is a single
 * chain of operators (the shape that was once quadratic). Compare the time per megabyte across
 * sizes within one run.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgs = {"-Xmx2g"})
public class FrontendBenchmark {
    @Param({"1", "4", "10"})
    int megabytes;

    @Param({"kernels", "chain"})
    String shape;

    private String text;

    @Setup
    public void generate() {
        int size = megabytes << 20;
        StringBuilder b = new StringBuilder(size + 1000);
        if (shape.equals("kernels")) {
            for (int i = 0; b.length() < size; i++) {
                b.append("kernel k").append(i).append(" {  // a kernel\n")
                        .append("  shape batch 1, heads 32, kv_heads 8, q_len 4K, head_dim 128;\n")
                        .append("  dtype bf16, accumulate f32;\n  tile q 64, kv 64, stages 2;\n")
                        .append("  mask causal & (sink(4) | window(2048));\n")
                        .append("  heads 0..7: dense;\n  heads 8..31: window(512);\n}\n");
            }
        } else {
            b.append("kernel k { shape heads 1, q_len 8, head_dim 8; mask causal");
            while (b.length() < size) {
                b.append(" | causal & window(4)");
            }
            b.append("; }\n");
        }
        text = b.toString();
    }

    @Benchmark
    public Frontend.Result check() {
        Frontend.Result r = Frontend.checkText("bench.attn", text, Frontend.Library.EMPTY);
        if (!r.ok()) {
            throw new IllegalStateException("the generated input has errors");
        }
        return r;
    }
}
