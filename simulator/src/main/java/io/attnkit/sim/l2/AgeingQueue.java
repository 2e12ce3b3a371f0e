package io.attnkit.sim.l2;

import java.util.Arrays;

/**
 * Objects by the DRAM count of their oldest pass, least first: a binary heap. Forgetting looks
 * at the objects whose oldest pass has aged past the dead distance, and at no other.
 */
final class AgeingQueue {
    private int[] objects = new int[64];
    private double[] oldest = new double[64];
    private int size;

    boolean isEmpty() {
        return size == 0;
    }

    /** The least DRAM count held; call only when not empty. */
    double firstDram() {
        return oldest[0];
    }

    void add(int object, double dram) {
        if (size == objects.length) {
            objects = Arrays.copyOf(objects, 2 * size);
            oldest = Arrays.copyOf(oldest, 2 * size);
        }
        int i = size++;
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (oldest[parent] <= dram) {
                break;
            }
            objects[i] = objects[parent];
            oldest[i] = oldest[parent];
            i = parent;
        }
        objects[i] = object;
        oldest[i] = dram;
    }

    /** Removes the entry of the least DRAM count and returns its object; call only when not empty. */
    int removeFirst() {
        int first = objects[0];
        int lastObject = objects[--size];
        double last = oldest[size];
        int i = 0;
        while (true) {
            int child = 2 * i + 1;
            if (child >= size) {
                break;
            }
            if (child + 1 < size && oldest[child + 1] < oldest[child]) {
                child++;
            }
            if (last <= oldest[child]) {
                break;
            }
            objects[i] = objects[child];
            oldest[i] = oldest[child];
            i = child;
        }
        objects[i] = lastObject;
        oldest[i] = last;
        return first;
    }
}
