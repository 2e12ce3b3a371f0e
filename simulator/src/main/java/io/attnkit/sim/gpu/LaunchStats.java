package io.attnkit.sim.gpu;

/**
 * What one launch did, as the engine counted it. Byte counts through the L2 are exact sums of
 * whole tiles; DRAM bytes are what the L2 model let through (expected values under the reuse
 * model, exact under the line-by-line model).
 *
 * @param cycles             SM cycles from launch to the last CTA's exit, launch overhead included
 * @param smActiveCycles     sum over SMs of the cycles with at least one resident CTA
 * @param warpCycles         sum over SMs of resident warps times cycles (achieved occupancy)
 * @param tensorCycles       sum over SMs of tensor-pipe busy cycles
 * @param events             engine events (chunk completions)
 * @param steps              CTA steps simulated (tiles of the tile program, prologues, epilogues)
 * @param emptyCtas          CTAs of a tile program that visit no tile (a split's key range a window
 *                           does not reach, a q-block a mask hides whole): they cost only their
 *                           set-up; 0 for launches of other kernels
 */
public record LaunchStats(String name, long grid, Occupancy occupancy, double cycles, double smActiveCycles,
                          double warpCycles, double dramReadBytes, double dramWriteBytes, long l2ReadBytes,
                          long l2WriteBytes, double l2ReadHitBytes, double smemBytes, double tensorCycles,
                          double fmaCycles, double sfuCycles, double tensorFlops, long events, long steps,
                          long tiles, long emptyCtas) {

    /** Full waves of CTAs: grid over resident slots. */
    public double waves(int sms) {
        return (double) grid / ((long) sms * occupancy.ctasPerSm());
    }

    /** Mean resident warps over the SM's {@code maxWarps}, while an SM was busy with this launch (0: never busy). */
    public double achievedOccupancy(int maxWarps) {
        return smActiveCycles > 0 ? warpCycles / smActiveCycles / maxWarps : 0;
    }
}
