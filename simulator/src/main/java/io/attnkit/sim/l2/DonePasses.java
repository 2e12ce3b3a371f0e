package io.attnkit.sim.l2;

import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

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
    /** Geometry taken since the last merge, by object; empty for an object whose passes are gone. */
    private final TreeMap<Integer, double[]> pending = new TreeMap<>();

    int size() {
        merge();
        return size;
    }

    int object(int i) {
        merge();
        return objects[i];
    }

    /** Geometry of the i-th object, as {@link PassMap#geometry}: lo, hi, end, rate, endTime, bytes, highest first. */
    double[] geometry(int i) {
        merge();
        return geometry[i];
    }

    /**
     * Reads again the objects of {@code byObject} whose passes changed since the last call, and
     * clears their marks. Their geometry is taken now, merged in object order only when read: a
     * decode batch takes thousands of snapshots and reads none, and a merge per snapshot cost
     * it time in the number of objects held.
     */
    void update(TrailsByObject byObject) {
        if (byObject != source) { // a model seen for the first time: every object it holds is new
            source = byObject;
            size = 0;
            pending.clear();
            for (Trails t : byObject.live()) {
                t.markChanged();
            }
        }
        for (int o : byObject.takeChangedPasses()) {
            Trails trails = byObject.peek(o);
            double[] g = trails != null && trails.holdsPasses() ? trails.donePasses() : NONE;
            if (g.length == 0 && Arrays.binarySearch(objects, 0, size, o) < 0) {
                pending.remove(o); // nothing to replace: an object dropped before it was ever merged
            } else {
                pending.put(o, g);
            }
        }
    }

    private void merge() {
        if (pending.isEmpty()) {
            return;
        }
        fit(size + pending.size());
        int n = 0;
        int i = 0;
        for (Map.Entry<Integer, double[]> e : pending.entrySet()) {
            int o = e.getKey();
            for (; i < size && objects[i] < o; i++) {
                n = put(n, objects[i], geometry[i]);
            }
            if (i < size && objects[i] == o) {
                i++; // replaced
            }
            if (e.getValue().length > 0) {
                n = put(n, o, e.getValue());
            }
        }
        pending.clear();
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
