#!/usr/bin/env python3
"""Time the three phases of one tile step of a Java backend kernel on this machine.

    python3 tools/tile_phases.py FILE.attn [--kernel NAME] [--tiles N] [--rounds R]

Emits the kernel's Java class (./attnkit emit), adds a main method that runs the class's own
tile methods - qk (S = Q K^T), softmax (online softmax over the tile) and pv (O += P V) - in a
loop over one tile with warm caches, one thread, and prints the fastest time per tile of each
phase and of the three together. The CPU model charges each phase from its instruction count
(docs/simulator.md, "CPU targets"); this says where a kernel's time per tile really goes
(docs/validation.md, "CPU"). Standard library only; needs a JDK 25 (the one ./attnkit found,
recorded in .attnkit/java-home, else JAVA_HOME, else java on the PATH).
"""
import argparse
import os
import pathlib
import re
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent

MAIN = """
    /** Added by tools/tile_phases.py: the tile methods above, timed one phase at a time. */
    public static void main(String[] args) {
        int tiles = Integer.parseInt(args[0]);
        int rounds = Integer.parseInt(args[1]);
        float[] qt = new float[HEAD_DIM * QP];
        float[] k = new float[KP * HEAD_DIM];
        float[] v = new float[KP * V_DIM];
        float[] s = new float[KP * QP];
        float[] m = new float[QP];
        float[] l = new float[QP];
        float[] alpha = new float[QP];
        float[] ot = new float[V_DIM * QP];
        java.util.Random random = new java.util.Random(1);
        for (float[] x : new float[][] {qt, k, v}) {
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) random.nextGaussian() * 0.1f;
            }
        }
        String[] names = {"qk", "softmax", "pv", "tile"};
        int[] phases = {1, 2, 4, 7};
        double[] best = new double[4];
        java.util.Arrays.fill(best, Double.MAX_VALUE);
        for (int round = 0; round < rounds; round++) {
            for (int p = 0; p < 4; p++) {
                long t0 = System.nanoTime();
                for (int t = 0; t < tiles; t++) {
                    if ((phases[p] & 1) != 0) {
                        qk(qt, k, 0, s);
                    }
                    if ((phases[p] & 2) != 0) {
                        java.util.Arrays.fill(m, Float.NEGATIVE_INFINITY);
                        softmax(s, m, l, alpha);
                    }
                    if ((phases[p] & 4) != 0) {
                        pv(s, v, 0, alpha, ot);
                    }
                }
                best[p] = Math.min(best[p], (System.nanoTime() - t0) / 1e3 / tiles);
            }
        }
        double flops = 2.0 * QP * KP * (HEAD_DIM + V_DIM);
        System.out.printf(java.util.Locale.ROOT, "tile %d x %d (padded), head_dim %d, v_dim %d, %d f32 lanes, one thread, "
                + "fastest of %d rounds of %d tiles%n", QP, KP, HEAD_DIM, V_DIM, L, rounds, tiles);
        for (int p = 0; p < 4; p++) {
            System.out.printf(java.util.Locale.ROOT, "%-8s %8.3f us per tile  %5.1f%% of the tile%n", names[p], best[p],
                    100 * best[p] / best[3]);
        }
        System.out.printf(java.util.Locale.ROOT, "tile: %.1f GFLOP/s (2 (head_dim + v_dim) per padded score)%n",
                flops / best[3] / 1e3);
    }
"""


def java_binary():
    recorded = ROOT / ".attnkit" / "java-home"
    if recorded.is_file():
        return str(pathlib.Path(recorded.read_text().strip()) / "bin" / "java")
    if os.environ.get("JAVA_HOME"):
        return str(pathlib.Path(os.environ["JAVA_HOME"]) / "bin" / "java")
    return "java"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file")
    ap.add_argument("--kernel")
    ap.add_argument("--tiles", type=int, default=5000, help="tiles per round (default 5000)")
    ap.add_argument("--rounds", type=int, default=20, help="rounds; the fastest counts (default 20)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="attnkit-tile-phases-") as tmp:
        emit = [str(ROOT / "attnkit"), "emit", "--backend", "java", "-o", tmp, args.file]
        if args.kernel:
            emit += ["--kernel", args.kernel]
        r = subprocess.run(emit, capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit("tile_phases: attnkit emit failed: " + (r.stderr.strip().splitlines() or ["no output"])[-1])
        sources = sorted(pathlib.Path(tmp).rglob("*.java"))
        if len(sources) != 1:
            sys.exit(f"tile_phases: {args.file} gave {len(sources)} Java classes; name one kernel with --kernel")
        source = sources[0].read_text()
        if not re.search(r"static void softmax\(", source) or not re.search(r"static void pv\(", source):
            sys.exit("tile_phases: the generated class has no qk/softmax/pv methods to time")
        end = source.rstrip().rfind("}")
        sources[0].write_text(source[:end] + MAIN + "}\n")
        run = [java_binary(), "--add-modules", "jdk.incubator.vector", str(sources[0]), str(args.tiles), str(args.rounds)]
        r = subprocess.run(run, capture_output=True, text=True)
        out = "\n".join(line for line in (r.stdout + r.stderr).splitlines() if "incubator modules" not in line)
        if r.returncode != 0:
            sys.exit("tile_phases: the timing run failed:\n" + out)
        print(out)


if __name__ == "__main__":
    main()
