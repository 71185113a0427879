# C guests for wasm32-wasi (tests/wasi, tests/serve, examples/serve), built with clang and
# Debian's wasi-libc. One probe at configure time sets SKIFF_GUEST_SKIP to why guests
# cannot be built (empty when they can); tests that need guests skip with that reason.

find_program(SKIFF_WASI_CLANG NAMES clang clang-14)
set(SKIFF_GUEST_SKIP "")
if(NOT SKIFF_WASI_CLANG)
  set(SKIFF_GUEST_SKIP "clang not found; scripts/install-deps.sh installs clang, lld, wasi-libc, libclang-rt-14-dev-wasm32")
else()
  set(probe ${CMAKE_BINARY_DIR}/wasm-guest-probe)
  file(WRITE ${probe}/probe.c
       "#include <stdio.h>\n#include <wasi/api.h>\n"
       "int main(void) { __wasi_fd_t fd = 1; printf(\"%d\\n\", (int)fd); return 0; }\n")
  execute_process(
    COMMAND ${SKIFF_WASI_CLANG} --target=wasm32-wasi -O1 ${probe}/probe.c -o ${probe}/probe.wasm
    RESULT_VARIABLE probe_rc OUTPUT_QUIET ERROR_VARIABLE probe_err)
  if(NOT probe_rc EQUAL 0)
    set(why "exit status ${probe_rc}")
    if(probe_err MATCHES "([^\n]+)")
      string(REPLACE ";" "," why "${CMAKE_MATCH_1}")
    endif()
    set(SKIFF_GUEST_SKIP "${SKIFF_WASI_CLANG} --target=wasm32-wasi cannot build a guest (${why}); install wasi-libc, lld, libclang-rt-14-dev-wasm32")
  endif()
endif()
if(SKIFF_GUEST_SKIP)
  message(STATUS "wasm32-wasi guests will not be built: ${SKIFF_GUEST_SKIP}")
endif()

# skiff_wasm_guest(OUT_VAR SRC OUTPUT [FLAGS...]): a rule building SRC into OUTPUT (when
# guests can be built) and OUT_VAR set to OUTPUT, else to "". Headers named by DEPENDS
# after the flags are dependencies too.
function(skiff_wasm_guest out_var src output)
  cmake_parse_arguments(G "" "" "FLAGS;DEPENDS" ${ARGN})
  if(SKIFF_GUEST_SKIP)
    set(${out_var} "" PARENT_SCOPE)
    return()
  endif()
  get_filename_component(stem ${src} NAME_WE)
  add_custom_command(OUTPUT ${output}
    COMMAND ${SKIFF_WASI_CLANG} --target=wasm32-wasi -Wall -Wextra ${G_FLAGS} ${src} -o ${output}
    DEPENDS ${src} ${G_DEPENDS}
    COMMENT "wasm guest: ${stem}.c -> ${output}" VERBATIM)
  set(${out_var} ${output} PARENT_SCOPE)
endfunction()
