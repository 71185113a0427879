#!/usr/bin/env bash
# Debian 12's wabt is built without WASI ("wasi support not compiled in"), so
# `wasm-interp --wasi` cannot run WASI commands. This builds the same wabt 1.0.32
# interpreter with WITH_WASI=ON from Debian source packages: wabt's source, plus uvwasi
# taken from the nodejs source package (wabt's tarball leaves that submodule empty),
# linked against Debian's libuv. Needs deb-src entries in apt and ~3 min on 2 cores.
# Usage: bench/cpu/build-wabt-wasi.sh [OUTDIR]   -> OUTDIR/wabt/wasm-interp
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${1:-$root/build/bench-cpu}
dest=$out/wabt
die() { echo "bench/cpu/build-wabt-wasi.sh: error: $*" >&2; exit 1; }
if [[ -x $dest/wasm-interp ]]; then echo "bench/cpu: $dest/wasm-interp is already built"; exit 0; fi
for t in cmake ninja g++ apt-get; do command -v $t >/dev/null || die "$t not found"; done
[[ -f /usr/include/uv.h ]] || DEBIAN_FRONTEND=noninteractive apt-get install -y libuv1-dev >/dev/null ||
    die "cannot install libuv1-dev"
src=$out/wabt-src
mkdir -p "$src" && cd "$src"
if ! ls wabt_*.orig.tar.* >/dev/null 2>&1; then
    apt-get source --download-only wabt >/dev/null 2>&1 || true  # a missing .dsc is fine
    ls wabt_*.orig.tar.* >/dev/null 2>&1 || die "apt-get source wabt failed (deb-src entries missing?)"
fi
if ! ls nodejs_*dfsg.orig.tar.* >/dev/null 2>&1; then
    apt-get source --download-only nodejs >/dev/null 2>&1 || true  # security .dsc may 404
    ls nodejs_*dfsg.orig.tar.* >/dev/null 2>&1 || die "apt-get source nodejs failed (needed for uvwasi)"
fi
rm -rf wabt node-src && mkdir wabt node-src
tar xf wabt_*.orig.tar.* -C wabt --strip-components=1
tar xf nodejs_*dfsg.orig.tar.* -C node-src --strip-components=1 --wildcards '*/deps/uvwasi'
rm -rf wabt/third_party/uvwasi && cp -r node-src/deps/uvwasi wabt/third_party/uvwasi
cat > wabt/third_party/uvwasi/CMakeLists.txt <<'CM'
file(GLOB UVWASI_SRCS ${CMAKE_CURRENT_SOURCE_DIR}/src/*.c)
add_library(uv_a INTERFACE)
target_link_libraries(uv_a INTERFACE uv)
add_library(uvwasi_a STATIC ${UVWASI_SRCS})
target_include_directories(uvwasi_a PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include)
target_link_libraries(uvwasi_a PUBLIC uv)
CM
# uv_a is an INTERFACE target here (system libuv); drop the compile option wabt sets on it.
sed -i 's/target_compile_options(uv_a PRIVATE "-Wno-sign-compare")//' wabt/CMakeLists.txt
cmake -S wabt -B wabt-build -G Ninja -DCMAKE_BUILD_TYPE=Release -DWITH_WASI=ON \
    -DBUILD_TESTS=OFF -DBUILD_LIBWASM=OFF >/dev/null || die "cmake configure failed"
ninja -C wabt-build wasm-interp >/dev/null || die "wasm-interp build failed (see $src/wabt-build)"
mkdir -p "$dest" && cp wabt-build/wasm-interp "$dest/wasm-interp"
echo "bench/cpu: built $dest/wasm-interp ($("$dest/wasm-interp" --version), WASI enabled)"
