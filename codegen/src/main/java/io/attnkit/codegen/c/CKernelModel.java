package io.attnkit.codegen.c;

import io.attnkit.codegen.BackendException;
import io.attnkit.codegen.Origin;
import io.attnkit.dsl.blocks.BlockMap;
import io.attnkit.dsl.blocks.HeadMasks;
import io.attnkit.dsl.blocks.MaskText;
import io.attnkit.dsl.model.DType;
import io.attnkit.dsl.model.KernelSpec;
import io.attnkit.dsl.model.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * What the C-family templates ({@code c99.stg} and the target groups importing it) render for
 * one kernel: its constants, the element mask of each static pattern, the pattern of each head
 * and the BlockMap's runs, all decided here so that the templates only lay text out.
 *
 * <p>The run tables: {@code rowStart[pattern * (qBlocks + 1) + qb] .. rowStart[... + 1]} are
 * the runs of q-block {@code qb}; run {@code r} is {@code runs[3r .. 3r + 2]} = {@code from, to,
 * full} (kv-blocks {@code [from, to)}, {@code full} 1 for FULL tiles, 0 for PARTIAL ones). A
 * trailing {@code 0, 0, 0} keeps the array non-empty when nothing is visible.
 *
 * @param origin     {@link Origin#describe()} of the source file
 * @param function   the kernel's name as a C identifier
 * @param storage    the storage type's spelling: f32, f16 or bf16
 * @param scaleLog2  the softmax scale times log2(e), as a C float literal (scores feed exp2)
 * @param tileDim    the wider of head_dim and v_dim: the row length of the shared K/V tile
 * @param visitedTiles K/V tiles the whole launch visits, over every batch element and head
 * @param tilesPerBatchElement K/V tiles one batch element visits (every batch element has the same heads)
 */
public record CKernelModel(String origin, String name, String function, String storage, boolean f16, boolean bf16,
                           int batch, int heads, int kvHeads, int qLen, int kvLen, int headDim, int vDim, int groupSize,
                           int qTile, int kvTile, int qBlocks, int kvBlocks, int tileDim, String scale, String scaleLog2,
                           List<Pattern> patterns, List<CMaskCode.DocumentTable> documents, List<Integer> headPattern,
                           List<Integer> rowStart, List<Integer> runs, int runCount, long visitedTiles,
                           long tilesPerBatchElement) {

    private static final double LOG2_E = 1.4426950408889634;

    /**
     * One static pattern: the mask some heads compute, as {@code .attn} text and as a C
     * expression over {@code p} and {@code j}.
     */
    public record Pattern(int index, String maskText, String predicate, String heads, long visitedTiles, long fullTiles) {
    }

    /** The model of {@code kernel}; refuses, in one line, what the C backends cannot run. */
    public static CKernelModel of(KernelSpec kernel, Origin origin, String backend) throws BackendException {
        Shape s = kernel.shape();
        String refusal = "kernel '" + kernel.name() + "': the " + backend + " backend ";
        if (!HeadMasks.of(kernel).isStatic()) {
            throw new BackendException(refusal + "compiles static masks only, and this kernel's masks are decided on the "
                    + "input (selectors or a trained router); run it with --backend java");
        }
        if (kernel.dtype() == DType.FP8_E4M3) {
            throw new BackendException(refusal + "stores f32, f16 and bf16, not " + kernel.dtype());
        }
        if ((long) s.qLen() + s.kvLen() >= Integer.MAX_VALUE) {
            throw new BackendException(refusal + "needs q_len + kv_len below 2^31 (positions are 32-bit ints)");
        }
        BlockMap map = BlockMap.of(kernel);
        CMaskCode masks = new CMaskCode();
        List<Pattern> patterns = new ArrayList<>();
        List<Integer> rowStart = new ArrayList<>();
        List<Integer> runs = new ArrayList<>();
        for (int p = 0; p < map.patterns().size(); p++) {
            BlockMap.Pattern pattern = map.patterns().get(p);
            String heads = map.headsOf(p).stream().map(String::valueOf).collect(Collectors.joining(" "));
            patterns.add(new Pattern(p, comment(MaskText.of(pattern.mask())), masks.expression(pattern.mask()), heads,
                    pattern.visitedTiles(), pattern.fullTiles()));
            for (int qb = 0; qb < pattern.qBlocks(); qb++) {
                rowStart.add(runs.size() / 3);
                for (int r = 0; r < pattern.runs(qb); r++) {
                    runs.add(pattern.runFrom(qb, r));
                    runs.add(pattern.runTo(qb, r));
                    runs.add(pattern.runKind(qb, r) == BlockMap.Kind.FULL ? 1 : 0);
                }
            }
            rowStart.add(runs.size() / 3);
        }
        int runCount = runs.size() / 3;
        runs.addAll(List.of(0, 0, 0));
        List<Integer> headPattern = new ArrayList<>();
        for (int h = 0; h < s.heads(); h++) {
            headPattern.add(map.patternIndex(0, h));
        }
        return new CKernelModel(comment(origin.describe()), kernel.name(), identifier(kernel.name()),
                kernel.dtype().spelling(), kernel.dtype() == DType.F16, kernel.dtype() == DType.BF16,
                s.batch(), s.heads(), s.kvHeads(), s.qLen(), s.kvLen(), s.headDim(), s.vDim(), s.groupSize(),
                kernel.tiles().q(), kernel.tiles().kv(), map.qBlocks(), map.kvBlocks(), Math.max(s.headDim(), s.vDim()),
                floatLiteral(kernel.scale()), floatLiteral(kernel.scale() * LOG2_E), List.copyOf(patterns),
                List.copyOf(masks.documents()), List.copyOf(headPattern), List.copyOf(rowStart), List.copyOf(runs),
                runCount, map.visitedTiles(), map.visitedTiles() / s.batch());
    }

    /**
     * {@code llama8b-decode} → {@code llama8b_decode}: letters, digits and underscores, with a
     * {@code k_} prefix where the name would start with a digit, be a keyword or builtin of C,
     * C++, OpenCL C or CUDA ({@code int}, {@code kernel}, {@code max}: the OpenCL and CUDA
     * builds reject those), or enter the namespaces of the implementation ({@code __}) or of
     * the generated code ({@code attn_}).
     */
    static String identifier(String name) {
        String id = name.replaceAll("[^A-Za-z0-9_]", "_");
        boolean taken = id.isEmpty() || Character.isDigit(id.charAt(0)) || id.startsWith("__") || id.startsWith("attn_")
                || ReservedNames.contains(id);
        return taken ? "k_" + id : id;
    }

    private static String floatLiteral(double x) {
        return Float.toString((float) x) + "f";
    }

    /** Text that is safe inside a C block comment. */
    private static String comment(String text) {
        return text.replace("*/", "* /");
    }
}
