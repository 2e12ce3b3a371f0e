package io.attnkit.cli;

import io.attnkit.sim.L2Mode;
import io.attnkit.sim.Pass;
import io.attnkit.sim.Raster;
import io.attnkit.sim.Schedule;
import io.attnkit.sim.SimOptions;
import java.util.Optional;
import picocli.CommandLine.Option;

/** The options of {@code simulate} that shape the launches (schedule, pass, splits, resources), as one mixin. */
final class LaunchOptions {
    @Option(names = "--schedule", paramLabel = "S", defaultValue = "flash",
            description = "flash (fused FlashAttention-2, default), standard (S and P through memory), flash1 (FlashAttention-1), flash3 (FlashAttention-3's forward, sm_90)")
    String schedule;

    @Option(names = "--pass", paramLabel = "P", defaultValue = "fwd",
            description = "fwd (default), bwd, or fwd+bwd (the backward after the forward)")
    String pass;

    @Option(names = "--kv-splits", paramLabel = "N", defaultValue = "1",
            description = "cut the keys of each row into N ranges, one CTA each, and merge the partial outputs "
                    + "(split-KV, as Flash-Decoding runs decode); 'auto' picks N by FlashAttention-2's rule on this kernel's CTA slots and kv tile (default 1)")
    String kvSplits;

    @Option(names = "--dropout", paramLabel = "P", defaultValue = "0",
            description = "attention dropout probability: the fused kernels draw the keep mask on chip (again in the backward), "
                    + "the standard schedule writes the dropped P and the mask (default 0)")
    double dropout;

    @Option(names = "--raster", paramLabel = "ORDER", defaultValue = "q-major",
            description = "CTA launch order: q-major (default), head-major, q-reverse")
    String raster;

    @Option(names = "--l2", paramLabel = "MODEL", defaultValue = "model",
            description = "model (reuse model over runs of tiles, default) or exact (every line through a set-associative LRU; slow)")
    String l2;

    @Option(names = "--registers", paramLabel = "N", description = "registers per thread of the fused kernel, as ptxas reports them")
    Optional<Integer> registers;

    @Option(names = "--smem", paramLabel = "BYTES", description = "shared memory per CTA of the fused kernel, as ptxas reports it")
    Optional<Long> smem;

    @Option(names = "--overlap-ctas", description = "let co-resident CTAs overlap their matrix and vector phases "
            + "(kernels that schedule warp groups explicitly); by default an SM runs them in turn")
    boolean overlapCtas;

    @Option(names = "--pack-gqa", description = "pack the query heads of each KV head into one CTA's rows, so that one CTA "
            + "reads each K/V tile for the group (FlashAttention-2's decode path, FlashAttention-3's PackGQA); the forward of "
            + "--schedule flash (with --pass fwd+bwd the backward stays per head), grouped heads only")
    boolean packGqa;

    /** The options as the simulator takes them, refusing bad values; {@code traceCtas} 0 for no trace. */
    SimOptions simOptions(int traceCtas) {
        SimOptions o = SimOptions.defaults()
                .withSchedule(Schedule.parse(schedule).orElseThrow(() -> usage("--schedule", schedule, "flash, standard, flash1, flash3")))
                .withPass(Pass.parse(pass).orElseThrow(() -> usage("--pass", pass, "fwd, bwd, fwd+bwd")))
                .withRaster(Raster.parse(raster).orElseThrow(() -> usage("--raster", raster, "q-major, head-major, q-reverse")))
                .withL2(L2Mode.parse(l2).orElseThrow(() -> usage("--l2", l2, "model, exact")))
                .withTrace(traceCtas)
                .withOverlapCtas(overlapCtas)
                .withPackGqa(packGqa);
        if (!(dropout >= 0 && dropout < 1)) {
            throw new CliException(ExitCodes.USAGE, "--dropout must be in [0, 1)");
        }
        o = o.withDropout(dropout).withKvSplits(kvSplits());
        if (o.kvSplits() != 1 && o.schedule() != Schedule.FLASH) {
            throw new CliException(ExitCodes.USAGE, "--kv-splits applies to --schedule flash");
        }
        if (registers.isPresent() != smem.isPresent()) {
            throw new CliException(ExitCodes.USAGE, "give --registers and --smem together");
        }
        if (registers.isPresent()) {
            if (registers.get() < 1 || smem.get() < 0) {
                throw new CliException(ExitCodes.USAGE, "--registers must be positive and --smem not negative");
            }
            o = o.withResources(new SimOptions.Resources(registers.get(), smem.get()));
        }
        return o;
    }

    private int kvSplits() {
        if (kvSplits.equalsIgnoreCase("auto")) { // as the other options' names are
            return SimOptions.AUTO_KV_SPLITS;
        }
        try {
            int n = Integer.parseInt(kvSplits);
            if (n >= 1) {
                return n;
            }
        } catch (NumberFormatException e) {
            if (kvSplits.matches("\\+?0*[1-9][0-9]*")) { // positive, past an int: no row has that many K/V blocks
                throw new CliException(ExitCodes.USAGE, "--kv-splits " + kvSplits + " is more than the K/V blocks of any row");
            }
        }
        throw new CliException(ExitCodes.USAGE, "--kv-splits must be a positive number or 'auto', not '" + kvSplits + "'");
    }

    private static CliException usage(String option, String value, String choices) {
        return new CliException(ExitCodes.USAGE, "unknown " + option + " '" + value + "'; choose " + choices);
    }
}
