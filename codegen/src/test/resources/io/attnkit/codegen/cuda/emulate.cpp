// Reads q.npy, k.npy, v.npy from the current directory, runs the kernel ATTN_KERNEL of the
// file included before this one under emulation.h, writes O as raw little-endian float32 to
// out.f32 and prints the sum of its tile counters.
#include <cstdio>
#include <string>
#include "attn_npy.h"

static std::vector<attn_elem> attn_to_storage(const std::vector<float> &x) {
    std::vector<attn_elem> out(x.size());
    for (size_t i = 0; i < x.size(); i++) {
        attn_store(out.data(), (attn_index) i, x[i]);
    }
    return out;
}

int main() {
    attn_npy q, k, v;
    std::string error;
    if (!attn_npy_read("q.npy", &q, &error) || !attn_npy_read("k.npy", &k, &error) || !attn_npy_read("v.npy", &v, &error)) {
        std::fprintf(stderr, "%s\n", error.c_str());
        return 2;
    }
    std::vector<attn_elem> qs = attn_to_storage(q.data), ks = attn_to_storage(k.data), vs = attn_to_storage(v.data);
    std::vector<attn_elem> o((size_t) ATTN_BATCH * ATTN_HEADS * ATTN_Q_LEN * ATTN_V_DIM);
    std::vector<unsigned int> tiles((size_t) ATTN_BATCH * ATTN_HEADS * ATTN_Q_BLOCKS, 12345u);
    attn_emulate([&] { ATTN_KERNEL(qs.data(), ks.data(), vs.data(), o.data(), tiles.data()); },
                 attn_dim3{ATTN_Q_BLOCKS, ATTN_HEADS, ATTN_BATCH}, ATTN_THREADS, ATTN_SMEM_BYTES);
    FILE *f = std::fopen("out.f32", "wb");
    for (size_t i = 0; i < o.size(); i++) {
        const float x = attn_load(o.data(), (attn_index) i);
        std::fwrite(&x, 4, 1, f);
    }
    std::fclose(f);
    unsigned long long sum = 0;
    for (unsigned int t : tiles) sum += t;
    std::printf("tiles %llu\n", sum);
    return 0;
}
