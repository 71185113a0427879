#pragma once
// Decoders for the contents of each section
// (https://webassembly.github.io/spec/core/binary/modules.html), used by the streaming
// Decoder once a section's bytes are complete. Each appends to the Module; none
// validates cross-references (that is validate/'s job) beyond what the binary format
// itself requires (counts, encodings, UTF-8).

#include "base/result.h"
#include "engine/binary/reader.h"
#include "engine/ir/module.h"

namespace skiff::engine::binary {

// Implementation limits on counts read from the input, checked before allocating
// (comparable to V8's and Wasmtime's).
inline constexpr uint32_t kMaxTypes = 1'000'000;
inline constexpr uint32_t kMaxFunctions = 1'000'000;
inline constexpr uint32_t kMaxImports = 100'000;
inline constexpr uint32_t kMaxExports = 100'000;
inline constexpr uint32_t kMaxGlobals = 1'000'000;
inline constexpr uint32_t kMaxSegments = 100'000;
inline constexpr uint32_t kMaxTableInitEntries = 10'000'000;
inline constexpr uint32_t kMaxParamsOrResults = 1'000;
inline constexpr uint32_t kMaxLocals = 50'000;
inline constexpr uint32_t kMaxFunctionSize = 7'654'321;
inline constexpr uint64_t kMaxModuleSize = 1ull << 30;

Result<void> decode_section(ir::SectionId id, Reader& r, ir::Module& m);
Result<void> decode_custom_section(Reader& r, ir::Module& m, ir::SectionInfo& info);
// Reads one body's local declarations; `r` spans exactly the body.
Result<void> decode_locals(Reader& r, ir::FuncBody& body);
Result<ir::ConstExpr> decode_const_expr(Reader& r);
// Skips the immediates of `op` (the opcode itself already read).
Result<void> skip_immediates(Reader& r, ir::Opcode op);
// Reads an opcode (with its 0xFC/0xFD prefix and LEB code); Invalid for unknown ones.
Result<ir::Opcode> read_opcode(Reader& r);

}  // namespace skiff::engine::binary
