package io.attnkit.sim.gpu;

/** Running totals of one launch in the {@link Engine}: what its CTAs' steps cost, level by level. */
final class LaunchCounters {
    double smActive;
    double warpCycles;
    double dramRead;
    double dramWrite;
    long l2Read;
    long l2Write;
    double l2ReadHit;
    double smem;
    double tensor;
    double fma;
    double sfu;
    double tensorFlops;
    long events;
    long steps;
    long tiles;
    long emptyCtas;

    /** Charges {@code steps} (fractional while a chunk is in flight) of {@code cta}'s chunk at its present hit rates. */
    void charge(ResidentCta cta, double steps) {
        StepCost k = cta.cost;
        for (int i = 0; i < cta.accesses.length; i++) {
            Access a = cta.accesses[i];
            double bytes = steps * a.itemBytes();
            if (a.write()) {
                dramWrite += bytes * (1 - cta.hit[i]);
            } else {
                dramRead += bytes * (1 - cta.hit[i]);
                l2ReadHit += bytes * cta.hit[i];
            }
        }
        smem += steps * k.smemBytes();
        tensor += steps * k.tensorCycles();
        fma += steps * k.fmaCycles();
        sfu += steps * k.sfuCycles();
        tensorFlops += steps * k.tensorFlops();
    }

    /** Moves bytes counted as hits to DRAM: first touches of items, which cannot have hit. */
    void firstTouches(double reads, double writes) {
        dramRead += reads;
        l2ReadHit -= reads;
        dramWrite += writes;
    }

    /** Counts the exact L2 bytes and steps of {@code cta}'s finished chunk. */
    void chunkDone(ResidentCta cta) {
        for (Access a : cta.accesses) {
            if (a.write()) {
                l2Write += a.itemBytes() * cta.chunkSteps;
            } else {
                l2Read += a.itemBytes() * cta.chunkSteps;
            }
        }
        steps += cta.chunkSteps;
    }

    LaunchStats stats(Launch launch, Occupancy occupancy, double cycles) {
        return new LaunchStats(launch.name(), launch.grid(), occupancy, cycles, smActive, warpCycles, dramRead, dramWrite,
                l2Read, l2Write, l2ReadHit, smem, tensor, fma, sfu, tensorFlops, events, steps, tiles,
                tiles > 0 ? emptyCtas : 0); // a launch of other kernels (copies, the combine) has no tiles to miss
    }
}
