// Compression: LZ77 with a 4-byte hash table (LZ4-like token format) over 1 MiB of
// generated text, then decompression and verification; REPS rounds with different text.
// Usage: lz [REPS]
// BENCH_SIZE: 6   (size run.sh passes to every engine, so wasm-interp finishes in seconds)
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IN_SIZE (1u << 20)
#define HBITS 15

static const char *words[] = {"the", "quick", "brown", "fox", "jumps", "over", "lazy", "dog",
    "wasm", "module", "function", "memory", "table", "global", "import", "export", "skiff",
    "sandbox", "capability", "stream", "registry", "cluster", "interpreter", "benchmark"};

static uint32_t rng;
static uint32_t next(void) { rng ^= rng << 13; rng ^= rng >> 17; rng ^= rng << 5; return rng; }

static uint8_t *put_len(uint8_t *o, uint32_t n) {
    while (n >= 255) { *o++ = 255; n -= 255; }
    *o++ = (uint8_t)n;
    return o;
}

static size_t compress(const uint8_t *in, size_t n, uint8_t *out, uint32_t *ht) {
    memset(ht, 0, sizeof(uint32_t) << HBITS);
    uint8_t *o = out;
    size_t i = 0, lit = 0;
    while (i + 4 <= n) {
        uint32_t v; memcpy(&v, in + i, 4);
        uint32_t h = (v * 2654435761u) >> (32 - HBITS);
        uint32_t cand = ht[h];
        ht[h] = (uint32_t)i + 1;
        if (cand && i - (cand - 1) < 65536 && memcmp(in + cand - 1, in + i, 4) == 0) {
            size_t m = cand - 1, len = 4;
            while (i + len < n && in[m + len] == in[i + len]) len++;
            o = put_len(o, (uint32_t)(i - lit)); memcpy(o, in + lit, i - lit); o += i - lit;
            o = put_len(o, (uint32_t)len - 4);
            uint32_t off = (uint32_t)(i - m);
            *o++ = (uint8_t)off; *o++ = (uint8_t)(off >> 8);
            i += len; lit = i;
        } else i++;
    }
    o = put_len(o, (uint32_t)(n - lit)); memcpy(o, in + lit, n - lit); o += n - lit;
    return (size_t)(o - out);
}

static uint32_t get_len(const uint8_t **p) {
    uint32_t n = 0, b;
    do { b = *(*p)++; n += b; } while (b == 255);
    return n;
}

static size_t decompress(const uint8_t *in, size_t n, uint8_t *out) {
    const uint8_t *p = in, *end = in + n;
    uint8_t *o = out;
    for (;;) {
        uint32_t lit = get_len(&p);
        memcpy(o, p, lit); o += lit; p += lit;
        if (p >= end) break;
        uint32_t len = get_len(&p) + 4;
        uint32_t off = p[0] | (uint32_t)p[1] << 8; p += 2;
        for (uint32_t k = 0; k < len; k++, o++) *o = o[-(int32_t)off];  // may overlap
    }
    return (size_t)(o - out);
}

int main(int argc, char **argv) {
    int reps = argc > 1 ? atoi(argv[1]) : 24;
    uint8_t *in = malloc(IN_SIZE), *out = malloc(IN_SIZE * 2), *back = malloc(IN_SIZE);
    uint32_t *ht = malloc(sizeof(uint32_t) << HBITS);
    if (!in || !out || !back || !ht) return 1;
    uint64_t h = 14695981039346656037ull;
    for (int r = 0; r < reps; r++) {
        rng = 0x1234567u + (uint32_t)r * 7919u;
        size_t n = 0;
        while (n < IN_SIZE) {
            uint32_t x = next();
            const char *w = words[x % (sizeof words / sizeof *words)];
            while (*w && n < IN_SIZE) in[n++] = (uint8_t)*w++;
            if (n < IN_SIZE) in[n++] = (x >> 8) % 13 == 0 ? '\n' : ((x >> 12) % 7 == 0 ? (uint8_t)('0' + (x >> 16) % 10) : ' ');
        }
        size_t c = compress(in, n, out, ht);
        size_t d = decompress(out, c, back);
        if (d != n || memcmp(in, back, n) != 0) { printf("roundtrip failed\n"); return 2; }
        for (size_t i = 0; i < c; i++) h = (h ^ out[i]) * 1099511628211ull;
        h ^= c;
    }
    printf("checksum %016llx\n", (unsigned long long)h);
    free(in); free(out); free(back); free(ht);
    return 0;
}
