/*
 * host-probe: the figures a CPU target needs, measured on the machine at hand.
 *
 *   gcc -O3 -march=native -fopenmp host-probe.c -o host-probe && ./host-probe
 *
 * Prints the core clock (a chain of dependent integer adds retires one per cycle), the f32 FMA
 * rate of one core (ten independent FMA chains of the widest vectors -march=native allows: 512
 * bits with AVX-512, else 256, as the Java Vector API's preferred species) and how many vector
 * instructions issue per cycle when adds run beside those FMAs, read bandwidth for
 * working sets that sit in L1, L2, L3 and DRAM (one thread and every thread), and load-to-use
 * latency (a random pointer chase over 64-byte lines, on transparent huge pages so TLB misses
 * stay out of it).
 * Each figure is the best of several repetitions. Run it on an idle machine; see
 * docs/targets.md for how the figures become a target.
 */
#define _GNU_SOURCE
#include <immintrin.h>
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

#ifdef __AVX512F__
typedef __m512 vec;
#define LANES 16
#define vset1 _mm512_set1_ps
#define vfma _mm512_fmadd_ps
#define vadd _mm512_add_ps
#define vload _mm512_load_ps
#define vzero _mm512_setzero_ps
#define vstore _mm512_storeu_ps
#else
typedef __m256 vec;
#define LANES 8
#define vset1 _mm256_set1_ps
#define vfma _mm256_fmadd_ps
#define vadd _mm256_add_ps
#define vload _mm256_load_ps
#define vzero _mm256_setzero_ps
#define vstore _mm256_storeu_ps
#endif

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static void *huge(size_t bytes) {
    size_t page = 2u << 20, rounded = (bytes + page - 1) / page * page;
    void *p = aligned_alloc(page, rounded);
    madvise(p, rounded, MADV_HUGEPAGE);
    return p;
}

static double clock_hz(void) {
    double best = 0;
    for (int r = 0; r < 5; r++) {
        uint64_t x = r;
        long n = 200000000;
        double t0 = now();
        for (long i = 0; i < n; i++) {
            __asm__ volatile("add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0" : "+r"(x));
        }
        double hz = 4.0 * n / (now() - t0);
        best = hz > best ? hz : best;
    }
    return best;
}

/*
 * Vector instructions per second on one core: ten independent FMA chains, each started from a
 * different value so the compiler cannot merge them, and with `adds` ten add chains beside them
 * (the softmax's mix: can adds and compares issue beside the FMAs, or do they share their pipes?).
 */
static double vector_rate(int adds) {
    double best = 0;
    long n = 100000000;
    for (int r = 0; r < 5; r++) {
        vec a[10], b[10];
        for (int k = 0; k < 10; k++) a[k] = vset1(1.0f + 0.1f * k + r), b[k] = vset1(2.0f + 0.1f * k + r);
        vec m = vset1(0.999999f), c = vset1(1e-7f);
        double t0 = now();
        if (adds) {
            for (long i = 0; i < n; i++) {
#pragma GCC unroll 10
                for (int k = 0; k < 10; k++) a[k] = vfma(a[k], m, c), b[k] = vadd(b[k], c);
            }
        } else {
            for (long i = 0; i < n; i++) {
#pragma GCC unroll 10
                for (int k = 0; k < 10; k++) a[k] = vfma(a[k], m, c);
            }
        }
        double t = now() - t0;
        vec s = b[0];
        for (int k = 0; k < 10; k++) s = vadd(s, vadd(a[k], b[k]));
        float out[LANES];
        vstore(out, s);
        if (out[0] == 12345.0f) puts("");
        double rate = (adds ? 20.0 : 10.0) * n / t;
        best = rate > best ? rate : best;
    }
    return best;
}

static float sum(const float *a, long n) {
    vec s[8];
    for (int k = 0; k < 8; k++) s[k] = vzero();
    for (long i = 0; i < n; i += 8 * LANES) {
#pragma GCC unroll 8
        for (int k = 0; k < 8; k++) s[k] = vadd(s[k], vload(a + i + LANES * k));
    }
    for (int k = 1; k < 8; k++) s[0] = vadd(s[0], s[k]);
    float out[LANES];
    vstore(out, s[0]);
    return out[0];
}

/* Read bandwidth of every thread together, each reading its own buffer of the given size. */
static double read_bandwidth(size_t bytes, int threads) {
    double best = 0;
    volatile float sink = 0;
    long reps = (long) ((4ul << 30) / bytes);
    if (reps < 2) reps = 2;
#pragma omp parallel num_threads(threads)
    {
        long n = (long) (bytes / 4);
        float *a = huge(bytes);
        for (long i = 0; i < n; i++) a[i] = 1;
        for (int r = 0; r < 5; r++) {
            double t0 = 0;
#pragma omp barrier
#pragma omp master
            t0 = now();
            float s = 0;
            for (long q = 0; q < reps; q++) {
                __asm__ volatile("" ::: "memory"); /* every repetition reads the buffer again */
                s += sum(a, n);
            }
            sink += s;
#pragma omp barrier
#pragma omp master
            {
                double bw = (double) threads * bytes * reps / (now() - t0);
                best = bw > best ? bw : best;
            }
        }
        free(a);
    }
    return best;
}

static double chase_ns(size_t bytes) {
    size_t n = bytes / 64;
    size_t *order = malloc(n * sizeof(size_t));
    char *buf = huge(n * 64);
    for (size_t i = 0; i < n; i++) order[i] = i;
    srand(42);
    for (size_t i = n - 1; i > 0; i--) {
        size_t j = ((size_t) rand() * RAND_MAX + rand()) % (i + 1), t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    for (size_t i = 0; i < n; i++) *(void **) (buf + order[i] * 64) = buf + order[(i + 1) % n] * 64;
    void *p = buf + order[0] * 64;
    for (size_t i = 0; i < n; i++) p = *(void **) p;
    double best = 1e30;
    for (int r = 0; r < 3; r++) {
        long steps = 5000000;
        double t0 = now();
        for (long i = 0; i < steps; i++) p = *(void **) p;
        double ns = (now() - t0) / steps * 1e9;
        best = ns < best ? ns : best;
    }
    if (p == NULL) puts("");
    free(order);
    free(buf);
    return best;
}

int main(void) {
    int threads = omp_get_max_threads();
    double hz = clock_hz();
    printf("clock                 %.3f GHz\n", hz / 1e9);
    double f = vector_rate(0) * LANES * 2;
    printf("f32 FMA, one core     %.1f GFLOP/s = %.1f flop/cycle (%d-bit vectors)\n", f / 1e9, f / hz, 32 * LANES);
    printf("FMAs and adds mixed   %.2f vector instructions/cycle, one core\n", vector_rate(1) / hz);
    size_t sizes[] = {16u << 10, 256u << 10, 4u << 20, 1u << 30};
    const char *names[] = {"L1 (16 KiB)", "L2 (256 KiB)", "L3 (4 MiB)", "DRAM (1 GiB)"};
    for (int k = 0; k < 4; k++) {
        double one = read_bandwidth(sizes[k], 1), all = read_bandwidth(sizes[k], threads);
        printf("read %-16s %.1f GB/s one thread, %.1f GB/s %d threads\n", names[k], one / 1e9, all / 1e9, threads);
    }
    size_t chase[] = {16u << 10, 256u << 10, 2u << 20, 4u << 20, 8u << 20, 16u << 20, 512u << 20};
    for (int k = 0; k < 7; k++) {
        double ns = chase_ns(chase[k]);
        printf("latency %9zu KiB     %.2f ns = %.1f cycles\n", chase[k] >> 10, ns, ns * hz / 1e9);
    }
    return 0;
}
