#!/usr/bin/env bash
# Debian 12's wabt is built without WASI ("wasi support not compiled in"), so
# `wasm-interp --wasi` cannot run WASI commands. This builds the same wabt 1.0.32
# interpreter with WITH_WASI=ON from Debian source packages: wabt's source, plus uvwasi
# taken from the nodejs source package (wabt's tarball leaves that submodule empty),
# linked against Debian's libuv. Needs deb-src entries in apt and ~3 min on 2 cores.
# wabt 1.0.32 binds only some WASI calls; this adds fd_filestat_set_size, fd_sync and
# path_filestat_set_times (forwarded to uvwasi like the others), which SQLite's speedtest1
# imports. A wasm-interp built by an older version of this script is rebuilt.
# Usage: bench/cpu/build-wabt-wasi.sh [OUTDIR]   -> OUTDIR/wabt/wasm-interp
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${1:-$root/build/bench-cpu}
mkdir -p "$out" && out=$(cd "$out" && pwd)  # absolute: the build below runs in $out/wabt-src
dest=$out/wabt
die() { echo "bench/cpu/build-wabt-wasi.sh: error: $*" >&2; exit 1; }
recipe=$(sha256sum "${BASH_SOURCE[0]}" | cut -d' ' -f1)
if [[ -x $dest/wasm-interp && $(cat "$dest/wasm-interp.recipe" 2>/dev/null) == "$recipe" ]]; then
    echo "bench/cpu: $dest/wasm-interp is already built"; exit 0
fi
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
# The missing WASI calls: methods of WasiInstance, and their names in wasi_api.def.
cat > wasi-extra.inc <<'CC'
  Result fd_filestat_set_size(const Values& params, Values& results, Trap::Ptr* trap) {
    results[0].Set<u32>(uvwasi_fd_filestat_set_size(uvwasi, params[0].Get<u32>(),
                                                    params[1].Get<u64>()));
    return Result::Ok;
  }

  Result fd_sync(const Values& params, Values& results, Trap::Ptr* trap) {
    results[0].Set<u32>(uvwasi_fd_sync(uvwasi, params[0].Get<u32>()));
    return Result::Ok;
  }

  Result path_filestat_set_times(const Values& params, Values& results, Trap::Ptr* trap) {
    uint32_t path_ptr = params[2].Get<u32>();
    __wasi_size_t path_len = params[3].Get<u32>();
    char* path;
    CHECK_RESULT(getMemPtr<char>(path_ptr, path_len, &path, trap));
    results[0].Set<u32>(uvwasi_path_filestat_set_times(
        uvwasi, params[0].Get<u32>(), params[1].Get<u32>(), path, path_len,
        params[4].Get<u64>(), params[5].Get<u64>(), params[6].Get<u32>()));
    return Result::Ok;
  }

CC
wasi_cc=wabt/src/interp/interp-wasi.cc
awk 'FNR == NR { extra = extra $0 "\n"; next }
     /^  Result fd_fdstat_set_flags\(/ && !done { printf "%s", extra; done = 1 } { print }' \
    wasi-extra.inc "$wasi_cc" > "$wasi_cc.new" && mv "$wasi_cc.new" "$wasi_cc"
grep -q 'Result fd_sync(' "$wasi_cc" || die "cannot patch $wasi_cc (layout changed?)"
printf 'WASI_FUNC(%s)\n' fd_filestat_set_size fd_sync path_filestat_set_times >> wabt/src/interp/wasi_api.def
# uv_a is an INTERFACE target here (system libuv); drop the compile option wabt sets on it.
sed -i 's/target_compile_options(uv_a PRIVATE "-Wno-sign-compare")//' wabt/CMakeLists.txt
cmake -S wabt -B wabt-build -G Ninja -DCMAKE_BUILD_TYPE=Release -DWITH_WASI=ON \
    -DBUILD_TESTS=OFF -DBUILD_LIBWASM=OFF >/dev/null || die "cmake configure failed"
ninja -C wabt-build wasm-interp >/dev/null || die "wasm-interp build failed (see $src/wabt-build)"
mkdir -p "$dest" && cp wabt-build/wasm-interp "$dest/wasm-interp" && echo "$recipe" > "$dest/wasm-interp.recipe"
echo "bench/cpu: built $dest/wasm-interp ($("$dest/wasm-interp" --version), WASI enabled)"
