// Not a workload: an empty WASI command whose time is each engine's fixed cost (process
// start, module compile/instantiate, WASI setup). run.sh shows it apart from the geomean.
#include <stdio.h>

int main(int argc, char **argv) {
    (void)argv;
    printf("checksum %d\n", argc > 1);
    return 0;
}
