package io.attnkit.sim.l2;

import java.util.ArrayList;
import java.util.List;

/** The trails of one object: those in flight (in position order after each snapshot), and those done. */
final class Trails {
    final List<Trail> active = new ArrayList<>();
    final List<Trail> finished = new ArrayList<>();

    boolean isEmpty() {
        return active.isEmpty() && finished.isEmpty();
    }
}
