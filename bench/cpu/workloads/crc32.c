// Integer/table lookups: CRC-32 (byte-wise table) and Adler-32 over a 1 MiB buffer, PASSES times.
// Usage: crc32 [PASSES]
// BENCH_SIZE: 16   (size run.sh passes to every engine, so wasm-interp finishes in seconds)
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define BUF (1u << 20)

static uint32_t table[256];

int main(int argc, char **argv) {
    int passes = argc > 1 ? atoi(argv[1]) : 120;
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        table[i] = c;
    }
    uint8_t *buf = malloc(BUF);
    if (!buf) return 1;
    uint32_t s = 1;
    for (uint32_t i = 0; i < BUF; i++) { s = s * 1103515245u + 12345u; buf[i] = (uint8_t)(s >> 16); }
    uint32_t crc = 0xFFFFFFFFu, a = 1, b = 0;
    for (int p = 0; p < passes; p++) {
        buf[p % BUF] ^= (uint8_t)p;  // make each pass different
        for (uint32_t i = 0; i < BUF; i++) crc = table[(crc ^ buf[i]) & 0xFF] ^ (crc >> 8);
        for (uint32_t i = 0; i < BUF; i += 4096) {
            uint32_t end = i + 4096;
            for (uint32_t j = i; j < end; j++) { a += buf[j]; b += a; }
            a %= 65521u; b %= 65521u;
        }
    }
    printf("checksum %08x %08x\n", crc ^ 0xFFFFFFFFu, (b << 16) | a);
    free(buf);
    return 0;
}
