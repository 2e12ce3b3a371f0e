package io.attnkit.sim;

import io.attnkit.dsl.blocks.BlockMap;
import io.attnkit.dsl.model.DType;
import io.attnkit.dsl.model.HeadGroup;
import io.attnkit.dsl.model.KernelSpec;
import io.attnkit.dsl.model.Shape;
import io.attnkit.dsl.model.TargetSpec;
import io.attnkit.sim.cpu.JavaKernelSchedule;
import io.attnkit.sim.gpu.Engine;
import io.attnkit.sim.gpu.Flash1BackwardSchedule;
import io.attnkit.sim.gpu.Flash1Schedule;
import io.attnkit.sim.gpu.FlashBackwardSchedule;
import io.attnkit.sim.gpu.FlashSchedule;
import io.attnkit.sim.gpu.KvSplits;
import io.attnkit.sim.gpu.Launch;
import io.attnkit.sim.gpu.LaunchStats;
import io.attnkit.sim.gpu.Machine;
import io.attnkit.sim.gpu.Occupancy;
import io.attnkit.sim.gpu.StandardSchedule;
import io.attnkit.sim.gpu.TraceSink;
import io.attnkit.sim.l2.AddressSpace;
import io.attnkit.sim.l2.ExactL2;
import io.attnkit.sim.l2.HitCurve;
import io.attnkit.sim.l2.L2Model;
import io.attnkit.sim.l2.SetAssociativeLru;
import io.attnkit.sim.l2.StreamReuseL2;
import io.attnkit.sim.report.ChromeTrace;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Predicts time and traffic of an attention kernel on a target: builds the launches of
 * the schedule from the kernel and its block map, runs them one after the other on the
 * {@link Engine} (the L2 keeps its contents from one launch to the next), and sums up.
 */
public final class Simulator {
    private Simulator() {
    }

    /** A simulation with its trace, when one was asked for. */
    public record Run(SimResult result, Optional<ChromeTrace> trace) {
    }

    /**
     * Simulates {@code kernel} over {@code map} on {@code target}: on a GPU the schedule's
     * launches; on a CPU the Java backend's kernel, one worker thread per core.
     */
    public static SimResult simulate(KernelSpec kernel, TargetSpec target, BlockMap map, SimOptions options) {
        return run(kernel, target, map, options).result();
    }

    /**
     * Refuses, as {@link #run} would before simulating anything, options that {@code target} or
     * {@code kernel} cannot take: callers that simulate many points check them all first.
     *
     * @throws OptionsException for options that do not apply
     */
    public static void check(KernelSpec kernel, TargetSpec target, BlockMap map, SimOptions options) {
        if (!map.shape().equals(kernel.shape())) {
            throw new IllegalArgumentException("the block map is for another shape");
        }
        Machine machine = Machine.of(target);
        boolean cpu = target.kind() == TargetSpec.Kind.CPU;
        if (cpu && options.schedule() != Schedule.FLASH) {
            throw new OptionsException("on a CPU target the simulator runs the Java backend's kernel (schedule flash), not "
                    + options.schedule().spelling());
        }
        if (options.kvSplits() != 1 && (cpu || options.schedule() != Schedule.FLASH || !options.pass().forward())) {
            throw new OptionsException("kv splits apply to the forward of the flash schedule on a GPU target");
        }
        if (cpu && options.dropout() > 0) {
            throw new OptionsException("on a CPU target the simulator runs the Java backend's kernel, which has no dropout");
        }
        if (cpu && options.pass().backward()) {
            throw new OptionsException("on a CPU target the simulator runs the Java backend's kernel, which has no backward pass");
        }
        if (cpu && (options.raster() != Raster.Q_MAJOR || options.overlapCtas() || options.resources().isPresent())) {
            throw new OptionsException("raster order, overlapping CTAs, registers and shared memory describe GPU launches; "
                    + target.name() + " is a CPU");
        }
        if (options.schedule() == Schedule.FLASH1 && options.raster() != Raster.Q_MAJOR) {
            // Refused rather than ignored: a saved run naming head-major would claim an order it did not have.
            throw new OptionsException("the flash1 schedule launches one CTA per head, which walks all of its rows: "
                    + "there is no raster order to choose");
        }
        if (!cpu && options.resources().isPresent() && (options.schedule() != Schedule.FLASH || !options.pass().forward())) {
            // They size the one kernel AttnKit generates; the other launches keep their own figures.
            throw new OptionsException("registers and shared memory per CTA size the forward of the flash schedule, "
                    + "which this run does not launch");
        }
        int maxRegisters = machine.micro().maxRegistersPerThread();
        if (!cpu && options.resources().isPresent() && options.resources().get().registersPerThread() > maxRegisters) {
            throw new OptionsException("at most " + maxRegisters + " registers per thread on " + target.name() + ", not "
                    + options.resources().get().registersPerThread());
        }
        if (options.kvSplits() > 1 && options.dropout() > 0) {
            // FlashAttention-2 has no split-KV kernel with dropout (its flash_api.cpp splits only at p_dropout 0); auto picks 1
            throw new OptionsException("kv splits do not combine with dropout: FlashAttention-2's split-KV kernel has none");
        }
        if (options.packGqa() && options.dropout() > 0) {
            throw new OptionsException("packing grouped heads does not combine with dropout: FlashAttention-2 packs a decode "
                    + "step only without it, and FlashAttention-3 has no dropout");
        }
        if (options.kvSplits() != SimOptions.AUTO_KV_SPLITS && options.kvSplits() > map.kvBlocks()) {
            throw new OptionsException("kv splits must be in 1.." + map.kvBlocks() + " (the K/V blocks of a row), not "
                    + options.kvSplits());
        }
        if (options.schedule() == Schedule.FLASH3) {
            if (options.pass().backward()) {
                throw new OptionsException("the flash3 schedule is FlashAttention-3's forward; its backward is not modelled "
                        + "(use --pass fwd)");
            }
            if (options.dropout() > 0) {
                throw new OptionsException("the flash3 schedule has no dropout: FlashAttention-3's forward has none");
            }
            if (!kernel.isStatic()) {
                throw new OptionsException("the flash3 schedule blocks the kernel at FlashAttention-3's own tiles; masks "
                        + "decided on the inputs (selectors, routed heads) are simulated at the file's tiles, under the flash "
                        + "schedule");
            }
            String problem = FlashSchedule.warpSpecializedProblem(kernel, machine);
            if (problem != null) {
                throw new OptionsException(problem);
            }
        }
        if (options.packGqa()) {
            if (cpu || options.schedule() != Schedule.FLASH || !options.pass().forward()) {
                throw new OptionsException("packing grouped heads applies to the forward of the flash schedule on a GPU target");
            }
            try {
                map.packGroups();
            } catch (IllegalArgumentException e) {
                throw new OptionsException(e.getMessage());
            }
        }
    }

    /**
     * Simulates and keeps the trace.
     *
     * @throws OptionsException        when the options do not fit the kernel or the target
     * @throws IllegalArgumentException when a CTA of the kernel does not fit on an SM of the target
     */
    public static Run run(KernelSpec kernel, TargetSpec target, BlockMap map, SimOptions options) {
        check(kernel, target, map, options);
        Machine machine = Machine.of(target);
        AddressSpace space = new AddressSpace();
        boolean cpu = target.kind() == TargetSpec.Kind.CPU;
        // The forward's grid: packed, it walks the packed map; the backward keeps one CTA per head and key block.
        KernelSpec forwardKernel = kernel;
        BlockMap forwardMap = map;
        if (options.packGqa()) { // check() found the groups packable
            forwardMap = map.packGroups();
            forwardKernel = packed(kernel, forwardMap.shape());
        }
        if (options.schedule() == Schedule.FLASH3) { // FlashAttention-3 chooses its own blocking
            forwardKernel = kernel.withTiles(FlashSchedule.warpSpecializedTiles(kernel, map.elementDensity() == 1));
            forwardMap = BlockMap.of(forwardKernel);
        }
        List<Launch> launches = cpu ? JavaKernelSchedule.launches(kernel, map, machine, space)
                : gpuLaunches(kernel, map, forwardKernel, forwardMap, machine, options, space);
        L2Model l2 = switch (options.l2()) {
            case EXACT -> new ExactL2(new SetAssociativeLru(machine.l2Bytes(), machine.l2Ways(), machine.l2LineBytes()), space);
            case MODEL -> new StreamReuseL2(new HitCurve(machine.l2Bytes(), machine.l2Ways()), space.objects(),
                    options.refreshEvents());
        };
        ChromeTrace trace = options.traceCtas() > 0 ? new ChromeTrace(options.traceCtas(), machine.clockHz(), cpu) : null;
        Engine engine = new Engine(machine, l2, options.maxChunkSteps(), options.overlapCtas(), trace == null ? TraceSink.NONE : trace);
        List<LaunchStats> stats = new ArrayList<>();
        for (Launch launch : launches) {
            Occupancy occupancy = cpu ? Occupancy.cpu(target.maxThreadsPerUnit()) : occupancy(machine, launch, options);
            stats.add(engine.run(launch, occupancy));
        }
        return new Run(summarize(forwardKernel, target, forwardMap, options, machine, stats), Optional.ofNullable(trace));
    }

    /**
     * The kernel whose heads are {@code shape}'s packed heads: what the flash schedule needs of it
     * (shape, types, tiles); the block map carries the masks.
     */
    private static KernelSpec packed(KernelSpec kernel, Shape shape) {
        List<Integer> heads = java.util.stream.IntStream.range(0, shape.heads()).boxed().toList();
        return new KernelSpec(kernel.name(), shape, kernel.dtype(), kernel.accumulate(), kernel.scale(), kernel.tiles(),
                kernel.target(), kernel.mask(), List.of(new HeadGroup(heads, new HeadGroup.HeadMode.Fixed(kernel.mask()),
                kernel.span())), kernel.span());
    }

    /** Residency of {@code launch}; when it does not fit with resources the options gave, the options are at fault. */
    private static Occupancy occupancy(Machine machine, Launch launch, SimOptions options) {
        try {
            return Occupancy.of(machine, launch.smemPerCta(), launch.threadsPerCta(), launch.registersPerThread());
        } catch (IllegalArgumentException e) {
            boolean sizedByOptions = options.resources().filter(r -> r.registersPerThread() == launch.registersPerThread()
                    && r.sharedMemPerCta() == launch.smemPerCta()).isPresent();
            throw sizedByOptions ? new OptionsException(e.getMessage() + " (with --registers/--smem as given)") : e;
        }
    }

    /**
     * The forward launches, then the backward's, as {@code options.pass()} asks; the flash forward
     * runs {@code forwardKernel} over {@code forwardMap} (the packed ones under --pack-gqa).
     */
    private static List<Launch> gpuLaunches(KernelSpec kernel, BlockMap map, KernelSpec forwardKernel, BlockMap forwardMap,
                                            Machine machine, SimOptions options, AddressSpace space) {
        List<Launch> launches = new ArrayList<>();
        Pass pass = options.pass();
        switch (options.schedule()) {
            case FLASH -> {
                if (pass.forward()) {
                    List<Launch> forward = FlashSchedule.launches(forwardKernel, forwardMap, machine, options.raster(), space,
                            kvSplits(forwardKernel, forwardMap, machine, options), options.dropout());
                    Launch l = forward.getFirst();
                    launches.add(options.resources().map(r -> l.withResources(r.sharedMemPerCta(), r.registersPerThread()))
                            .orElse(l));
                    launches.addAll(forward.subList(1, forward.size()));
                }
                if (pass.backward()) {
                    launches.addAll(FlashBackwardSchedule.launches(kernel, map, machine, options.raster(), space,
                            options.dropout()));
                }
            }
            case STANDARD -> launches.addAll(StandardSchedule.launches(kernel, map, machine, options.raster(), space, pass,
                    options.dropout()));
            case FLASH3 -> launches.add(FlashSchedule.warpSpecialized(forwardKernel, forwardMap, machine, options.raster(),
                    space));
            case FLASH1 -> {
                if (pass.forward()) {
                    launches.add(Flash1Schedule.launch(kernel, map, machine, space, options.dropout()));
                }
                if (pass.backward()) {
                    launches.add(Flash1BackwardSchedule.launch(kernel, map, machine, space, options.dropout()));
                }
            }
        }
        return launches;
    }

    /**
     * The split count of the flash forward: the option's, or under {@link SimOptions#AUTO_KV_SPLITS}
     * FlashAttention-2's choice for the CTA slots the unsplit launch gets on this machine.
     */
    private static int kvSplits(KernelSpec kernel, BlockMap map, Machine machine, SimOptions options) {
        if (options.kvSplits() != SimOptions.AUTO_KV_SPLITS) {
            return options.kvSplits();
        }
        if (options.dropout() > 0) {
            return 1; // FlashAttention-2 chooses splits only without dropout
        }
        Launch unsplit = FlashSchedule.launch(kernel, map, machine, options.raster(), new AddressSpace());
        Launch sized = options.resources().map(r -> unsplit.withResources(r.sharedMemPerCta(), r.registersPerThread()))
                .orElse(unsplit);
        Occupancy o = Occupancy.of(machine, sized.smemPerCta(), sized.threadsPerCta(), sized.registersPerThread());
        return KvSplits.choose(FlashSchedule.rowCtas(kernel, map), (long) machine.sms() * o.ctasPerSm(), map.kvBlocks());
    }

    private static boolean cpu(TargetSpec t) {
        return t.kind() == TargetSpec.Kind.CPU;
    }

    private static SimResult summarize(KernelSpec kernel, TargetSpec target, BlockMap map, SimOptions options,
                                       Machine machine, List<LaunchStats> stats) {
        Shape s = kernel.shape();
        double cycles = 0;
        double dramRead = 0;
        double dramWrite = 0;
        long l2Read = 0;
        long l2Write = 0;
        double l2Hit = 0;
        double smem = 0;
        double tensor = 0;
        double fma = 0;
        double sfu = 0;
        long events = 0;
        long steps = 0;
        for (LaunchStats l : stats) {
            cycles += l.cycles();
            dramRead += l.dramReadBytes();
            dramWrite += l.dramWriteBytes();
            l2Read += l.l2ReadBytes();
            l2Write += l.l2WriteBytes();
            l2Hit += l.l2ReadHitBytes();
            smem += l.smemBytes();
            tensor += l.tensorCycles();
            fma += l.fmaCycles();
            sfu += l.sfuCycles();
            events += l.events();
            steps += l.steps();
        }
        double smCycles = cycles * machine.sms();
        LaunchStats main = cpu(target) ? stats.getLast() : longest(stats);
        // a CPU's "warp" is a hardware thread (two per core with SMT); a GPU's is 32 threads
        int maxWarps = Math.max(1, cpu(target) ? target.maxThreadsPerUnit() : target.maxThreadsPerUnit() / 32);
        // Forward: QK^T and PV; backward: S again, dP, dV, dK and dQ.
        double perPair = (options.pass().forward() ? 2.0 * (s.headDim() + s.vDim()) : 0)
                + (options.pass().backward() ? 2.0 * (3 * s.headDim() + 2 * s.vDim()) : 0);
        double useful = perPair * map.visibleElements();
        return new SimResult(kernel.name(), target.name(), cpu(target), options.schedule(), options.pass(), options.raster(), options.l2(),
                options.dropout(), options.packGqa(), kernel.tiles(), options.overlapCtas(), options.resources(),
                cpu(target) ? Optional.empty() : mmaPath(machine, kernel.dtype()), ioBytes(kernel), target.dram().bytes(),
                machine.l2Bytes(), machine.sms(), maxWarps, machine.seconds(cycles), cycles, machine.clockHz(), useful,
                machine.peakFlops(cpu(target) ? DType.F32 : kernel.dtype()), map.visitedTiles(), map.fullTiles(), map.partialTiles(), dramRead,
                dramWrite, l2Read, l2Write, l2Hit, smem, tensor / smCycles, fma / smCycles, sfu / smCycles,
                main.waves(machine.sms()), main.occupancy(), main.achievedOccupancy(maxWarps), main.name(), stats, events, steps,
                Utilization.Peaks.of(machine));
    }

    /**
     * Bytes of Q, K, V and O at their exact shapes: what any attention of this shape holds in
     * device memory at the least (the schedules' scratch, S and P of the standard one, the
     * backward's gradients come on top).
     */
    static long ioBytes(KernelSpec kernel) {
        Shape s = kernel.shape();
        double in = kernel.dtype().bytes();
        double q = (double) s.batch() * s.heads() * s.qLen() * s.headDim() * in;
        double kv = (double) s.batch() * s.kvHeads() * s.kvLen() * (s.headDim() + s.vDim()) * in;
        double o = (double) s.batch() * s.heads() * s.qLen() * s.vDim() * kernel.dtype().outputType().bytes();
        return (long) Math.min(Long.MAX_VALUE, q + kv + o);
    }

    /** The launch that takes longest: the one whose occupancy the summary reports. */
    private static LaunchStats longest(List<LaunchStats> stats) {
        LaunchStats best = stats.getFirst();
        for (LaunchStats l : stats) {
            if (l.cycles() > best.cycles()) {
                best = l;
            }
        }
        return best;
    }

    /**
     * What a GPU's MMAs run on when not on a matrix unit of the kernel's own type: a wider type's
     * ({@code "f16"} for FP8 on an A100), or the FMA pipe ({@value SimResult#FMA_PIPE}), as for f32 on an A100,
     * or bf16 on a GPU without bf16 MMAs (a V100); empty on the type's own unit.
     */
    private static Optional<String> mmaPath(Machine machine, DType dtype) {
        if (machine.mmaFlopsPerCycle(dtype) == 0) {
            return Optional.of(SimResult.FMA_PIPE);
        }
        DType mma = machine.mmaType(dtype);
        return mma == dtype ? Optional.empty() : Optional.of(mma.spelling());
    }
}
