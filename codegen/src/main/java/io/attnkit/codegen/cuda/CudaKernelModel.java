package io.attnkit.codegen.cuda;

import io.attnkit.codegen.BackendException;
import io.attnkit.codegen.Origin;
import io.attnkit.codegen.c.CKernelModel;
import io.attnkit.dsl.model.DType;
import io.attnkit.dsl.model.KernelSpec;

/**
 * What {@code cuda.stg} renders beyond the shared C model: the launch and, for f16/bf16
 * storage, the tensor-core kernel's warp layout, mma fragment counts and shared-memory layout.
 *
 * @param base        the shared C99 model (tables, masks, constants)
 * @param tensorCores true for f16/bf16 (mma.sync), false for f32 (the C99 core's FMA kernel)
 * @param mmaType     the PTX type of the mma operands: f16 or bf16
 * @param threads     threads per block
 * @param rowsPerWarp query rows each warp owns; a multiple of 16 (mma row fragments)
 * @param chunkKeys   keys per online-softmax step: the tile's keys are taken in chunks of this many
 * @param qStride     shared-memory row length of the Q tile in elements (padded by 8)
 * @param smemBytes   dynamic shared memory per block: Q tile, then {@code stages} K and V tiles
 */
public record CudaKernelModel(CKernelModel base, boolean tensorCores, String mmaType, int warps, int threads,
                              int stages, int rowsPerWarp, int rowFrags, int qkSteps, int chunkKeys, int chunkFrags,
                              int oFrags, int qStride, int kStride, int vStride, long smemBytes) {

    /** Padding of each shared-memory row, in 2-byte elements: 16 bytes shift rows by 4 banks. */
    static final int ROW_PAD = 8;

    /**
     * Keys per online-softmax step of the tensor-core kernel: a 64-key tile is two steps, so
     * only 32 keys of scores are live next to the output accumulators (no spills at head_dim 128).
     */
    static final int CHUNK_KEYS = 32;

    /** The most dynamic shared memory a block may opt into on sm_90 (227 KiB). */
    static final long SM90_MAX_SMEM = 227 * 1024;

    public static CudaKernelModel of(KernelSpec kernel, Origin origin) throws BackendException {
        CKernelModel base = CKernelModel.of(kernel, origin, "cuda");
        if (kernel.dtype() == DType.F32) {
            return new CudaKernelModel(base, false, "", 0, base.qTile(), kernel.tiles().stages(), 0, 0, 0, 0, 0, 0,
                    0, 0, 0, 0);
        }
        String refusal = "kernel '" + kernel.name() + "': the cuda backend's tensor-core kernel needs ";
        int warps = kernel.tiles().warps();
        if (base.qTile() % (16 * warps) != 0) {
            throw new BackendException(refusal + "tile q a multiple of 16 x warps (" + 16 * warps + "), not " + base.qTile());
        }
        if (base.kvTile() % 16 != 0) {
            throw new BackendException(refusal + "tile kv a multiple of 16, not " + base.kvTile());
        }
        if (base.headDim() % 16 != 0 || base.vDim() % 16 != 0) {
            throw new BackendException(refusal + "head_dim and v_dim multiples of 16, not " + base.headDim() + " and "
                    + base.vDim());
        }
        int rowsPerWarp = base.qTile() / warps;
        int chunkKeys = base.kvTile() % CHUNK_KEYS == 0 ? CHUNK_KEYS : 16;
        int stages = kernel.tiles().stages();
        int qStride = base.headDim() + ROW_PAD;
        int vStride = base.vDim() + ROW_PAD;
        long smem = 2L * ((long) base.qTile() * qStride + (long) stages * base.kvTile() * (qStride + vStride));
        if (smem > SM90_MAX_SMEM) {
            throw new BackendException("kernel '" + kernel.name() + "' needs " + smem + " bytes of shared memory per block "
                    + "(Q tile and " + stages + " K/V stages); the most a block may use is " + SM90_MAX_SMEM
                    + ": lower tile q, tile kv or stages");
        }
        return new CudaKernelModel(base, true, kernel.dtype() == DType.BF16 ? "bf16" : "f16", warps, 32 * warps, stages,
                rowsPerWarp, rowsPerWarp / 16, base.headDim() / 16, chunkKeys, chunkKeys / 8,
                base.vDim() / 8, qStride, qStride, vStride, smem);
    }
}
