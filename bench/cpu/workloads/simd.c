// SIMD: 4-lane f32 Mandelbrot and an i32x4 lane-parallel hash, written with GCC/clang
// vector extensions (SSE2 natively; wasm simd128 with -msimd128).
// Usage: simd [WIDTH]   (image is WIDTH x WIDTH)
// BENCH_SIZE: 1200   (size run.sh passes to every engine, so wasm-interp finishes in seconds)
// WASM_CFLAGS: -msimd128
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

typedef float f4 __attribute__((vector_size(16)));
typedef int32_t i4 __attribute__((vector_size(16)));
typedef uint32_t u4 __attribute__((vector_size(16)));

#define MAXIT 256

int main(int argc, char **argv) {
    int w = argc > 1 ? atoi(argv[1]) : 2200;
    w = (w + 3) & ~3;
    uint32_t *img = malloc((size_t)w * w * sizeof *img);
    if (!img) return 1;
    const f4 four = {4, 4, 4, 4}, two = {2, 2, 2, 2};
    const float scale = 3.0f / (float)w;
    for (int y = 0; y < w; y++) {
        float fy = -1.5f + (float)y * scale;
        f4 ci = {fy, fy, fy, fy};
        for (int x = 0; x < w; x += 4) {
            f4 cr = {-2.0f + (float)x * scale, -2.0f + (float)(x + 1) * scale,
                     -2.0f + (float)(x + 2) * scale, -2.0f + (float)(x + 3) * scale};
            f4 zr = {0, 0, 0, 0}, zi = {0, 0, 0, 0};
            i4 cnt = {0, 0, 0, 0};
            for (int it = 0; it < MAXIT; it++) {
                f4 zr2 = zr * zr, zi2 = zi * zi;
                i4 live = (zr2 + zi2) <= four;
                if (!(live[0] | live[1] | live[2] | live[3])) break;
                cnt -= live;
                zi = two * zr * zi + ci;
                zr = zr2 - zi2 + cr;
            }
            for (int k = 0; k < 4; k++) img[(size_t)y * w + x + k] = (uint32_t)cnt[k];
        }
    }
    // Lane-parallel hash of the image: 4 independent multiply/xorshift streams.
    u4 h = {0x9e3779b9u, 0x85ebca6bu, 0xc2b2ae35u, 0x27d4eb2fu};
    const u4 mul = {0x01000193u, 0x01000193u, 0x01000193u, 0x01000193u};
    size_t total = (size_t)w * w;
    for (size_t i = 0; i < total; i += 4) {
        u4 v = {img[i], img[i + 1], img[i + 2], img[i + 3]};
        h = (h ^ v) * mul;
        h ^= h >> 15;
    }
    uint64_t sum = 0;
    for (size_t i = 0; i < total; i++) sum += img[i];
    printf("checksum %llu %08x%08x%08x%08x\n", (unsigned long long)sum, h[0], h[1], h[2], h[3]);
    free(img);
    return 0;
}
