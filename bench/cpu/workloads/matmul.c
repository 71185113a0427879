// Memory-heavy: naive (i,k,j) double matrix multiply C = A*B, N x N, then a transpose pass.
// Usage: matmul [N]
// BENCH_SIZE: 512   (size run.sh passes to every engine, so wasm-interp finishes in seconds)
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 900;
    size_t nn = (size_t)n * n;
    double *a = malloc(nn * sizeof *a), *b = malloc(nn * sizeof *b), *c = calloc(nn, sizeof *c);
    if (!a || !b || !c) return 1;
    uint32_t s = 12345;
    for (size_t i = 0; i < nn; i++) {
        s = s * 1664525u + 1013904223u;
        a[i] = (double)(s >> 20) / 4096.0 - 0.5;
        s = s * 1664525u + 1013904223u;
        b[i] = (double)(s >> 20) / 4096.0 - 0.5;
    }
    for (int i = 0; i < n; i++)
        for (int k = 0; k < n; k++) {
            double aik = a[(size_t)i * n + k];
            double *crow = c + (size_t)i * n;
            const double *brow = b + (size_t)k * n;
            for (int j = 0; j < n; j++) crow[j] += aik * brow[j];
        }
    // Column-order read of C (strided access) into the checksum.
    double sum = 0;
    uint64_t mix = 0;
    for (int j = 0; j < n; j++)
        for (int i = 0; i < n; i++) {
            double v = c[(size_t)i * n + j];
            sum += v;
            mix = mix * 31 + (uint64_t)(int64_t)(v * 1024.0);
        }
    printf("checksum %.6f %016llx\n", sum, (unsigned long long)mix);
    free(a); free(b); free(c);
    return 0;
}
