package io.attnkit.dsl.select;

import io.attnkit.dsl.model.DType;
import io.attnkit.dsl.model.HeadGroup;
import io.attnkit.dsl.model.KernelSpec;
import io.attnkit.dsl.model.Mask;
import io.attnkit.dsl.model.Shape;
import io.attnkit.dsl.model.Tiles;
import io.attnkit.dsl.source.Span;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;

/** Random small problems for the selector tests: ragged lengths, q_len != kv_len, GQA, every storage type. */
final class Kernels {
    static final Span S = Span.NONE;

    private Kernels() {
    }

    static Shape randomShape(SplittableRandom r) {
        int kvHeads = 1 + r.nextInt(3);
        int group = 1 + r.nextInt(3);
        int kvLen = 1 + r.nextInt(70);
        // Mostly q_len <= kv_len (prefill, chunked prefill, decode); sometimes more queries than keys.
        int qLen = r.nextInt(5) == 0 ? 1 + r.nextInt(kvLen + 10) : 1 + r.nextInt(kvLen);
        return new Shape(1 + r.nextInt(2), kvHeads * group, kvHeads, qLen, kvLen, 1 + r.nextInt(6), 1 + r.nextInt(4), S);
    }

    static DType randomType(SplittableRandom r) {
        return List.of(DType.F32, DType.F16, DType.BF16).get(r.nextInt(3));
    }

    /** A kernel whose every head computes {@code mask}. */
    static KernelSpec uniform(Shape shape, DType dtype, Mask mask) {
        return new KernelSpec("k", shape, dtype, DType.F32, KernelSpec.defaultScale(shape.headDim()),
                new Tiles(16, 16, 1, 1, S), Optional.empty(), new Mask.Dense(S),
                List.of(new HeadGroup(range(0, shape.heads()), new HeadGroup.HeadMode.Fixed(mask), S)), S);
    }

    static List<Integer> range(int from, int to) {
        List<Integer> out = new ArrayList<>();
        for (int h = from; h < to; h++) {
            out.add(h);
        }
        return out;
    }
}
