package io.attnkit.sim.l2;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The stretches of a {@link PassMap} by their lower end. One stretch is held in a field and a
 * tree map is made for the second: most objects of a decode batch are passed once, and a
 * million of them held a tree map, an entry and a boxed key each (120 bytes) for that one.
 */
final class RampSet {
    private PassMap.Ramp only;
    private TreeMap<Double, PassMap.Ramp> many;

    boolean isEmpty() {
        return only == null && (many == null || many.isEmpty());
    }

    int size() {
        return many != null ? many.size() : only == null ? 0 : 1;
    }

    /** The stretch of the greatest lower end at most {@code x}; null when none. */
    PassMap.Ramp floor(double x) {
        return many != null ? value(many.floorEntry(x)) : only != null && only.lo() <= x ? only : null;
    }

    /** The stretch of the least lower end at least {@code x}; null when none. */
    PassMap.Ramp ceiling(double x) {
        return many != null ? value(many.ceilingEntry(x)) : only != null && only.lo() >= x ? only : null;
    }

    /** The stretch of the least lower end above {@code x}; null when none. */
    PassMap.Ramp higher(double x) {
        return many != null ? value(many.higherEntry(x)) : only != null && only.lo() > x ? only : null;
    }

    /** The stretch of the greatest lower end below {@code x}; null when none. */
    PassMap.Ramp lower(double x) {
        return many != null ? value(many.lowerEntry(x)) : only != null && only.lo() < x ? only : null;
    }

    /** The stretches whose lower ends lie in {@code [from, to)}, in order, as a list of their own. */
    List<PassMap.Ramp> between(double from, double to) {
        if (many != null) {
            return new ArrayList<>(many.subMap(from, true, to, false).values());
        }
        return only != null && only.lo() >= from && only.lo() < to ? new ArrayList<>(List.of(only)) : new ArrayList<>();
    }

    void put(PassMap.Ramp r) {
        if (many != null) {
            many.put(r.lo(), r);
        } else if (only == null || only.lo() == r.lo()) {
            only = r;
        } else {
            many = new TreeMap<>();
            many.put(only.lo(), only);
            many.put(r.lo(), r);
            only = null;
        }
    }

    /** Removes the stretch whose lower end is {@code lo}, if held. */
    void remove(double lo) {
        if (many != null) {
            many.remove(lo);
        } else if (only != null && only.lo() == lo) {
            only = null;
        }
    }

    /** Each stretch in order of lower end. */
    void forEach(Consumer<PassMap.Ramp> action) {
        if (many != null) {
            many.values().forEach(action);
        } else if (only != null) {
            action.accept(only);
        }
    }

    /** Removes the stretches {@code drop} accepts; true when any was removed. */
    boolean removeIf(Predicate<PassMap.Ramp> drop) {
        if (many != null) {
            return many.values().removeIf(drop);
        }
        if (only != null && drop.test(only)) {
            only = null;
            return true;
        }
        return false;
    }

    private static PassMap.Ramp value(Map.Entry<Double, PassMap.Ramp> e) {
        return e == null ? null : e.getValue();
    }
}
