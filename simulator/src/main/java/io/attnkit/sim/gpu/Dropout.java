package io.attnkit.sim.gpu;

/**
 * Attention dropout's work per score element. Every implementation draws its keep mask with
 * Philox4x32-10, which gives 128 random bits per call of about 40 integer instructions (ten
 * rounds of two 32 x 32-bit multiplies, the xors and the key updates), then compares each
 * element's share of the bits with the threshold and selects. They differ in the share:
 * PyTorch's dropout kernel takes 32 bits per element ({@code curand_uniform4}),
 * FlashAttention-1 16 ({@code apply_dropout_16bits}), FlashAttention-2 8
 * ({@code p_dropout_in_uint8_t}). The fused kernels draw the mask again in the backward
 * instead of storing it.
 */
public final class Dropout {
    /** Integer instructions of one Philox4x32-10 call. */
    static final double PHILOX_OPS = 40;
    /** Random bits a call gives. */
    static final int PHILOX_BITS = 128;
    /** The compare with the threshold and the select, per element. */
    static final double KEEP_OPS = 2;
    /** Random bits per element of each implementation. */
    static final int PYTORCH_BITS = 32;
    static final int FLASH1_BITS = 16;
    static final int FLASH2_BITS = 8;

    private Dropout() {
    }

    /** Instructions per element when each takes {@code bits} random bits. */
    static double opsPerElement(int bits) {
        return PHILOX_OPS * bits / PHILOX_BITS + KEEP_OPS;
    }

    /** The instructions that drop {@code elements} score elements with probability {@code p} (none when p is 0). */
    static double aluOps(double p, double elements, int bits) {
        return p > 0 ? opsPerElement(bits) * elements : 0;
    }
}
