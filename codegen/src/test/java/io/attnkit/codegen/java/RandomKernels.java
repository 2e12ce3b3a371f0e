package io.attnkit.codegen.java;

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

/** Random kernels for property tests: shapes with ragged tails, GQA, q_len on either side of kv_len, every static mask. */
public final class RandomKernels {
    private static final Span S = Span.NONE;

    private RandomKernels() {
    }

    /** A random static mask; {@code &} and {@code |} take two or three operands, as chains in the language do. */
    public static Mask mask(SplittableRandom r, int kvLen, int depth) {
        if (depth < 3 && r.nextInt(3) > 0) {
            List<Mask> operands = new ArrayList<>();
            for (int n = 2 + r.nextInt(2); n > 0; n--) {
                operands.add(mask(r, kvLen, depth + 1));
            }
            return switch (r.nextInt(3)) {
                case 0 -> new Mask.And(operands, S);
                case 1 -> new Mask.Or(operands, S);
                default -> new Mask.Not(operands.getFirst(), S);
            };
        }
        int size = 1 + r.nextInt(kvLen + 3);
        return switch (r.nextInt(6)) {
            case 0 -> new Mask.Causal(S);
            case 1 -> new Mask.Window(size, S);
            case 2 -> new Mask.Sink(size, S);
            case 3 -> new Mask.Prefix(size, S);
            case 4 -> new Mask.Dense(S);
            default -> documents(r, kvLen);
        };
    }

    public static Mask.Document documents(SplittableRandom r, int kvLen) {
        List<Integer> lengths = new ArrayList<>();
        int left = kvLen;
        while (left > 0) {
            int len = 1 + r.nextInt(left);
            lengths.add(len);
            left -= len;
        }
        return new Mask.Document(lengths, S);
    }

    /** A kernel of random shape and tiles whose heads fall into up to three groups, each with its own random mask. */
    public static KernelSpec kernel(SplittableRandom r, DType dtype) {
        int kvHeads = 1 + r.nextInt(3);
        int heads = kvHeads * (1 + r.nextInt(3));
        int qLen = 1 + r.nextInt(90);
        int kvLen = 1 + r.nextInt(90);
        int headDim = 1 + r.nextInt(24);
        int vDim = r.nextBoolean() ? headDim : 1 + r.nextInt(24);
        Shape shape = new Shape(1 + r.nextInt(2), heads, kvHeads, qLen, kvLen, headDim, vDim, S);
        Tiles tiles = new Tiles(1 + r.nextInt(40), 1 + r.nextInt(40), 2, 4, S);
        int groups = 1 + r.nextInt(Math.min(3, heads));
        List<List<Integer>> members = new ArrayList<>();
        for (int g = 0; g < groups; g++) {
            members.add(new ArrayList<>());
        }
        for (int h = 0; h < heads; h++) {
            members.get(h < groups ? h : r.nextInt(groups)).add(h);
        }
        List<HeadGroup> headGroups = new ArrayList<>();
        for (List<Integer> m : members) {
            headGroups.add(new HeadGroup(m, new HeadGroup.HeadMode.Fixed(mask(r, kvLen, 1)), S));
        }
        Mask kernelMask = r.nextInt(3) == 0 ? mask(r, kvLen, 2) : new Mask.Dense(S);
        return new KernelSpec("random", shape, dtype, DType.F32, (0.5 + r.nextDouble()) / Math.sqrt(headDim), tiles,
                Optional.empty(), kernelMask, headGroups, S);
    }
}
