package io.attnkit.sim;

import java.util.Optional;

/**
 * The order in which the CTAs of a (batch, head, q-block) grid are launched. The hardware
 * dispatches CTAs in launch order, so the order decides which CTAs are resident together and
 * therefore which K/V tiles they share in the L2.
 */
public enum Raster implements Spelled {
    /** q-block fastest, then batch, then head: FlashAttention-2's grid {@code (m_blocks, batch, heads)}. */
    Q_MAJOR("q-major"),
    /** head fastest, then q-block, then batch: the query heads of one KV head run side by side. */
    HEAD_MAJOR("head-major"),
    /** As {@link #Q_MAJOR} with the q-blocks in descending order: under a causal mask the longest rows go first. */
    Q_REVERSE("q-reverse");

    private final String spelling;

    Raster(String spelling) {
        this.spelling = spelling;
    }

    @Override
    public String spelling() {
        return spelling;
    }

    public static Optional<Raster> parse(String text) {
        return Spelled.parse(Raster.class, text);
    }

    /**
     * The grid coordinates {@code {batch, head, qBlock}} of the CTA launched {@code n}-th.
     */
    public int[] coordinates(long n, int batch, int heads, int qBlocks) {
        return switch (this) {
            case Q_MAJOR -> {
                int q = (int) (n % qBlocks);
                long rest = n / qBlocks;
                yield new int[] {(int) (rest % batch), (int) (rest / batch), q};
            }
            case Q_REVERSE -> {
                int q = qBlocks - 1 - (int) (n % qBlocks);
                long rest = n / qBlocks;
                yield new int[] {(int) (rest % batch), (int) (rest / batch), q};
            }
            case HEAD_MAJOR -> {
                int h = (int) (n % heads);
                long rest = n / heads;
                yield new int[] {(int) (rest / qBlocks), h, (int) (rest % qBlocks)};
            }
        };
    }
}
