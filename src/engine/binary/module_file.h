#pragma once
// read_module_file: a module's bytes from a file, without the custom sections at its end
// that nothing in skiff reads. Toolchains put DWARF there (.debug_info, .debug_line...),
// often most of the file: a hello built against Debian's wasi-libc is 113 KB of which
// 89 KB is debug info. Reading it costs a short-lived `skiff run` a page fault per 4 KB
// and a copy, for bytes the decoder would only skip.
//
// Which sections are left out: a run of custom sections at the end of the file, other
// than "name" (function names for backtraces), which is kept wherever it is. Their
// framing is checked first -- section size within the file, name length within the
// section, name valid UTF-8 -- and if any check fails the whole file is read, so the
// decoder reports the error exactly as it would have. What has no size (a pipe, a FIFO)
// or a size that is not where it ends (procfs, a file still being written) is read whole
// too, through the one descriptor opened. So
// a module decodes from read_module_file iff it decodes from platform::read_file, to the
// same functions, with the same error code (the decode fuzzer checks this). Errors found
// only at the module's end (function and code counts that differ) give the end of what
// was read as their offset. The module's custom-section list (`ir::Module::sections`)
// lacks the sections left out, so tools that list sections read the whole file
// (read_whole_module_file).

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"

namespace skiff::engine::binary {

// Errors: IoError with "<path>: <strerror>", as platform::read_file; ImplementationLimit
// with "<path>: module larger than 1 GiB" for more than kMaxModuleSize bytes (the
// decoder's limit), found before reading a regular file and after kMaxModuleSize + 1
// bytes of anything else (/dev/zero), so an endless input never exhausts memory. One
// exception: what cannot be read at offsets (a pipe) is read to its end first.
Result<std::vector<uint8_t>> read_module_file(const std::string& path);

// The whole file, every custom section kept, for tools that list sections (inspect) or
// report offsets exactly as the decoder finds them in the file (validate, wast), and for
// wast's scripts. Errors as read_module_file.
Result<std::vector<uint8_t>> read_whole_module_file(const std::string& path);

}  // namespace skiff::engine::binary
