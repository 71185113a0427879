# ASan + UBSan for the asan and fuzz presets. UBSan aborts on the first report so a
# test or fuzz run cannot pass with undefined behaviour in it.
if(SKIFF_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
if(SKIFF_FUZZ)
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()
