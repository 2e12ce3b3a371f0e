package io.attnkit.bench;

import io.attnkit.dsl.blocks.BlockMap;
import io.attnkit.dsl.blocks.HeadMasks;
import io.attnkit.dsl.blocks.IntervalSet;
import io.attnkit.dsl.blocks.RowMasks;
import io.attnkit.dsl.blocks.Selection;
import io.attnkit.dsl.model.KernelSpec;
import io.attnkit.dsl.model.Mask;
import io.attnkit.dsl.model.Shape;
import io.attnkit.dsl.reference.Tensor;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The baseline for the generated kernels: the same FlashAttention-2 algorithm (work items per
 * (batch, head, q-block), exactly the BlockMap's tiles, the element mask on PARTIAL tiles only,
 * online softmax with rescaling) in plain Java loops, without the Vector API, on all cores. It
 * computes in f32 from f32 inputs (no storage rounding).
 */
public final class ScalarFlashAttention {
    private final KernelSpec kernel;
    private final BlockMap map;
    private final HeadMasks masks;

    public ScalarFlashAttention(KernelSpec kernel) {
        this.kernel = kernel;
        this.map = BlockMap.of(kernel);
        this.masks = HeadMasks.of(kernel);
    }

    /** What a run produced: the output and the K/V tiles it visited. */
    public record Result(Tensor out, long tiles) {
    }

    public Result run(Tensor q, Tensor k, Tensor v, int threads) {
        Shape s = kernel.shape();
        Tensor out = Tensor.zeros(s.batch(), s.heads(), s.qLen(), s.vDim());
        int items = s.batch() * s.heads() * map.qBlocks();
        AtomicInteger next = new AtomicInteger();
        AtomicLong tiles = new AtomicLong();
        Thread[] workers = new Thread[Math.max(1, threads)];
        for (int t = 0; t < workers.length; t++) {
            workers[t] = new Thread(() -> {
                Scratch scratch = new Scratch(kernel);
                long n = 0;
                for (int item; (item = next.getAndIncrement()) < items; ) {
                    n += item(item, q, k, v, out, scratch);
                }
                tiles.addAndGet(n);
            });
            workers[t].start();
        }
        for (Thread w : workers) {
            try {
                w.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        return new Result(out, tiles.get());
    }

    private static final class Scratch {
        final float[] scores;
        final float[] acc;
        final float[] max;
        final float[] sum;
        final IntervalSet[] visible;

        Scratch(KernelSpec kernel) {
            int q = kernel.tiles().q();
            scores = new float[q * kernel.tiles().kv()];
            acc = new float[q * kernel.shape().vDim()];
            max = new float[q];
            sum = new float[q];
            visible = new IntervalSet[q];
        }
    }

    private long item(int item, Tensor q, Tensor k, Tensor v, Tensor out, Scratch w) {
        Shape s = kernel.shape();
        int qTile = kernel.tiles().q();
        int kvTile = kernel.tiles().kv();
        int qb = item % map.qBlocks();
        int bh = item / map.qBlocks();
        int b = bh / s.heads();
        int h = bh % s.heads();
        int kvh = s.kvHeadOf(h);
        int row0 = qb * qTile;
        int rows = Math.min(qTile, s.qLen() - row0);
        int d = s.headDim();
        int dv = s.vDim();
        float scale = (float) kernel.scale();
        float[] qd = q.data();
        float[] kd = k.data();
        float[] vd = v.data();
        Arrays.fill(w.max, Float.NEGATIVE_INFINITY);
        Arrays.fill(w.sum, 0f);
        Arrays.fill(w.acc, 0f);
        Arrays.fill(w.visible, null);
        Mask mask = masks.maskOf(b, h);
        BlockMap.Pattern pattern = map.pattern(b, h);
        long tiles = 0;
        for (int r = 0; r < pattern.runs(qb); r++) {
            boolean full = pattern.runKind(qb, r) == BlockMap.Kind.FULL;
            for (int kb = pattern.runFrom(qb, r); kb < pattern.runTo(qb, r); kb++) {
                int key0 = kb * kvTile;
                int keys = Math.min(kvTile, s.kvLen() - key0);
                for (int i = 0; i < rows; i++) {
                    if (!full && w.visible[i] == null) {
                        w.visible[i] = RowMasks.visible(mask, s, Selection.NONE, b, h, row0 + i);
                    }
                    int qo = q.offset(b, h, row0 + i);
                    float rowMax = w.max[i];
                    for (int j = 0; j < keys; j++) {
                        float x;
                        if (full || w.visible[i].contains(key0 + j)) {
                            int ko = k.offset(b, kvh, key0 + j);
                            float dot = 0;
                            for (int c = 0; c < d; c++) {
                                dot += qd[qo + c] * kd[ko + c];
                            }
                            x = dot * scale;
                        } else {
                            x = Float.NEGATIVE_INFINITY;
                        }
                        w.scores[i * kvTile + j] = x;
                        rowMax = Math.max(rowMax, x);
                    }
                    float base = rowMax == Float.NEGATIVE_INFINITY ? 0f : rowMax;
                    float alpha = (float) Math.exp(w.max[i] - base);
                    float sum = 0;
                    int ao = i * dv;
                    for (int c = 0; c < dv; c++) {
                        w.acc[ao + c] *= alpha;
                    }
                    for (int j = 0; j < keys; j++) {
                        float p = (float) Math.exp(w.scores[i * kvTile + j] - base);
                        sum += p;
                        int vo = v.offset(b, kvh, key0 + j);
                        for (int c = 0; c < dv; c++) {
                            w.acc[ao + c] += p * vd[vo + c];
                        }
                    }
                    w.sum[i] = w.sum[i] * alpha + sum;
                    w.max[i] = rowMax;
                }
                tiles++;
            }
        }
        float[] od = out.data();
        for (int i = 0; i < rows; i++) {
            float inverse = w.sum[i] == 0 ? 0 : 1 / w.sum[i];
            int oo = out.offset(b, h, row0 + i);
            for (int c = 0; c < dv; c++) {
                od[oo + c] = w.acc[i * dv + c] * inverse;
            }
        }
        return tiles;
    }
}
