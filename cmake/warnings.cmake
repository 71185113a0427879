# Project-wide warnings (STYLE.md §5). -Werror in CI presets via SKIFF_WERROR.
function(skiff_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wimplicit-fallthrough)
  # GCC 12 reports false -Wrestrict positives inside std::string at -O3 (GCC PR 105329).
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    target_compile_options(${target} PRIVATE -Wno-restrict)
  endif()
  if(SKIFF_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
