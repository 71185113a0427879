#!/usr/bin/env bash
# Builds a corpus of large, real WebAssembly modules from Debian 12 source packages, as input for
# skiff's decode+validate throughput benchmark (and bench/baselines/validate_baselines.sh).
#
#   usage: bench/corpus/build.sh [OUTDIR [TARGET...]]   (default: <repo>/build/bench-corpus, all
#                                                        modules below)
#
# Produces, in OUTDIR:
#   sqlite-speedtest1.wasm  sqlite3 package: test/speedtest1.c + amalgamation (+RTREE)
#   sqlite3-shell.wasm      sqlite3 package: shell.c + amalgamation with Debian's feature set
#   lua.wasm                lua5.4 package: the lua interpreter (errors and coroutines through
#                           the Asyncify-based setjmp/longjmp of compat/sjlj)
#   zstd.wasm               libzstd package: the zstd command-line tool (single-threaded)
#   minigzip.wasm           zlib package: test/minigzip.c (small module, for fixed overheads)
# Targets native/lua, native/sqlite3-shell and native/sqlite-speedtest1 (built only when named)
# are the same programs built for the host with the same settings ($NATIVE_CC -O2, default cc),
# for tests that compare a run under skiff with a native one and bench/cpu's speedtest1 row.
# Sources and intermediates go to OUTDIR/src and OUTDIR/obj, logs to OUTDIR/obj/logs.
#
# Idempotent: an output that exists, was built by the current build.sh + compat/ (a stamp
# OUTDIR/<output>.recipe records which) and, for a module, passes wasm-validate is kept; fetched
# sources and the generated SQLite amalgamation are reused. Delete OUTDIR to start over.
#
# System changes (only when needed; needs root or sudo):
#   - if apt has no deb-src entries, adds /etc/apt/sources.list.d/skiff-bench-deb-src.sources
#     (or .list) mirroring the existing Debian entries, then runs apt-get update;
#   - installs dpkg-dev (apt-get source), tcl (SQLite amalgamation generator) and make if absent.
# The wasm toolchain itself (clang, lld, wasi-libc, libclang-rt-14-dev-wasm32, wabt, binaryen) must already
# be installed: see scripts/install-deps.sh.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
compat=$here/compat

out=${1:-$repo/build/bench-corpus}
mkdir -p "$out"
out=$(cd "$out" && pwd)
src=$out/src
obj=$out/obj
logs=$obj/logs
mkdir -p "$src" "$obj" "$logs"

JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}
CLANG=${CLANG:-clang}

log() { echo "==> $*" >&2; }
warn() { echo "build.sh: warning: $*" >&2; }
die() { echo "build.sh: error: $*" >&2; exit 1; }
# die_log <logfile> <message>: show the tail of a failed step's log, then fail.
die_log() {
  echo "build.sh: error: $2 (log: $1)" >&2
  tail -n 40 "$1" >&2 || true
  exit 1
}

SUDO=()
as_root() {
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || die "'$*' needs root; run as root or install sudo"
    SUDO=(sudo)
  fi
  "${SUDO[@]}" "$@"
}

APT_UPDATED=0
apt_update_once() {
  if [ "$APT_UPDATED" -eq 0 ]; then
    log "apt-get update"
    as_root apt-get update -q >"$logs/apt-update.log" 2>&1 || die_log "$logs/apt-update.log" "apt-get update failed"
    APT_UPDATED=1
  fi
}

# ensure_tool <command> <debian package>
ensure_tool() {
  command -v "$1" >/dev/null && return 0
  log "installing $2 (for $1)"
  export DEBIAN_FRONTEND=noninteractive
  if ! as_root apt-get install -y -q --no-install-recommends "$2" >"$logs/apt-install-$2.log" 2>&1; then
    apt_update_once
    as_root apt-get install -y -q --no-install-recommends "$2" >"$logs/apt-install-$2.log" 2>&1 ||
      die_log "$logs/apt-install-$2.log" "could not install $2"
  fi
  command -v "$1" >/dev/null || die "$2 is installed but '$1' is still not on PATH"
}

# --------------------------------------------------------------------------- prerequisites

check_toolchain() {
  local t
  for t in "$CLANG" wasm-ld wasm-validate wasm-objdump wasm-opt; do
    command -v "$t" >/dev/null ||
      die "'$t' not found; install clang lld wasi-libc libclang-rt-14-dev-wasm32 wabt binaryen (scripts/install-deps.sh)"
  done
  printf 'int main(void){return 0;}\n' >"$obj/toolchain-check.c"
  "$CLANG" --target=wasm32-wasi -O2 "$obj/toolchain-check.c" -o "$obj/toolchain-check.wasm" \
    >"$logs/toolchain-check.log" 2>&1 ||
    die_log "$logs/toolchain-check.log" "clang --target=wasm32-wasi cannot build a trivial program (need wasi-libc and libclang-rt-14-dev-wasm32)"
}

# Makes sure apt knows at least one deb-src entry. Detection asks apt itself (so disabled stanzas
# and either sources format are handled); the added file mirrors the existing Debian entries.
ensure_deb_src() {
  # shellcheck disable=SC2016  # $(CREATED_BY) is apt's format syntax, not a shell expansion
  if apt-get indextargets --format '$(CREATED_BY)' 2>/dev/null | grep -qx Sources; then
    return 0
  fi
  local dst tmp
  tmp=$(mktemp)
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    dst=/etc/apt/sources.list.d/skiff-bench-deb-src.sources
    { echo "# Added by skiff bench/corpus/build.sh: source packages for 'apt-get source'."
      sed -E 's/^Types:.*/Types: deb-src/' /etc/apt/sources.list.d/debian.sources; } >"$tmp"
  elif [ -f /etc/apt/sources.list ] && grep -Eq '^[[:space:]]*deb[[:space:]]' /etc/apt/sources.list; then
    dst=/etc/apt/sources.list.d/skiff-bench-deb-src.list
    { echo "# Added by skiff bench/corpus/build.sh: source packages for 'apt-get source'."
      sed -nE 's/^[[:space:]]*deb([[:space:]])/deb-src\1/p' /etc/apt/sources.list; } >"$tmp"
  else
    rm -f "$tmp"
    die "no deb-src entry and no Debian 'deb' entry to derive one from; add a deb-src source manually"
  fi
  log "no deb-src entry configured: adding $dst"
  as_root install -m 0644 "$tmp" "$dst"
  rm -f "$tmp"
  apt_update_once
}

APT_SOURCE_OPTS=()
if [ "$(id -u)" -eq 0 ]; then
  # As root, apt drops to the _apt user for downloads, which cannot write into OUTDIR/src.
  APT_SOURCE_OPTS=(-o APT::Sandbox::User=root)
fi

# fetch_source <source package>: sets SRCDIR to the unpacked (Debian-patched) source tree.
fetch_source() {
  local pkg=$1 stamp=$src/.fetched-$1
  if [ -f "$stamp" ] && [ -d "$(cat "$stamp")" ]; then
    SRCDIR=$(cat "$stamp")
    return 0
  fi
  # A tree without a stamp is a leftover of an interrupted run: start over.
  find "$src" -mindepth 1 -maxdepth 1 -name "${pkg}[-_][0-9]*" -exec rm -rf {} +
  if ! apt-cache showsrc "$pkg" 2>/dev/null | grep -q '^Package:'; then
    # deb-src is configured, but its index was never downloaded.
    apt_update_once
  fi
  log "apt-get source $pkg"
  (cd "$src" && apt-get source -q "${APT_SOURCE_OPTS[@]}" "$pkg") >"$logs/fetch-$pkg.log" 2>&1 ||
    die_log "$logs/fetch-$pkg.log" "apt-get source $pkg failed"
  SRCDIR=$(find "$src" -mindepth 1 -maxdepth 1 -type d -name "${pkg}-[0-9]*" | sort -V | tail -n 1)
  [ -n "$SRCDIR" ] || die "apt-get source $pkg did not produce a $pkg-<version> directory in $src"
  echo "$SRCDIR" >"$stamp"
}

# --------------------------------------------------------------------------- compiling

# Flags shared by every module. The WASI emulation libraries are linked only as needed.
CFLAGS_WASI=(--target=wasm32-wasi -O2
  -I"$compat/include" -include "$compat/wasi_compat.h"
  -D_WASI_EMULATED_SIGNAL -D_WASI_EMULATED_PROCESS_CLOCKS -D_WASI_EMULATED_MMAN -D_WASI_EMULATED_GETPID)
# --strip-debug drops the DWARF that Debian's libc.a carries, so file size ~ code + data.
# shellcheck disable=SC2054  # the comma belongs to the -Wl, option
LDFLAGS_WASI=(--target=wasm32-wasi -O2 -Wl,--strip-debug)
LIBS_WASI=(-lwasi-emulated-signal -lwasi-emulated-process-clocks -lwasi-emulated-mman
  -lwasi-emulated-getpid -lm)

# compile <objdir> <log> <src>...: compiles in parallel with the flags in the CF array; sources
# are given relative to the current directory; objects are named after that path.
compile() {
  local objdir=$1 logf=$2 s running=0 failed=0
  shift 2
  mkdir -p "$objdir"
  for s in "$@"; do
    if [ "$running" -ge "$JOBS" ]; then
      wait -n || failed=1
      running=$((running - 1))
    fi
    local o=${s#./}
    o=$objdir/${o//\//_}
    "$CLANG" "${CF[@]}" -c "$s" -o "${o%.c}.o" >>"$logf" 2>&1 &
    running=$((running + 1))
  done
  while [ "$running" -gt 0 ]; do
    wait -n || failed=1
    running=$((running - 1))
  done
  [ "$failed" -eq 0 ] || die_log "$logf" "compilation failed"
}

# link <name> <log> <objects...>: links OUTDIR/<name>.wasm, then requires wasm-validate to pass.
link() {
  local name=$1 logf=$2
  shift 2
  local tmp=$out/$name.wasm.tmp
  "$CLANG" "${LDFLAGS_WASI[@]}" "$@" "${LIBS_WASI[@]}" -o "$tmp" >>"$logf" 2>&1 ||
    die_log "$logf" "linking $name.wasm failed"
  wasm-validate "$tmp" >>"$logf" 2>&1 || die_log "$logf" "$name.wasm does not pass wasm-validate"
  mv -f "$tmp" "$out/$name.wasm"
}

# What every output is built from: this script and compat/. An output whose stamp records
# another recipe is rebuilt.
RECIPE=$( (cat "${BASH_SOURCE[0]}"; find "$compat" -type f | LC_ALL=C sort | xargs cat) | sha256sum | cut -d' ' -f1)

# up_to_date <file>: true if OUTDIR/<file> exists, was built by this recipe and, for a module,
# passes wasm-validate.
up_to_date() {
  local f=$out/$1
  if [ -f "$f" ] && [ "$(cat "$f.recipe" 2>/dev/null)" = "$RECIPE" ] &&
    { [[ $f != *.wasm ]] || wasm-validate "$f" >/dev/null 2>&1; }; then
    log "$1: already built, skipping"
    return 0
  fi
  return 1
}

# built <file>: stamps OUTDIR/<file> with the recipe.
built() { echo "$RECIPE" >"$out/$1.recipe"; }

# --------------------------------------------------------------------------- SQLite

SQLITE_AMAL=$obj/sqlite-amalgamation

# The Debian source is SQLite's full tree; sqlite3.c and shell.c are generated (tclsh scripts)
# by a native configure + make, exactly as upstream's release process does.
sqlite_amalgamation() {
  [ -f "$SQLITE_AMAL/.done" ] && return 0
  fetch_source sqlite3
  local sqlite_src=$SRCDIR logf=$logs/sqlite-amalgamation.log
  ensure_tool tclsh tcl
  ensure_tool make make
  local native_cc=cc
  command -v cc >/dev/null || native_cc=$CLANG
  log "generating the SQLite amalgamation (native configure + make sqlite3.c shell.c)"
  rm -rf "$SQLITE_AMAL"
  mkdir -p "$SQLITE_AMAL"
  (cd "$SQLITE_AMAL" &&
    CC=$native_cc "$sqlite_src/configure" --disable-tcl --disable-readline --disable-editline &&
    make -j"$JOBS" sqlite3.c shell.c) >"$logf" 2>&1 ||
    die_log "$logf" "generating sqlite3.c/shell.c failed"
  cp "$sqlite_src/test/speedtest1.c" "$SQLITE_AMAL/"
  touch "$SQLITE_AMAL/.done"
}

# What makes SQLite's unix VFS build for WASI: no threads, no extension loading (dlopen), no WAL
# and shared cache (need shared memory / mmap), no mmap I/O, and the lock-free "unix-none" VFS as
# default (WASI has no advisory locks). SQLITE_OS_OTHER is not needed.
SQLITE_WASI_DEFS=(-DSQLITE_THREADSAFE=0 -DSQLITE_OMIT_LOAD_EXTENSION -DSQLITE_OMIT_WAL
  -DSQLITE_OMIT_SHARED_CACHE -DSQLITE_MAX_MMAP_SIZE=0 '-DSQLITE_DEFAULT_UNIX_VFS="unix-none"'
  -DSQLITE_OMIT_POPEN)
# The shell gets (roughly) Debian's libsqlite3 feature set, plus FTS5 and math functions.
SQLITE_SHELL_FEATURES=(-DSQLITE_SECURE_DELETE -DSQLITE_ENABLE_COLUMN_METADATA
  -DSQLITE_ENABLE_FTS3 -DSQLITE_ENABLE_FTS3_PARENTHESIS -DSQLITE_ENABLE_FTS3_TOKENIZER=1
  -DSQLITE_ENABLE_FTS4 -DSQLITE_ENABLE_FTS5 -DSQLITE_ENABLE_RTREE=1 -DSQLITE_SOUNDEX=1
  -DSQLITE_ENABLE_DBSTAT_VTAB -DSQLITE_ALLOW_ROWID_IN_VIEW -DSQLITE_LIKE_DOESNT_MATCH_BLOBS
  -DSQLITE_USE_URI=1 -DSQLITE_MAX_SCHEMA_RETRY=25 -DSQLITE_ENABLE_PREUPDATE_HOOK
  -DSQLITE_ENABLE_SESSION -DSQLITE_ENABLE_STMTVTAB -DSQLITE_ENABLE_MATH_FUNCTIONS
  -DSQLITE_MAX_VARIABLE_NUMBER=250000)
# speedtest1 adds only R-Tree (its rtree testset) to the WASI settings.
SQLITE_SPEEDTEST1_FEATURES=(-DSQLITE_ENABLE_RTREE)

build_sqlite_speedtest1() {
  up_to_date sqlite-speedtest1.wasm && return 0
  sqlite_amalgamation
  log "building sqlite-speedtest1.wasm"
  local d=$obj/sqlite-speedtest1 logf=$logs/sqlite-speedtest1.log
  rm -rf "$d" && : >"$logf"
  CF=("${CFLAGS_WASI[@]}" "${SQLITE_WASI_DEFS[@]}" "${SQLITE_SPEEDTEST1_FEATURES[@]}" -I"$SQLITE_AMAL")
  (cd "$SQLITE_AMAL" && compile "$d" "$logf" sqlite3.c speedtest1.c "$compat/wasi_compat.c")
  link sqlite-speedtest1 "$logf" "$d"/*.o
  built sqlite-speedtest1.wasm
}

build_sqlite_shell() {
  up_to_date sqlite3-shell.wasm && return 0
  sqlite_amalgamation
  log "building sqlite3-shell.wasm"
  local d=$obj/sqlite3-shell logf=$logs/sqlite3-shell.log
  rm -rf "$d" && : >"$logf"
  CF=("${CFLAGS_WASI[@]}" "${SQLITE_WASI_DEFS[@]}" "${SQLITE_SHELL_FEATURES[@]}" -I"$SQLITE_AMAL")
  (cd "$SQLITE_AMAL" && compile "$d" "$logf" sqlite3.c shell.c "$compat/wasi_compat.c")
  link sqlite3-shell "$logf" "$d"/*.o
  built sqlite3-shell.wasm
}

# --------------------------------------------------------------------------- Lua 5.4

build_lua() {
  up_to_date lua.wasm && return 0
  fetch_source lua5.4
  local lua_src=$SRCDIR d=$obj/lua logf=$logs/lua.log
  log "building lua.wasm"
  rm -rf "$d" && : >"$logf"
  # Lua's errors and coroutine yields longjmp; lua_wasi.h routes them to the Asyncify-based
  # setjmp/longjmp of compat/sjlj, whose driver becomes main (lua.c's main is renamed).
  CF=("${CFLAGS_WASI[@]}" -I"$compat/lua/include" -I"$compat/sjlj" -include "$compat/lua/lua_wasi.h"
    -DLUA_COMPAT_5_3 -I"$lua_src/src")
  local srcs=() f
  for f in "$lua_src"/src/*.c; do
    case ${f##*/} in
      luac.c | lua.c) ;;  # luac.c is the separate bytecode compiler; lua.c is built below
      *) srcs+=("${f##*/}") ;;
    esac
  done
  [ "${#srcs[@]}" -gt 20 ] || die "unexpected Lua source layout in $lua_src/src"
  (cd "$lua_src/src" && compile "$d" "$logf" "${srcs[@]}" "$compat/sjlj/sjlj.c" \
    "$compat/sjlj/stack_pointer.s" "$compat/wasi_compat.c")
  CF+=(-Dmain=skiff_sjlj_main)
  (cd "$lua_src/src" && compile "$d" "$logf" lua.c)
  # No -O at link time: with it, clang runs wasm-opt -O itself, whose inliner would merge
  # sjlj.c's runtime into instrumented callers before asyncify sees it.
  local LDFLAGS_WASI=(--target=wasm32-wasi -Wl,--strip-debug)
  link lua "$logf" "$d"/*.o
  asyncify lua "$logf"
  built lua.wasm
}

# asyncify <name> <log>: instruments OUTDIR/<name>.wasm for compat/sjlj. No import can unwind;
# every function that may reach skiff_setjmp/skiff_longjmp (directly or indirectly) can.
asyncify() {
  local f=$out/$1.wasm
  wasm-opt --asyncify --pass-arg=asyncify-ignore-imports -O2 "$f" -o "$f.tmp" >>"$2" 2>&1 ||
    die_log "$2" "wasm-opt --asyncify on $1.wasm failed"
  wasm-validate "$f.tmp" >>"$2" 2>&1 || die_log "$2" "asyncified $1.wasm does not pass wasm-validate"
  mv -f "$f.tmp" "$f"
}

# --------------------------------------------------------------------------- zstd

build_zstd() {
  up_to_date zstd.wasm && return 0
  fetch_source libzstd
  local zsrc=$SRCDIR d=$obj/zstd logf=$logs/zstd.log
  log "building zstd.wasm"
  rm -rf "$d" && : >"$logf"
  # wasm32-wasi is not recognised as POSIX by programs/platform.h, so say so explicitly; no
  # threads, no x86 assembly, no process priorities, no legacy-format decoders.
  CF=("${CFLAGS_WASI[@]}" -DPLATFORM_POSIX_VERSION=200809L -DZSTD_SETPRIORITY_SUPPORT=0
    -DZSTD_LEGACY_SUPPORT=0 -DZSTD_DISABLE_ASM -DBACKTRACE_ENABLE=0 -DZSTD_NOTRACE
    -I"$zsrc/lib" -I"$zsrc/lib/common")
  local srcs=()
  mapfile -t srcs < <(cd "$zsrc" && ls lib/common/*.c lib/compress/*.c lib/decompress/*.c \
    lib/dictBuilder/*.c programs/*.c)
  (cd "$zsrc" && compile "$d" "$logf" "${srcs[@]}" "$compat/wasi_compat.c")
  link zstd "$logf" "$d"/*.o
  built zstd.wasm
}

# --------------------------------------------------------------------------- zlib minigzip

build_minigzip() {
  up_to_date minigzip.wasm && return 0
  fetch_source zlib
  local zsrc=$SRCDIR d=$obj/minigzip logf=$logs/minigzip.log
  log "building minigzip.wasm"
  rm -rf "$d" && : >"$logf"
  CF=("${CFLAGS_WASI[@]}" -DHAVE_UNISTD_H -DHAVE_STDARG_H -I"$zsrc")
  (cd "$zsrc" && compile "$d" "$logf" adler32.c crc32.c deflate.c infback.c inffast.c inflate.c \
    inftrees.c trees.c zutil.c compress.c uncompr.c gzclose.c gzlib.c gzread.c gzwrite.c \
    test/minigzip.c "$compat/wasi_compat.c")
  link minigzip "$logf" "$d"/*.o
  built minigzip.wasm
}

# --------------------------------------------------------------------------- native twins

# The same programs built for the host from the same sources with the same settings, so that
# tests/programs can check a run under skiff against a native run. Built only when asked for.
NATIVE_CC=${NATIVE_CC:-cc}

# native_build <name> <log> <dir> <cc args...>: builds OUTDIR/native/<name> in <dir>.
native_build() {
  local name=$1 logf=$2 dir=$3
  shift 3
  command -v "$NATIVE_CC" >/dev/null || die "native compiler '$NATIVE_CC' not found (build-essential)"
  log "building native/$name"
  mkdir -p "$out/native"
  : >"$logf"
  (cd "$dir" && "$NATIVE_CC" -O2 "$@" -o "$out/native/$name.tmp") >>"$logf" 2>&1 ||
    die_log "$logf" "building native/$name failed"
  mv -f "$out/native/$name.tmp" "$out/native/$name"
  built "native/$name"
}

build_lua_native() {
  up_to_date native/lua && return 0
  fetch_source lua5.4
  local f srcs=()
  for f in "$SRCDIR"/src/*.c; do
    [ "${f##*/}" = luac.c ] || srcs+=("${f##*/}")
  done
  # luaconf.h includes the header Debian's rules generate (compat/lua/include is wasm-only).
  local inc=$obj/lua-native-include
  mkdir -p "$inc"
  echo "#define DEB_HOST_MULTIARCH \"$("$NATIVE_CC" -dumpmachine)\"" >"$inc/lua5.4-deb-multiarch.h"
  native_build lua "$logs/lua-native.log" "$SRCDIR/src" -I"$inc" -DLUA_COMPAT_5_3 -DLUA_USE_POSIX \
    "${srcs[@]}" -lm
}

build_sqlite_shell_native() {
  up_to_date native/sqlite3-shell && return 0
  sqlite_amalgamation
  native_build sqlite3-shell "$logs/sqlite3-shell-native.log" "$SQLITE_AMAL" \
    "${SQLITE_WASI_DEFS[@]}" "${SQLITE_SHELL_FEATURES[@]}" sqlite3.c shell.c -lm
}

# SQLite options exactly as for sqlite-speedtest1.wasm (SQLITE_WASI_DEFS: no threads, no WAL,
# no mmap, ...), so both do the same work; the WASI-only flags (_WASI_EMULATED_*, compat/) are
# left out. sqlite3.c and speedtest1.c are separate translation units, as in the wasm build.
build_sqlite_speedtest1_native() {
  up_to_date native/sqlite-speedtest1 && return 0
  sqlite_amalgamation
  native_build sqlite-speedtest1 "$logs/sqlite-speedtest1-native.log" "$SQLITE_AMAL" \
    "${SQLITE_WASI_DEFS[@]}" "${SQLITE_SPEEDTEST1_FEATURES[@]}" sqlite3.c speedtest1.c -lm
}

# --------------------------------------------------------------------------- smoke tests

# Optional: runs each module once under Node's WASI to show it is a working program. Failures
# only warn; the corpus is for decoding/validation.
declare -A SMOKE=()
smoke_tests() {
  local n tmp
  if ! command -v node >/dev/null; then
    for n in "${MODULES_BUILT[@]}"; do SMOKE[$n]=skipped; done
    return 0
  fi
  tmp=$(mktemp -d)
  run() { timeout 120 node --no-warnings "$here/wasi_run.mjs" "$tmp" "$out/$1.wasm" "${@:2}"; }
  check() { # check <name> <expected substring> <actual output>
    if [[ "$3" == *"$2"* ]]; then SMOKE[$1]=ok; else SMOKE[$1]=FAIL; warn "$1.wasm smoke test failed: $3"; fi
  }
  for n in "${MODULES_BUILT[@]}"; do
    case $n in
      sqlite-speedtest1) check "$n" "TOTAL" "$(run "$n" --size 2 /speedtest.db 2>&1 | tail -n 1)" ;;
      sqlite3-shell) check "$n" "6|3.40" "$(printf '%s\n' "create virtual table f using fts5(x);" \
        "insert into f values('a b'),('b c'),('c d');" \
        "select sum(rowid), sqlite_version() from f where f match 'b OR d';" | run "$n" 2>&1)" ;;
      lua) check "$n" "55 lua caught 3" "$(run "$n" -e 'local s=0 for i=1,10 do s=s+i end
        local co=coroutine.wrap(function() coroutine.yield(1) error("x") end) co()
        print(s .. " " .. ("LUA"):lower() .. " caught " .. select("#", pcall(co), 1, 2))' 2>&1)" ;;
      zstd) check "$n" "corpus-roundtrip" "$(echo corpus-roundtrip | run zstd -q -c | run zstd -q -d -c 2>&1)" ;;
      minigzip) check "$n" "corpus-roundtrip" "$(echo corpus-roundtrip | run minigzip | run minigzip -d 2>&1)" ;;
    esac
  done
  rm -rf "$tmp"
}

# --------------------------------------------------------------------------- main

MODULES=(sqlite-speedtest1 sqlite3-shell lua zstd minigzip)
NATIVES=(native/lua native/sqlite3-shell native/sqlite-speedtest1)
declare -A BUILDER=([sqlite-speedtest1]=build_sqlite_speedtest1 [sqlite3-shell]=build_sqlite_shell
  [lua]=build_lua [zstd]=build_zstd [minigzip]=build_minigzip [native/lua]=build_lua_native
  [native/sqlite3-shell]=build_sqlite_shell_native [native/sqlite-speedtest1]=build_sqlite_speedtest1_native)

targets=("${@:2}")
[ "${#targets[@]}" -gt 0 ] || targets=("${MODULES[@]}")
for t in "${targets[@]}"; do
  [ -n "${BUILDER[$t]:-}" ] || die "unknown target '$t' (known: ${MODULES[*]} ${NATIVES[*]})"
done

check_toolchain
ensure_deb_src
ensure_tool dpkg-source dpkg-dev

for t in "${targets[@]}"; do
  "${BUILDER[$t]}"
done

MODULES_BUILT=()
for t in "${targets[@]}"; do
  [[ $t == native/* ]] || MODULES_BUILT+=("$t")
done
[ "${#MODULES_BUILT[@]}" -gt 0 ] || exit 0

smoke_tests

echo
printf '%-24s %10s %8s %6s %10s %9s %6s\n' module bytes MB funcs code_bytes validate run
for n in "${MODULES_BUILT[@]}"; do
  f=$out/$n.wasm
  bytes=$(stat -c %s "$f")
  code=$(wasm-objdump -h "$f" | sed -nE 's/^ *Code .*\(size=(0x[0-9a-f]+)\) count: ([0-9]+).*/\1 \2/p')
  read -r code_hex funcs <<<"$code"
  if wasm-validate "$f" >/dev/null 2>&1; then v=ok; else v=INVALID; fi
  printf '%-24s %10d %8.2f %6d %10d %9s %6s\n' "$n.wasm" "$bytes" "$(awk -v b="$bytes" 'BEGIN { print b / 1e6 }')" \
    "$funcs" "$((code_hex))" "$v" "${SMOKE[$n]:-?}"
  [ "$v" = ok ] || die "$n.wasm fails wasm-validate"
done
echo
echo "corpus: $out"
