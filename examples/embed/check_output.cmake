# ctest driver for the embedding example: runs PROGRAM on WASM and compares its stdout
# with EXPECTED; fails on a non-zero exit or any difference.
execute_process(COMMAND ${PROGRAM} ${WASM} OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${PROGRAM} exited with ${rc}\n${out}${err}")
endif()
file(READ ${EXPECTED} want)
if(NOT out STREQUAL want)
  message(FATAL_ERROR "output differs from ${EXPECTED}\n--- expected\n${want}--- got\n${out}${err}")
endif()
