// Integer: repeated sieve of Eratosthenes over 2M bytes, folding primes into a hash.
// Usage: sieve [REPS]
// BENCH_SIZE: 12   (size run.sh passes to every engine, so wasm-interp finishes in seconds)
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LIMIT 2000000u

int main(int argc, char **argv) {
    int reps = argc > 1 ? atoi(argv[1]) : 80;
    uint8_t *composite = malloc(LIMIT + 1);
    if (!composite) return 1;
    uint64_t hash = 1469598103934665603ull;
    for (int r = 0; r < reps; r++) {
        memset(composite, 0, LIMIT + 1);
        uint32_t count = 0;
        uint64_t sum = 0;
        for (uint32_t i = 2; i <= LIMIT; i++) {
            if (composite[i]) continue;
            count++;
            sum += i ^ (uint32_t)r;
            for (uint32_t j = i * 2; j <= LIMIT; j += i) composite[j] = 1;
        }
        hash = (hash ^ count) * 1099511628211ull;
        hash = (hash ^ sum) * 1099511628211ull;
    }
    printf("checksum %016llx\n", (unsigned long long)hash);
    free(composite);
    return 0;
}
