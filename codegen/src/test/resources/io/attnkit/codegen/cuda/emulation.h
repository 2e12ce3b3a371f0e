// Runs a generated CUDA kernel on the CPU: one std::thread per CUDA thread, one block at a
// time, __syncthreads and the warp-level primitives (shuffles, ldmatrix, mma.sync m16n8k16,
// cp.async) implemented as the PTX ISA defines their per-lane semantics. Built with
// -DATTN_EMULATION_BF16=0|1 (the mma operand type). Test support: nothing here is fast.
#pragma once
#define ATTN_HOST_EMULATION 1
#include <barrier>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <thread>
#include <vector>

#define __global__
#define __device__
#define __forceinline__ inline
#define __constant__
#define __shared__ static
#define __launch_bounds__(...)

typedef _Float16 __half;
static inline float __half2float(__half h) { return (float) h; }
static inline __half __float2half_rn(float x) { return (__half) x; }
static inline float __uint_as_float(unsigned int u) { float f; std::memcpy(&f, &u, 4); return f; }
static inline unsigned int __float_as_uint(float f) { unsigned int u; std::memcpy(&u, &f, 4); return u; }

struct attn_dim3 { unsigned int x, y, z; };
inline thread_local attn_dim3 threadIdx;
inline thread_local attn_dim3 blockIdx;

/* The block being run: its barrier, its warps' barriers and exchange slots, its shared memory. */
struct attn_block {
    std::barrier<> all;
    std::vector<std::barrier<> *> warps;
    std::vector<uint64_t> slots; /* [warp][lane][8] */
    std::vector<unsigned char> smem;
    explicit attn_block(int threads, size_t smem_bytes)
        : all(threads), slots((size_t) threads * 8), smem(smem_bytes + 16) {
        for (int w = 0; w < (threads + 31) / 32; w++) {
            warps.push_back(new std::barrier<>(threads - 32 * w < 32 ? threads - 32 * w : 32));
        }
    }
    ~attn_block() {
        for (auto *b : warps) delete b;
    }
};
inline attn_block *attn_current = nullptr;

static inline void __syncthreads() { attn_current->all.arrive_and_wait(); }
static inline int attn_lane() { return (int) threadIdx.x % 32; }
static inline uint64_t *attn_slot(int lane) { return &attn_current->slots[((threadIdx.x / 32) * 32 + lane) * 8]; }
static inline void attn_warp_sync() { attn_current->warps[threadIdx.x / 32]->arrive_and_wait(); }

static inline float __shfl_xor_sync(unsigned int, float v, int mask) {
    attn_slot(attn_lane())[0] = __float_as_uint(v);
    attn_warp_sync();
    const float r = __uint_as_float((unsigned int) attn_slot(attn_lane() ^ mask)[0]);
    attn_warp_sync();
    return r;
}

static inline unsigned char *attn_dynamic_smem() { return attn_current->smem.data(); }
static inline unsigned int attn_smem_address(const void *p) {
    return (unsigned int) ((const unsigned char *) p - attn_current->smem.data());
}
static inline void attn_cp_async16(unsigned int dst, const void *src, int valid) {
    if (valid) std::memcpy(attn_current->smem.data() + dst, src, 16);
    else std::memset(attn_current->smem.data() + dst, 0, 16);
}
static inline float attn_exp2(float x) { return std::exp2(x); }
static inline void attn_cp_async_commit() {}
template <int N> static inline void attn_cp_async_wait() {}

static inline uint16_t attn_smem16(unsigned int address) {
    uint16_t v;
    std::memcpy(&v, attn_current->smem.data() + address, 2);
    return v;
}

/* ldmatrix .x4: lanes 8i..8i+7 address the rows of matrix i; lane l receives row l/4, columns 2(l%4), 2(l%4)+1. */
static inline void attn_ldmatrix(unsigned int r[4], unsigned int row, bool trans) {
    attn_slot(attn_lane())[0] = row;
    attn_warp_sync();
    const int g = attn_lane() / 4, t = attn_lane() % 4;
    for (int i = 0; i < 4; i++) {
        uint16_t lo, hi;
        if (!trans) {
            const unsigned int a = (unsigned int) attn_slot(8 * i + g)[0];
            lo = attn_smem16(a + 4 * t);
            hi = attn_smem16(a + 4 * t + 2);
        } else { /* the transpose: row 2t and 2t+1 of the stored matrix, column g */
            lo = attn_smem16((unsigned int) attn_slot(8 * i + 2 * t)[0] + 2 * g);
            hi = attn_smem16((unsigned int) attn_slot(8 * i + 2 * t + 1)[0] + 2 * g);
        }
        r[i] = lo | (unsigned int) hi << 16;
    }
    attn_warp_sync();
}
static inline void attn_ldmatrix_x4(unsigned int r[4], unsigned int row) { attn_ldmatrix(r, row, false); }
static inline void attn_ldmatrix_x4_trans(unsigned int r[4], unsigned int row) { attn_ldmatrix(r, row, true); }

static inline float attn_operand(uint16_t bits) {
#if ATTN_EMULATION_BF16
    return __uint_as_float((unsigned int) bits << 16);
#else
    __half h;
    std::memcpy(&h, &bits, 2);
    return (float) h;
#endif
}

static inline uint16_t attn_round(float x) {
#if ATTN_EMULATION_BF16
    const unsigned int u = __float_as_uint(x);
    return (uint16_t) (x != x ? 0x7fc0u : (u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
#else
    const __half h = (__half) x;
    uint16_t bits;
    std::memcpy(&bits, &h, 2);
    return bits;
#endif
}

static inline unsigned int attn_pack(float lo, float hi) { return attn_round(lo) | (unsigned int) attn_round(hi) << 16; }

/*
 * mma.m16n8k16, A row-major 16x16, B 16x8, C/D 16x8 f32. Lane l = 4g + t holds
 * A: a0 (g, 2t..2t+1), a1 (g+8, 2t..), a2 (g, 2t+8..), a3 (g+8, 2t+8..);
 * B: b0 (k 2t..2t+1, n g), b1 (k 2t+8.., n g); D: d0 d1 (g, 2t..2t+1), d2 d3 (g+8, 2t..2t+1).
 */
static inline void attn_mma(float d[4], const unsigned int a[4], const unsigned int b[2]) {
    uint64_t *mine = attn_slot(attn_lane());
    for (int i = 0; i < 4; i++) mine[i] = a[i];
    mine[4] = b[0];
    mine[5] = b[1];
    attn_warp_sync();
    float A[16][16], B[16][8];
    for (int l = 0; l < 32; l++) {
        const uint64_t *s = attn_slot(l);
        const int g = l / 4, t = l % 4;
        for (int i = 0; i < 4; i++) {
            const int row = g + (i % 2) * 8, col = 2 * t + (i / 2) * 8;
            A[row][col] = attn_operand((uint16_t) s[i]);
            A[row][col + 1] = attn_operand((uint16_t) (s[i] >> 16));
        }
        for (int i = 0; i < 2; i++) {
            B[2 * t + 8 * i][g] = attn_operand((uint16_t) s[4 + i]);
            B[2 * t + 8 * i + 1][g] = attn_operand((uint16_t) (s[4 + i] >> 16));
        }
    }
    attn_warp_sync();
    const int g = attn_lane() / 4, t = attn_lane() % 4;
    for (int e = 0; e < 4; e++) {
        const int row = g + (e / 2) * 8, col = 2 * t + e % 2;
        float sum = d[e];
        for (int k = 0; k < 16; k++) sum += A[row][k] * B[k][col];
        d[e] = sum;
    }
}

/* Runs kernel on a grid of blocks, one block at a time, threads threads each. */
template <typename Kernel>
static void attn_emulate(Kernel kernel, attn_dim3 grid, int threads, size_t smem_bytes) {
    for (unsigned int z = 0; z < grid.z; z++)
        for (unsigned int y = 0; y < grid.y; y++)
            for (unsigned int x = 0; x < grid.x; x++) {
                attn_block block(threads, smem_bytes);
                attn_current = &block;
                std::vector<std::thread> pool;
                for (int t = 0; t < threads; t++) {
                    pool.emplace_back([=] {
                        threadIdx = {(unsigned int) t, 0, 0};
                        blockIdx = {x, y, z};
                        kernel();
                    });
                }
                for (auto &th : pool) th.join();
                attn_current = nullptr;
            }
}
