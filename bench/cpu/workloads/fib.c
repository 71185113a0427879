// Call-heavy: naive recursive fib, Takeuchi's tak, and calls through a function-pointer table.
// Usage: fib [N]   (work grows ~1.6^N)
// BENCH_SIZE: 29   (size run.sh passes to every engine, so wasm-interp finishes in seconds)
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

__attribute__((noinline)) static uint32_t fib(uint32_t n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

__attribute__((noinline)) static int tak(int x, int y, int z) {
    return y < x ? tak(tak(x - 1, y, z), tak(y - 1, z, x), tak(z - 1, x, y)) : z;
}

static uint32_t op_add(uint32_t a, uint32_t b) { return a + b; }
static uint32_t op_xor(uint32_t a, uint32_t b) { return a ^ (b * 3); }
static uint32_t op_rot(uint32_t a, uint32_t b) { return (a << 5 | a >> 27) + b; }
static uint32_t op_mul(uint32_t a, uint32_t b) { return a * (b | 1); }
static uint32_t (*volatile ops[4])(uint32_t, uint32_t) = {op_add, op_xor, op_rot, op_mul};

__attribute__((noinline)) static uint32_t indirect(uint32_t depth, uint32_t acc) {
    if (depth == 0) return acc;
    uint32_t (*f)(uint32_t, uint32_t) = ops[acc & 3];
    return indirect(depth - 1, f(acc, depth)) + 1;
}

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 33;
    uint32_t f = fib((uint32_t)n);
    int t = 0;
    int reps = n > 16 ? n - 16 : 1;
    for (int i = 0; i < reps; i++) t += tak(18 + (i & 1), 12, 6);
    uint32_t acc = 0;
    for (uint32_t i = 0; i < (1u << (n > 20 ? n - 12 : 8)); i++) acc = indirect(64, acc + i);
    printf("checksum %u %d %08x\n", f, t, acc);
    return 0;
}
