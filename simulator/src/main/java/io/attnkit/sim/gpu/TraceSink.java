package io.attnkit.sim.gpu;

/** Receives what the {@link Engine} did, for traces. */
public interface TraceSink {
    /** Whether the {@code n}-th CTA of {@code launch} is worth recording. */
    boolean sampled(Launch launch, long n);

    void segment(String launch, long n, String cta, int sm, int slot, String label, long steps, double start, double end);

    /** Whether the counters are wanted after engine event {@code event}. */
    boolean wantsCounters(long event);

    void counters(double time, double dramBytes, double l2Bytes, double tensorCycles);

    TraceSink NONE = new TraceSink() {
        @Override
        public boolean sampled(Launch launch, long n) {
            return false;
        }

        @Override
        public void segment(String launch, long n, String cta, int sm, int slot, String label, long steps,
                            double start, double end) {
        }

        @Override
        public boolean wantsCounters(long event) {
            return false;
        }

        @Override
        public void counters(double time, double dramBytes, double l2Bytes, double tensorCycles) {
        }
    };
}
