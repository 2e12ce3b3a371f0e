package io.attnkit.sim.l2;

import io.attnkit.sim.gpu.Segment;
import java.util.List;

/**
 * The engine's view of the L2: a CTA announces the steps it is about to make (a chunk of a
 * segment), and the model says which fraction of each access's bytes the L2 serves.
 */
public interface L2Model {

    /** Where a CTA is within its chunk, at any moment. */
    interface Progress {
        /** Steps of the chunk done by {@code now} (fractional while a step is in flight). */
        double stepsDone(double now);

        /** Steps per cycle at present. */
        double stepsPerCycle();
    }

    /** A chunk in flight; opaque to the engine. */
    interface Chunk {
    }

    /** The most steps one chunk may hold: 1 for a model that looks up every access when it happens. */
    long maxChunkSteps();

    /** A CTA begins steps {@code [from, from + steps)} of {@code segment} at {@code now}. */
    Chunk begin(Segment segment, long from, long steps, double now, Progress progress);

    /** The chunk's steps are all done at {@code now}. */
    void end(Chunk chunk, double now);

    /**
     * Writes into {@code out[i]} the fraction of access {@code i}'s bytes that the L2 absorbs:
     * for a read, the bytes that hit; for a write, the bytes that land in lines already dirty.
     */
    void hits(Chunk chunk, double now, double[] out);

    /**
     * Called after each event with the bytes the L2 has taken from or given to DRAM so far;
     * returns true when hit fractions of chunks in flight changed and should be read again.
     */
    boolean refresh(double now, double dramBytes);

    /**
     * The CTAs whose hit fractions the last {@link #refresh} (when it returned false) or {@link #awaken} changed:
     * a model may reassess a few chunks between its full refreshes. Valid until the next call.
     */
    default List<Progress> reassessed() {
        return List.of();
    }

    /**
     * The earliest time at which the hit fractions of a chunk in flight are due to change
     * between events (a CTA reaching the item where another's sweep began); the engine stops
     * there and calls {@link #awaken}. Infinity when nothing is due.
     */
    default double nextWake() {
        return Double.POSITIVE_INFINITY;
    }

    /** Reassesses the chunks due by {@code now}; those whose fractions changed are in {@link #reassessed}. */
    default void awaken(double now) {
    }

    /** The engine has set the rates of the CTAs in flight at {@code now}: wakes can be timed. */
    default void rated(double now) {
    }

    /** The launch ended at {@code now}: account what is still pending, before the last take of first touches. */
    default void checkpoint(double now) {
    }

    /**
     * Bytes of reads counted as hits since the last call that touched items no access had
     * touched before: compulsory misses a model with piecewise constant hit fractions let
     * through (a CTA riding on another's fetches overtakes it). The engine charges them to DRAM.
     */
    default double takeFirstTouchReads() {
        return 0;
    }

    /** As {@link #takeFirstTouchReads()}, for writes counted as landing in lines already dirty. */
    default double takeFirstTouchWrites() {
        return 0;
    }
}
