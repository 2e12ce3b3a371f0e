package io.attnkit.sim.gpu;

import io.attnkit.dsl.blocks.BlockMap;
import io.attnkit.dsl.model.KernelSpec;
import io.attnkit.dsl.model.Shape;
import io.attnkit.sim.Pass;
import io.attnkit.sim.Raster;
import io.attnkit.sim.gpu.MatrixKernels.Operand;
import io.attnkit.sim.l2.AddressSpace;
import java.util.ArrayList;
import java.util.List;

/**
 * Unfused attention as PyTorch's eager mode runs it, kernel by kernel, modelled on
 * {@code attention_pytorch} of FlashAttention's benchmarks (the baseline of FlashAttention's
 * and FlashAttention-3's figures). What it materialises, in the storage type unless said:
 * <ul>
 * <li>forward: Q, K and V copied to head-major layout (the {@code rearrange} to
 * {@code (b h) t d}; grouped K/V heads repeated); {@code S = scale QK^T} (a batched GEMM, the
 * scale folded in as {@code baddbmm}'s alpha); when the kernel has a mask, {@code S + M}
 * written by an elementwise add of an N x N additive mask shared by all heads; the softmax
 * {@code P}; with dropout, the dropped {@code P} and a one-byte keep mask; {@code O = PV}
 * (a batched GEMM whose output the einsum returns as a view);</li>
 * <li>backward (autograd): {@code dP = dO V^T} and {@code dV = P^T dO} (the GEMM's two
 * gradients); with dropout, dP through the keep mask; the softmax backward reads P and dP and
 * writes dS; the mask's add has an identity gradient; {@code dQ = scale dS K},
 * {@code dK = scale dS^T Q}; the gradients copied back to the input layout (summed over a
 * group of query heads for grouped K/V).</li>
 * </ul>
 * No tile is skipped: masks are applied elementwise. The N x N causal mask is built once per
 * call by {@code attention_pytorch} (a few passes over one N x N matrix, independent of batch
 * and heads); that is not simulated.
 */
public final class StandardSchedule {
    /** Output tile of the GEMMs. */
    public static final int TILE = MatrixKernels.TILE;

    private StandardSchedule() {
    }

    /** The launches of {@code pass}, with every tensor allocated in {@code space}. */
    public static List<Launch> launches(KernelSpec kernel, BlockMap map, Machine machine, Raster raster, AddressSpace space,
                                        Pass pass, double dropout) {
        Shape s = kernel.shape();
        MatrixKernels m = new MatrixKernels(kernel, machine, raster, space);
        int in = kernel.dtype().bytes();
        int sBytes = Math.max(2, in);
        int out = kernel.dtype().outputType().bytes();
        int bh = m.bh;
        int bkv = s.batch() * s.kvHeads();
        int d = s.headDim();
        int dv = s.vDim();
        long elements = (long) s.qLen() * s.kvLen();
        boolean masked = map.visibleElements() < elements * s.batch() * s.heads();
        boolean drop = dropout > 0;

        int[] q = m.panels("Q", bh, d, in, false);
        int[] k = m.panels("K", bkv, d, in, true);
        int[] v = m.panels("V", bkv, dv, in, true);
        int[] qc = m.panels("Qc", bh, d, in, false);
        int[] kc = m.panels("Kc", bh, d, in, true);
        int[] vc = m.panels("Vc", bh, dv, in, true);
        int[] scores = m.matrix("S", sBytes, false);
        int[] maskAdd = masked ? m.matrix("M", sBytes, true) : null;
        int[] maskedScores = masked ? m.matrix("S+M", sBytes, false) : scores;
        int[] p = m.matrix("P", sBytes, false);
        int[] dropped = drop ? m.matrix("Pdrop", sBytes, false) : p;
        int[] keep = drop ? m.matrix("keep", 1, false) : null;
        int[] o = m.panels("O", bh, dv, out, false);

        List<Launch> launches = new ArrayList<>();
        if (pass.forward()) {
            launches.add(m.copy("copy_q", q, false, qc, false, d, in, false));
            launches.add(m.copy("copy_k", k, true, kc, false, d, in, true));
            launches.add(m.copy("copy_v", v, true, vc, false, dv, in, true));
            launches.add(m.rowTimesPanels("qk_gemm", qc, kc, false, d, scores, sBytes));
            if (masked) {
                launches.add(m.rowPass("mask_add", List.of(new Operand(scores, sBytes, false),
                        new Operand(maskAdd, sBytes, false), new Operand(maskedScores, sBytes, true)), 1, 1, 0, 0));
            }
            // Per element: the maximum, subtract, exp2, sum, scale, conversions.
            launches.add(m.rowPass("softmax", List.of(new Operand(maskedScores, sBytes, false), new Operand(p, sBytes, true)),
                    3, 4, 1, 0));
            if (drop) {
                launches.add(m.rowPass("dropout", List.of(new Operand(p, sBytes, false), new Operand(dropped, sBytes, true),
                        new Operand(keep, 1, true)), 1, Dropout.opsPerElement(Dropout.PYTORCH_BITS), 0, 0));
            }
            launches.add(m.rowTimesPanelsReduce("pv_gemm", dropped, sBytes, vc, false, dv, o, out));
        }
        if (pass.backward()) {
            int[] dO = m.panels("dO", bh, dv, out, false);
            int[] dDropped = m.matrix("dPdrop", sBytes, false);
            int[] dP = drop ? m.matrix("dP", sBytes, false) : dDropped;
            int[] dS = m.matrix("dS", sBytes, false);
            int[] dqc = m.panels("dQc", bh, d, in, false);
            int[] dkc = m.panels("dKc", bh, d, in, true);
            int[] dvc = m.panels("dVc", bh, dv, in, true);
            int[] dq = m.panels("dQ", bh, d, in, false);
            int[] dk = m.panels("dK", bkv, d, in, true);
            int[] dV = m.panels("dV", bkv, dv, in, true);
            boolean grouped = bkv != bh;
            launches.add(m.rowTimesPanels("dp_gemm", dO, vc, false, dv, dDropped, sBytes));
            launches.add(m.columnTimesPanelsReduce("dv_gemm", dropped, sBytes, dO, dv, dvc, in));
            if (drop) {
                launches.add(m.rowPass("dropout_bwd", List.of(new Operand(dDropped, sBytes, false), new Operand(keep, 1, false),
                        new Operand(dP, sBytes, true)), 1, 2, 0, 0));
            }
            // dS = P (dP - rowsum(P dP)): a multiply, the row sum, subtract, multiply, conversions.
            launches.add(m.rowPass("softmax_bwd", List.of(new Operand(p, sBytes, false), new Operand(dP, sBytes, false),
                    new Operand(dS, sBytes, true)), 3, 3, 0, 2));
            launches.add(m.rowTimesPanelsReduce("dq_gemm", dS, sBytes, kc, false, d, dqc, in));
            launches.add(m.columnTimesPanelsReduce("dk_gemm", dS, sBytes, qc, d, dkc, in));
            launches.add(m.copy("copy_dq", dqc, false, dq, false, d, in, false));
            launches.add(m.copy("copy_dk", dkc, false, dk, grouped, d, in, true));
            launches.add(m.copy("copy_dv", dvc, false, dV, grouped, dv, in, true));
        }
        return launches;
    }
}
