# The two set-up commands of the README: `make demo` and `make test`. Both install
# missing Debian packages first (scripts/install-deps.sh, idempotent).

.PHONY: all deps build release fuzz-build test demo bench fuzz-long clean

all: build

deps:
	@./scripts/install-deps.sh

# Tests run on the asan preset: ASan + UBSan + asserts, so every test run checks them.
build: deps
	@cmake --preset asan >/dev/null
	@cmake --build build/asan

release: deps
	@cmake --preset release >/dev/null
	@cmake --build build/release

fuzz-build: deps
	@cmake --preset fuzz >/dev/null
	@cmake --build build/fuzz

test: build fuzz-build
	@cmake -DSKIFF_FUZZ_DIR=$(CURDIR)/build/fuzz build/asan >/dev/null
	@SKIFF_SPEC_TESTSUITE="$(SKIFF_SPEC_TESTSUITE)" SKIFF_WASI_TESTSUITE="$(SKIFF_WASI_TESTSUITE)" ctest --test-dir build/asan --output-on-failure -j2

demo: release
	@./scripts/demo.sh build/release

bench: release
	@./bench/run.sh build/release

fuzz-long: deps
	@./scripts/fuzz-long.sh

clean:
	rm -rf build
