// Memory-heavy: hand-written quicksort (median of three + insertion sort) of N random u32,
// followed by a bottom-up merge sort of the same data reversed.
// Usage: sort [N]
// BENCH_SIZE: 400000   (size run.sh passes to every engine, so wasm-interp finishes in seconds)
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void insertion(uint32_t *a, long lo, long hi) {
    for (long i = lo + 1; i <= hi; i++) {
        uint32_t v = a[i];
        long j = i - 1;
        while (j >= lo && a[j] > v) { a[j + 1] = a[j]; j--; }
        a[j + 1] = v;
    }
}

static void quicksort(uint32_t *a, long lo, long hi) {
    while (hi - lo > 16) {
        long mid = lo + (hi - lo) / 2;
        uint32_t x = a[lo], y = a[mid], z = a[hi];
        uint32_t p = x < y ? (y < z ? y : (x < z ? z : x)) : (x < z ? x : (y < z ? z : y));
        long i = lo, j = hi;
        while (i <= j) {
            while (a[i] < p) i++;
            while (a[j] > p) j--;
            if (i <= j) { uint32_t t = a[i]; a[i] = a[j]; a[j] = t; i++; j--; }
        }
        if (j - lo < hi - i) { quicksort(a, lo, j); lo = i; }
        else { quicksort(a, i, hi); hi = j; }
    }
    insertion(a, lo, hi);
}

static void mergesort(uint32_t *a, uint32_t *tmp, long n) {
    for (long w = 1; w < n; w *= 2) {
        for (long lo = 0; lo < n; lo += 2 * w) {
            long mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
            long i = lo, j = mid, k = lo;
            while (i < mid && j < hi) tmp[k++] = a[i] <= a[j] ? a[i++] : a[j++];
            while (i < mid) tmp[k++] = a[i++];
            while (j < hi) tmp[k++] = a[j++];
        }
        memcpy(a, tmp, n * sizeof *a);
    }
}

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 2000000;
    uint32_t *a = malloc(n * sizeof *a), *tmp = malloc(n * sizeof *a);
    if (!a || !tmp) return 1;
    uint32_t s = 2463534242u;
    for (long i = 0; i < n; i++) { s ^= s << 13; s ^= s >> 17; s ^= s << 5; a[i] = s % 1000000007u; }
    quicksort(a, 0, n - 1);
    uint64_t h = 0;
    for (long i = 0; i < n; i++) {
        if (i && a[i - 1] > a[i]) { printf("quicksort failed\n"); return 2; }
        h = h * 1000003u + a[i];
    }
    for (long i = 0; i < n / 2; i++) { uint32_t t = a[i]; a[i] = a[n - 1 - i] ^ (uint32_t)i; a[n - 1 - i] = t; }
    mergesort(a, tmp, n);
    for (long i = 0; i < n; i++) h = (h ^ a[i]) * 0x100000001b3ull;
    printf("checksum %016llx\n", (unsigned long long)h);
    free(a); free(tmp);
    return 0;
}
