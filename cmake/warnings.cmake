# Project-wide warnings (STYLE.md §5). -Werror in CI presets via SKIFF_WERROR.
function(skiff_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wimplicit-fallthrough)
  if(SKIFF_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
