package io.attnkit.sim.gpu;

import java.util.Arrays;
import java.util.List;

/**
 * A binary min-heap of entries by event time, ties broken by a fixed id so that the order of
 * events never depends on anything but the simulation, with removal and update in place.
 */
final class EventHeap<T extends EventHeap.Entry> {

    /** Something with an event time that knows its place in the heap. */
    interface Entry {
        double eventTime();

        long id();

        int heapIndex();

        void heapIndex(int index);
    }

    private Object[] items = new Object[256];
    private int size;

    int size() {
        return size;
    }

    @SuppressWarnings("unchecked")
    T peek() {
        return (T) items[0];
    }

    /** Inserts {@code e}, or moves it to its place after its time changed. */
    void update(T e) {
        if (e.heapIndex() < 0) {
            if (size == items.length) {
                items = Arrays.copyOf(items, size * 2);
            }
            items[size] = e;
            e.heapIndex(size++);
            up(e.heapIndex());
        } else {
            up(e.heapIndex());
            down(e.heapIndex());
        }
    }

    /** Makes the heap exactly {@code entries}, whose times may all have changed, in linear time. */
    void rebuild(List<? extends T> entries) {
        for (int i = 0; i < size; i++) {
            at(i).heapIndex(-1);
            items[i] = null;
        }
        size = entries.size();
        if (items.length < size) {
            items = new Object[Math.max(size, 2 * items.length)];
        }
        for (int i = 0; i < size; i++) {
            items[i] = entries.get(i);
            entries.get(i).heapIndex(i);
        }
        for (int i = size / 2 - 1; i >= 0; i--) {
            down(i);
        }
    }

    void remove(T e) {
        int i = e.heapIndex();
        Entry last = at(--size);
        items[size] = null;
        e.heapIndex(-1);
        if (i < size) {
            items[i] = last;
            last.heapIndex(i);
            up(i);
            down(last.heapIndex());
        }
    }

    private Entry at(int i) {
        return (Entry) items[i];
    }

    private static boolean before(Entry a, Entry b) {
        return a.eventTime() < b.eventTime() || a.eventTime() == b.eventTime() && a.id() < b.id();
    }

    private void up(int i) {
        Entry x = at(i);
        while (i > 0) {
            int p = (i - 1) >>> 1;
            if (!before(x, at(p))) {
                break;
            }
            items[i] = items[p];
            at(i).heapIndex(i);
            i = p;
        }
        items[i] = x;
        x.heapIndex(i);
    }

    private void down(int i) {
        Entry x = at(i);
        while (true) {
            int l = 2 * i + 1;
            if (l >= size) {
                break;
            }
            int m = l + 1 < size && before(at(l + 1), at(l)) ? l + 1 : l;
            if (!before(at(m), x)) {
                break;
            }
            items[i] = items[m];
            at(i).heapIndex(i);
            i = m;
        }
        items[i] = x;
        x.heapIndex(i);
    }
}
