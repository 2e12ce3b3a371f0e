package io.attnkit.sim.l2;

import java.util.Arrays;

/**
 * The done passes of every object that holds any, in object order, each as the geometry its
 * {@link PassMap} returned (never written afterwards). Kept from snapshot to snapshot and
 * brought up to date from the objects whose passes changed in between: a decode batch keeps
 * thousands of objects' passes while a few dozen change between two snapshots.
 */
final class DonePasses {
    private static final double[] NONE = new double[0];

    private TrailsByObject source;
    private int size;
    private int[] objects = new int[16];
    private double[][] geometry = new double[16][];
    private int[] nextObjects = new int[16];
    private double[][] nextGeometry = new double[16][];

    int size() {
        return size;
    }

    int object(int i) {
        return objects[i];
    }

    /** Geometry of the i-th object, as {@link PassMap#geometry}: lo, hi, end, rate, endTime, bytes, highest first. */
    double[] geometry(int i) {
        return geometry[i];
    }

    /** Re-reads the objects of {@code byObject} whose passes changed since the last call, and clears their marks. */
    void update(TrailsByObject byObject) {
        if (byObject != source) { // a model seen for the first time: every object it holds is new
            source = byObject;
            size = 0;
            for (Trails t : byObject.live()) {
                t.markChanged();
            }
        }
        int[] changed = byObject.takeChangedPasses();
        if (changed.length == 0) {
            return;
        }
        fit(size + changed.length);
        int n = 0;
        int i = 0;
        for (int o : changed) {
            for (; i < size && objects[i] < o; i++) {
                n = put(n, objects[i], geometry[i]);
            }
            if (i < size && objects[i] == o) {
                i++; // replaced
            }
            Trails trails = byObject.peek(o);
            double[] g = trails != null && trails.holdsPasses() ? trails.donePasses() : NONE;
            if (g.length > 0) {
                n = put(n, o, g);
            }
        }
        for (; i < size; i++) {
            n = put(n, objects[i], geometry[i]);
        }
        Arrays.fill(geometry, 0, size, null); // let forgotten passes go
        int[] o = objects;
        objects = nextObjects;
        nextObjects = o;
        double[][] g = geometry;
        geometry = nextGeometry;
        nextGeometry = g;
        size = n;
    }

    private int put(int n, int object, double[] g) {
        nextObjects[n] = object;
        nextGeometry[n] = g;
        return n + 1;
    }

    private void fit(int n) {
        if (nextObjects.length < n) {
            int length = Math.max(n, 2 * nextObjects.length);
            nextObjects = new int[length];
            nextGeometry = new double[length][];
        }
    }
}
