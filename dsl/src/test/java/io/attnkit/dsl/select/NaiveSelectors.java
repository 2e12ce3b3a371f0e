package io.attnkit.dsl.select;

import io.attnkit.dsl.model.DType;
import io.attnkit.dsl.model.Mask;
import io.attnkit.dsl.model.Shape;
import io.attnkit.dsl.reference.Tensor;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The selectors written a second time from docs/selectors.md, as plainly as possible: loops
 * over positions and elements, no shared code with the implementation. Each returns
 * {@code admitted[batch][head][row][key]}.
 */
public final class NaiveSelectors {
    private final Shape shape;
    private final DType dtype;
    private final double scale;
    private final Tensor q;
    private final Tensor k;

    public NaiveSelectors(Shape shape, DType dtype, double scale, Tensor q, Tensor k) {
        this.shape = shape;
        this.dtype = dtype;
        this.scale = scale;
        this.q = q;
        this.k = k;
    }

    double q(int b, int h, int i, int x) {
        return dtype.round(q.get(b, h, i, x));
    }

    double k(int b, int kvh, int j, int x) {
        return dtype.round(k.get(b, kvh, j, x));
    }

    long position(int row) {
        return row + (long) shape.kvLen() - shape.qLen();
    }

    /** Row of the query at key position {@code pos}, or -1. */
    int rowAt(long pos) {
        long row = pos - ((long) shape.kvLen() - shape.qLen());
        return row >= 0 && row < shape.qLen() ? (int) row : -1;
    }

    /** Candidates best first: score descending, then index ascending. */
    static List<Integer> ranked(List<Integer> candidates, double[] score) {
        List<Integer> out = new ArrayList<>(candidates);
        out.sort(Comparator.<Integer>comparingDouble(j -> -score[j]).thenComparing(j -> j));
        return out;
    }

    private boolean[][][][] empty() {
        return new boolean[shape.batch()][shape.heads()][shape.qLen()][shape.kvLen()];
    }

    private void admitBlock(boolean[] row, int block, int size) {
        for (int j = block * size; j < Math.min(shape.kvLen(), (block + 1) * size); j++) {
            row[j] = true;
        }
    }

    public boolean[][][][] moba(Mask.TopKBlocks sel) {
        boolean[][][][] out = empty();
        int d = shape.headDim();
        for (int b = 0; b < shape.batch(); b++) {
            for (int h = 0; h < shape.heads(); h++) {
                int kvh = h / (shape.heads() / shape.kvHeads());
                for (int i = 0; i < shape.qLen(); i++) {
                    long p = position(i);
                    if (p < 0) {
                        continue;
                    }
                    int current = (int) (p / sel.block());
                    double[] score = new double[current];
                    List<Integer> others = new ArrayList<>();
                    for (int j = 0; j < current; j++) {
                        double[] mean = new double[d];
                        int n = 0;
                        for (int key = j * sel.block(); key < Math.min(shape.kvLen(), (j + 1) * sel.block()); key++) {
                            for (int x = 0; x < d; x++) {
                                mean[x] += k(b, kvh, key, x);
                            }
                            n++;
                        }
                        for (int x = 0; x < d; x++) {
                            mean[x] /= n;
                        }
                        for (int x = 0; x < d; x++) {
                            score[j] += q(b, h, i, x) * mean[x];
                        }
                        others.add(j);
                    }
                    admitBlock(out[b][h][i], current, sel.block());
                    List<Integer> best = ranked(others, score);
                    for (int r = 0; r < Math.min(sel.k() - 1, best.size()); r++) {
                        admitBlock(out[b][h][i], best.get(r), sel.block());
                    }
                }
            }
        }
        return out;
    }

    /** XAttention's block masses, {@code mass[b][h][queryBlock][keyBlock]}, query blocks by position (negative ones absent). */
    public double[][][][] xattentionMass(Mask.XAttention sel) {
        int s = sel.stride();
        int blockSize = sel.block();
        int d = shape.headDim();
        int blocks = (shape.kvLen() + blockSize - 1) / blockSize;
        double[][][][] mass = new double[shape.batch()][shape.heads()][blocks][blocks];
        for (int b = 0; b < shape.batch(); b++) {
            for (int h = 0; h < shape.heads(); h++) {
                int kvh = h / (shape.heads() / shape.kvHeads());
                // Every stride group of positions holding a query row at a position >= 0.
                for (int r = 0; (long) r * s < shape.kvLen(); r++) {
                    boolean hasRow = false;
                    for (int t = 0; t < s; t++) {
                        hasRow |= rowAt((long) r * s + t) >= 0;
                    }
                    if (!hasRow) {
                        continue;
                    }
                    double[] z = new double[r + 1];
                    for (int c = 0; c <= r; c++) {
                        double a = 0;
                        for (int t = 0; t < s; t++) {
                            int row = rowAt((long) r * s + s - 1 - t);
                            int key = c * s + t;
                            for (int x = 0; x < d; x++) {
                                double qx = row >= 0 ? q(b, h, row, x) : 0;
                                double kx = key < shape.kvLen() ? k(b, kvh, key, x) : 0;
                                a += qx * kx;
                            }
                        }
                        z[c] = a * scale / s;
                    }
                    double max = Double.NEGATIVE_INFINITY;
                    for (double v : z) {
                        max = Math.max(max, v);
                    }
                    double sum = 0;
                    for (int c = 0; c <= r; c++) {
                        z[c] = Math.exp(z[c] - max);
                        sum += z[c];
                    }
                    for (int c = 0; c <= r; c++) {
                        mass[b][h][r * s / blockSize][c * s / blockSize] += z[c] / sum;
                    }
                }
            }
        }
        return mass;
    }

    public boolean[][][][] xattention(Mask.XAttention sel) {
        double[][][][] mass = xattentionMass(sel);
        boolean[][][][] out = empty();
        for (int b = 0; b < shape.batch(); b++) {
            for (int h = 0; h < shape.heads(); h++) {
                for (int i = 0; i < shape.qLen(); i++) {
                    long p = position(i);
                    if (p < 0) {
                        continue;
                    }
                    int qb = (int) (p / sel.block());
                    for (int kb : xattentionKept(mass[b][h][qb], qb, sel.threshold())) {
                        admitBlock(out[b][h][i], kb, sel.block());
                    }
                }
            }
        }
        return out;
    }

    /** The key blocks XAttention keeps for query block {@code qb}, given its masses. */
    static List<Integer> xattentionKept(double[] mass, int qb, double threshold) {
        double total = 0;
        for (int kb = 0; kb <= qb; kb++) {
            total += mass[kb];
        }
        List<Integer> kept = new ArrayList<>(List.of(0));
        double sum = mass[0];
        if (qb > 0) {
            kept.add(qb);
            sum += mass[qb];
        }
        List<Integer> others = new ArrayList<>();
        for (int kb = 1; kb < qb; kb++) {
            others.add(kb);
        }
        for (int kb : ranked(others, mass)) {
            if (sum >= threshold * total) {
                break;
            }
            kept.add(kb);
            sum += mass[kb];
        }
        return kept;
    }

    /** NSA, with the importances of a GQA group summed over the heads with {@code uses[b][h]}. */
    public boolean[][][][] nsa(Mask.Nsa sel, boolean[][] uses) {
        boolean[][][][] out = empty();
        int d = shape.headDim();
        int group = shape.heads() / shape.kvHeads();
        int l = sel.compress();
        int stride = sel.stride();
        int size = sel.selectBlock();
        for (int b = 0; b < shape.batch(); b++) {
            for (int kvh = 0; kvh < shape.kvHeads(); kvh++) {
                for (int i = 0; i < shape.qLen(); i++) {
                    long p = position(i);
                    if (p < 0) {
                        continue;
                    }
                    int current = (int) (p / size);
                    double[] importance = new double[current + 1];
                    for (int h = kvh * group; h < (kvh + 1) * group; h++) {
                        if (!uses[b][h]) {
                            continue;
                        }
                        List<double[]> compressed = new ArrayList<>();
                        for (int c = 0; (long) c * stride + l - 1 <= p; c++) {
                            double[] mean = new double[d];
                            for (int key = c * stride; key < c * stride + l; key++) {
                                for (int x = 0; x < d; x++) {
                                    mean[x] += k(b, kvh, key, x);
                                }
                            }
                            for (int x = 0; x < d; x++) {
                                mean[x] /= l;
                            }
                            compressed.add(mean);
                        }
                        double[] z = new double[compressed.size()];
                        double max = Double.NEGATIVE_INFINITY;
                        for (int c = 0; c < z.length; c++) {
                            for (int x = 0; x < d; x++) {
                                z[c] += q(b, h, i, x) * compressed.get(c)[x];
                            }
                            z[c] *= scale;
                            max = Math.max(max, z[c]);
                        }
                        double sum = 0;
                        for (int c = 0; c < z.length; c++) {
                            z[c] = Math.exp(z[c] - max);
                            sum += z[c];
                        }
                        for (int c = 0; c < z.length; c++) {
                            for (int j = 0; j <= current; j++) {
                                // Stride-sized chunks that compressed block c and selection block j share.
                                int shared = 0;
                                for (int key = 0; key < shape.kvLen() + size; key += stride) {
                                    boolean inCompressed = key >= c * stride && key < c * stride + l;
                                    boolean inBlock = key >= j * size && key < (j + 1) * size;
                                    shared += inCompressed && inBlock ? 1 : 0;
                                }
                                importance[j] += shared * (z[c] / sum);
                            }
                        }
                    }
                    List<Integer> chosen = new ArrayList<>();
                    for (int forced : new int[] {current, 0, current - 1}) {
                        if (forced >= 0 && !chosen.contains(forced) && chosen.size() < sel.selectCount()) {
                            chosen.add(forced);
                        }
                    }
                    List<Integer> others = new ArrayList<>();
                    for (int j = 0; j <= current; j++) {
                        if (!chosen.contains(j)) {
                            others.add(j);
                        }
                    }
                    for (int j : ranked(others, importance)) {
                        if (chosen.size() < sel.selectCount()) {
                            chosen.add(j);
                        }
                    }
                    for (int h = kvh * group; h < (kvh + 1) * group; h++) {
                        if (!uses[b][h]) {
                            continue;
                        }
                        for (int j : chosen) {
                            admitBlock(out[b][h][i], j, size);
                        }
                        for (long key = Math.max(0, p - sel.window() + 1); key <= p; key++) {
                            out[b][h][i][(int) key] = true;
                        }
                    }
                }
            }
        }
        return out;
    }
}
