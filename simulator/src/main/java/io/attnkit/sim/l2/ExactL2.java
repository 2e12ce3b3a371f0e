package io.attnkit.sim.l2;

import io.attnkit.sim.gpu.Access;
import io.attnkit.sim.gpu.Segment;
import java.util.List;

/**
 * The L2 simulated line by line: every step of every CTA is a chunk of its own, and its
 * accesses go through a {@link SetAssociativeLru} at the moment the step begins. Exact, and
 * as slow as the number of lines touched; for validation and small problems.
 */
public final class ExactL2 implements L2Model {
    private final SetAssociativeLru cache;
    private final AddressSpace space;

    public ExactL2(SetAssociativeLru cache, AddressSpace space) {
        this.cache = cache;
        this.space = space;
    }

    private record Looked(double[] hit) implements Chunk {
    }

    @Override
    public long maxChunkSteps() {
        return 1;
    }

    @Override
    public Chunk begin(Segment segment, long from, long steps, double now, Progress progress) {
        if (steps != 1) {
            throw new IllegalArgumentException("the exact L2 looks up one step at a time");
        }
        List<Access> accesses = segment.accesses();
        double[] hit = new double[accesses.size()];
        for (int i = 0; i < hit.length; i++) {
            Access a = accesses.get(i);
            if (a.itemBytes() == 0) {
                hit[i] = 1;
                continue;
            }
            long address = space.address(a.object(), a.item(from));
            long absorbed = a.write() ? cache.write(address, a.itemBytes()) : cache.read(address, a.itemBytes());
            hit[i] = (double) absorbed / a.itemBytes();
        }
        return new Looked(hit);
    }

    @Override
    public void end(Chunk chunk, double now) {
    }

    @Override
    public void hits(Chunk chunk, double now, double[] out) {
        double[] hit = ((Looked) chunk).hit;
        System.arraycopy(hit, 0, out, 0, hit.length);
    }

    @Override
    public boolean refresh(double now, double dramBytes) {
        return false;
    }

    public SetAssociativeLru cache() {
        return cache;
    }
}
