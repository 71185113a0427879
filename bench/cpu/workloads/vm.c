// Branchy: a register-machine bytecode interpreter (switch dispatch) running a Collatz
// step counter for 1..N, so branches follow data-dependent, poorly predictable paths.
// Usage: vm [N]
// BENCH_SIZE: 50000   (size run.sh passes to every engine, so wasm-interp finishes in seconds)
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

enum { LI, MOV, ADD, ADDI, MULI, ANDI, SHRI, XOR, ROTL, JMP, JZ, JEQI, JLT, HALT };
typedef struct { uint8_t op, a, b; int32_t c; } Insn;

static uint64_t run(const Insn *code, uint64_t *r) {
    const Insn *pc = code;
    for (;;) {
        const Insn *i = pc++;
        switch (i->op) {
        case LI: r[i->a] = (uint64_t)(int64_t)i->c; break;
        case MOV: r[i->a] = r[i->b]; break;
        case ADD: r[i->a] += r[i->b]; break;
        case ADDI: r[i->a] = r[i->b] + (uint64_t)(int64_t)i->c; break;
        case MULI: r[i->a] = r[i->b] * (uint64_t)(int64_t)i->c; break;
        case ANDI: r[i->a] = r[i->b] & (uint64_t)(int64_t)i->c; break;
        case SHRI: r[i->a] = r[i->b] >> i->c; break;
        case XOR: r[i->a] ^= r[i->b]; break;
        case ROTL: r[i->a] = r[i->b] << i->c | r[i->b] >> (64 - i->c); break;
        case JMP: pc = code + i->c; break;
        case JZ: if (r[i->a] == 0) pc = code + i->c; break;
        case JEQI: if (r[i->a] == (uint64_t)i->b) pc = code + i->c; break;
        case JLT: if (r[i->a] < r[i->b]) pc = code + i->c; break;
        case HALT: return r[5];
        default: return ~0ull;
        }
    }
}

int main(int argc, char **argv) {
    int64_t n = argc > 1 ? atoll(argv[1]) : 300000;
    // r0 = i, r1 = x, r2 = steps, r3 = tmp, r4 = max steps, r5 = hash, r6 = n
    static const Insn prog[] = {
        /* 0*/ {LI, 0, 0, 1},
        /* 1*/ {LI, 5, 0, 0},
        /* 2*/ {MOV, 1, 0, 0},           // outer: x = i
        /* 3*/ {LI, 2, 0, 0},            // steps = 0
        /* 4*/ {JEQI, 1, 1, 13},         // inner: if x == 1 goto done
        /* 5*/ {ANDI, 3, 1, 1},
        /* 6*/ {JZ, 3, 0, 10},
        /* 7*/ {MULI, 1, 1, 3},          // odd: x = 3x + 1
        /* 8*/ {ADDI, 1, 1, 1},
        /* 9*/ {JMP, 0, 0, 11},
        /*10*/ {SHRI, 1, 1, 1},          // even: x >>= 1
        /*11*/ {ADDI, 2, 2, 1},          // steps++
        /*12*/ {JMP, 0, 0, 4},
        /*13*/ {ROTL, 5, 5, 7},          // done: hash = rotl(hash, 7) ^ steps
        /*14*/ {XOR, 5, 2, 0},
        /*15*/ {JLT, 4, 2, 17},          // if max < steps: max = steps
        /*16*/ {JMP, 0, 0, 18},
        /*17*/ {MOV, 4, 2, 0},
        /*18*/ {ADDI, 0, 0, 1},          // i++
        /*19*/ {JLT, 0, 6, 2},           // if i < n goto outer
        /*20*/ {HALT, 0, 0, 0},
    };
    uint64_t r[8] = {0};
    r[6] = (uint64_t)n;
    uint64_t h = run(prog, r);
    printf("checksum %016llx %llu\n", (unsigned long long)h, (unsigned long long)r[4]);
    return 0;
}
