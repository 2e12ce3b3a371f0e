package io.attnkit.bench.sim;

import io.attnkit.dsl.blocks.BlockMap;
import io.attnkit.dsl.model.KernelSpec;
import io.attnkit.dsl.model.TargetSpec;
import io.attnkit.sim.SimOptions;
import io.attnkit.sim.SimResult;
import io.attnkit.sim.Simulator;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.Locale;

/**
 * The simulator's cost against the work it simulates: for context lengths doubling up to
 * 1M tokens, one Llama-3.1-8B layer on the H100, wall-clock of the block map and of the
 * simulation (each the second of two runs, after JIT warm-up, and the first run's too),
 * engine events, visited tiles, events and tiles per second, and the peak heap. Prints a
 * Markdown table. Run it in a JVM capped at 1 GiB of heap:
 * {@code java -Xmx1g -cp bench/target/benchmarks.jar io.attnkit.bench.sim.SimulatorScaling 8192 ... 1048576}.
 */
public final class SimulatorScaling {
    private SimulatorScaling() {
    }

    public static void main(String[] args) {
        int[] tokens = args.length == 0 ? new int[] {8192, 16384, 32768, 65536, 131072, 262144, 524288, 1048576}
                : java.util.Arrays.stream(args).mapToInt(Integer::parseInt).toArray();
        TargetSpec target = LlamaLayer.target();
        System.out.printf(Locale.ROOT, "heap limit %.0f MiB, %d cores%n%n", Runtime.getRuntime().maxMemory() / 1048576.0,
                Runtime.getRuntime().availableProcessors());
        System.out.println("| tokens | visited tiles | events | first run (s) | block map (s) | simulation (s) | total (s) | events/s | tiles/s | peak heap (MiB) |");
        System.out.println("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (int n : tokens) {
            KernelSpec kernel = LlamaLayer.kernel(n);
            long t0 = System.nanoTime();
            Simulator.simulate(kernel, target, BlockMap.of(kernel), SimOptions.defaults());
            double first = (System.nanoTime() - t0) / 1e9;
            resetPeaks();
            long t1 = System.nanoTime();
            BlockMap map = BlockMap.of(kernel);
            long t2 = System.nanoTime();
            SimResult r = Simulator.simulate(kernel, target, map, SimOptions.defaults());
            long t3 = System.nanoTime();
            double blockMap = (t2 - t1) / 1e9;
            double sim = (t3 - t2) / 1e9;
            System.out.printf(Locale.ROOT, "| %d | %d | %d | %.2f | %.3f | %.3f | %.3f | %.3g | %.3g | %.0f |%n", n,
                    r.visitedTiles(), r.events(), first, blockMap, sim, blockMap + sim, r.events() / sim,
                    r.visitedTiles() / sim, peakHeap() / 1048576.0);
        }
    }

    private static void resetPeaks() {
        System.gc();
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                pool.resetPeakUsage();
            }
        }
    }

    private static double peakHeap() {
        double sum = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                sum += pool.getPeakUsage().getUsed();
            }
        }
        return sum;
    }
}
