package io.attnkit.sim.gpu;

/**
 * How many CTAs of one kernel an SM holds at once, and what limits it: shared memory,
 * registers, threads or the block slots, as the CUDA occupancy calculator computes it.
 *
 * @param ctasPerSm       resident CTAs per SM (at least 1 when the kernel can launch)
 * @param limiter         the resource that sets {@code ctasPerSm}
 * @param bySharedMemory  CTAs that shared memory alone would allow
 * @param byRegisters     CTAs that registers alone would allow
 * @param byThreads       CTAs that the thread limit alone would allow
 * @param byBlocks        the SM's block slots
 */
public record Occupancy(int ctasPerSm, Limiter limiter, int bySharedMemory, int byRegisters, int byThreads, int byBlocks,
                        long sharedMemPerCta, int threadsPerCta, int registersPerThread) {

    /** The resource that limits residency. */
    public enum Limiter {
        SHARED_MEMORY("shared memory"), REGISTERS("registers"), THREADS("threads"), BLOCKS("block slots");

        private final String words;

        Limiter(String words) {
            this.words = words;
        }

        public String words() {
            return words;
        }
    }

    /** Shared memory the runtime reserves per CTA on compute capability 8.0 and later (CUDA Programming Guide). */
    public static final long RESERVED_SMEM_PER_CTA = 1024;

    /** CUDA's threads per block on every architecture since Fermi (OpenCL devices report the same or less). */
    static final int MAX_THREADS_PER_CTA = 1024;

    /**
     * Residency of a CTA with {@code smemBytes} of shared memory, {@code threads} threads and
     * {@code registersPerThread} registers per thread.
     *
     * @throws IllegalArgumentException when not even one CTA fits, with the arithmetic
     */
    public static Occupancy of(Machine m, long smemBytes, int threads, int registersPerThread) {
        var t = m.target();
        int warps = (threads + 31) / 32;
        if (threads > MAX_THREADS_PER_CTA) {
            throw new IllegalArgumentException("a CTA of " + threads + " threads; a GPU launches at most "
                    + MAX_THREADS_PER_CTA + " per block");
        }
        long smemPerBlockLimit = t.sharedMemPerBlock() > 0 ? t.sharedMemPerBlock() : t.sharedMemPerUnit();
        if (smemBytes > smemPerBlockLimit) {
            throw new IllegalArgumentException("a CTA needs " + smemBytes + " B of shared memory; " + t.name()
                    + " allows " + smemPerBlockLimit + " B per block");
        }
        int bySmem = smemBytes == 0 ? Integer.MAX_VALUE
                : (int) Math.min(Integer.MAX_VALUE, t.sharedMemPerUnit() / (smemBytes + RESERVED_SMEM_PER_CTA));
        int regs = Math.min(Math.max(registersPerThread, 1), m.micro().maxRegistersPerThread());
        int unit = m.micro().registerAllocationUnit();
        long perWarp = ((long) regs * 32 + unit - 1) / unit * unit;
        long perCta = perWarp * warps;
        int byRegs = t.registersPerUnit() > 0 ? (int) Math.min(Integer.MAX_VALUE, t.registersPerUnit() / perCta) : Integer.MAX_VALUE;
        int byThreads = t.maxThreadsPerUnit() > 0 ? t.maxThreadsPerUnit() / (warps * 32) : Integer.MAX_VALUE;
        int byBlocks = t.maxBlocksPerUnit() > 0 ? t.maxBlocksPerUnit() : Integer.MAX_VALUE;
        int n = Math.min(Math.min(bySmem, byRegs), Math.min(byThreads, byBlocks));
        Limiter limiter = n == bySmem ? Limiter.SHARED_MEMORY : n == byRegs ? Limiter.REGISTERS
                : n == byThreads ? Limiter.THREADS : Limiter.BLOCKS;
        if (n < 1) {
            throw new IllegalArgumentException("a CTA of " + threads + " threads, " + regs + " registers per thread and "
                    + smemBytes + " B of shared memory does not fit on an SM of " + t.name() + " (limited by "
                    + limiter.words() + ")");
        }
        return new Occupancy(n, limiter, bySmem, byRegs, byThreads, byBlocks, smemBytes, threads, regs);
    }

    /** A CPU core: {@code threads} worker threads, no shared memory or registers to share. */
    public static Occupancy cpu(int threads) {
        int n = Math.max(1, threads);
        return new Occupancy(n, Limiter.THREADS, Integer.MAX_VALUE, Integer.MAX_VALUE, n, Integer.MAX_VALUE, 0, 1, 1);
    }

    /** Resident warps per SM as a fraction of the SM's maximum. */
    public double theoretical(Machine m) {
        int maxThreads = m.target().maxThreadsPerUnit();
        return maxThreads > 0 ? Math.min(1.0, (double) ctasPerSm * threadsPerCta / maxThreads) : 1.0;
    }
}
