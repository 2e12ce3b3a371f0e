package io.attnkit.codegen.java;

import io.attnkit.dsl.blocks.BlockMap;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A BlockMap pattern in closed form: consecutive q-blocks whose runs keep their number and kinds
 * and move by a constant number of kv-blocks per q-block form one segment. Causal, window, sink
 * and prefix masks collapse to a handful of segments; documents to a few per document. This is
 * the constant table a generated kernel carries, decoded into a {@link RunTable} when its class
 * loads.
 *
 * <p>Text form, one segment per line: {@code first end} (the q-blocks {@code [first, end)}),
 * then per run {@code F|P from fromStep to toStep}: in q-block {@code qb} the run covers
 * kv-blocks {@code [from + fromStep·(qb - first), to + toStep·(qb - first))}.
 */
record BlockSchedule(int qBlocks, List<Segment> segments) {

    record Run(boolean full, int from, int fromStep, int to, int toStep) {
    }

    record Segment(int first, int end, List<Run> runs) {
    }

    static BlockSchedule of(BlockMap.Pattern pattern) {
        int qBlocks = pattern.qBlocks();
        List<Segment> segments = new ArrayList<>();
        int qb = 0;
        while (qb < qBlocks) {
            int[][] base = runsOf(pattern, qb);
            int[][] steps = null;
            int end = qb + 1;
            while (end < qBlocks) {
                int[][] next = runsOf(pattern, end);
                if (!sameKinds(base, next)) {
                    break;
                }
                if (steps == null) {
                    steps = new int[base.length][2];
                    for (int r = 0; r < base.length; r++) {
                        steps[r][0] = next[r][0] - base[r][0];
                        steps[r][1] = next[r][1] - base[r][1];
                    }
                }
                if (!follows(base, steps, end - qb, next)) {
                    break;
                }
                end++;
            }
            List<Run> runs = new ArrayList<>();
            for (int r = 0; r < base.length; r++) {
                runs.add(new Run(base[r][2] == 1, base[r][0], steps == null ? 0 : steps[r][0],
                        base[r][1], steps == null ? 0 : steps[r][1]));
            }
            segments.add(new Segment(qb, end, List.copyOf(runs)));
            qb = end;
        }
        BlockSchedule schedule = new BlockSchedule(qBlocks, List.copyOf(segments));
        if (!Arrays.equals(schedule.table(), RunTable.of(pattern))) {
            throw new IllegalStateException("block schedule does not reproduce the block map of " + pattern.mask());
        }
        return schedule;
    }

    private static int[][] runsOf(BlockMap.Pattern p, int qb) {
        int[][] runs = new int[p.runs(qb)][];
        for (int r = 0; r < runs.length; r++) {
            runs[r] = new int[] {p.runFrom(qb, r), p.runTo(qb, r), p.runKind(qb, r) == BlockMap.Kind.FULL ? 1 : 0};
        }
        return runs;
    }

    private static boolean sameKinds(int[][] a, int[][] b) {
        if (a.length != b.length) {
            return false;
        }
        for (int r = 0; r < a.length; r++) {
            if (a[r][2] != b[r][2]) {
                return false;
            }
        }
        return true;
    }

    private static boolean follows(int[][] base, int[][] steps, int distance, int[][] next) {
        for (int r = 0; r < base.length; r++) {
            if (next[r][0] != base[r][0] + steps[r][0] * distance || next[r][1] != base[r][1] + steps[r][1] * distance) {
                return false;
            }
        }
        return true;
    }

    /** The flat table: the segments expanded q-block by q-block. */
    int[] table() {
        List<int[]> runs = new ArrayList<>();
        int[] offsets = new int[qBlocks + 1];
        for (Segment s : segments) {
            for (int qb = s.first(); qb < s.end(); qb++) {
                offsets[qb] = runs.size();
                int d = qb - s.first();
                for (Run r : s.runs()) {
                    runs.add(new int[] {r.from() + r.fromStep() * d, r.to() + r.toStep() * d, r.full() ? 1 : 0});
                }
            }
        }
        offsets[qBlocks] = runs.size();
        int[] table = Arrays.copyOf(offsets, qBlocks + 1 + 3 * runs.size());
        for (int r = 0; r < runs.size(); r++) {
            System.arraycopy(runs.get(r), 0, table, qBlocks + 1 + 3 * r, 3);
        }
        return table;
    }

    /** The text form, cut into chunks of at most {@code maxChars} characters at line ends. */
    List<String> text(int maxChars) {
        List<String> chunks = new ArrayList<>();
        StringBuilder chunk = new StringBuilder();
        for (Segment s : segments) {
            StringBuilder line = new StringBuilder().append(s.first()).append(' ').append(s.end());
            for (Run r : s.runs()) {
                line.append(' ').append(r.full() ? 'F' : 'P').append(' ').append(r.from()).append(' ').append(r.fromStep())
                        .append(' ').append(r.to()).append(' ').append(r.toStep());
            }
            line.append('\n');
            if (chunk.length() > 0 && chunk.length() + line.length() > maxChars) {
                chunks.add(chunk.toString());
                chunk.setLength(0);
            }
            chunk.append(line);
        }
        chunks.add(chunk.toString());
        return chunks;
    }
}
