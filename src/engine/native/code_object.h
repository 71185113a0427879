#pragma once
// CodeObject: the machine code of one module compiled by the LLVM tier, loaded into this
// process from the x86-64 ELF relocatable object (ET_REL; PIC, small code model) that LLVM
// emitted for it. This is a small static linker in the spirit of WAMR's AOT loader, so a
// process that runs compiled code does not link LLVM.
//
// One mapping holds, in this order, page-aligned groups: code (read+execute), read-only
// data (read; also .eh_frame, .data.rel.ro and the GOT) and writable data (read+write;
// .bss zeroed). Undefined symbols go to a SymbolResolver. Each symbol used through the GOT
// (GOTPCREL*) and each undefined symbol that is called gets an 8-byte GOT slot, and each
// called undefined symbol a `jmp *slot(%rip)` stub, both inside the mapping, so every
// 32-bit PC-relative field lands within ±2 GiB: a PLT32 call to an external goes to its
// stub; a PC32 reference uses the external's own address when within reach, else the
// stub if the field is a call/jmp rel32, else fails. No page is ever writable and
// executable at once.
//
// Everything read from the input is checked: a malformed or unsupported object is an
// Error, never a crash. Owns the mapping; immutable once loaded, so any thread may run the code and
// query the object. Loading is linear in sections + symbols + relocations (plus sorting
// the function symbols).

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"
#include "platform/virtual_memory.h"

namespace skiff::engine::native {

// Resolves an undefined symbol (runtime helpers, libm functions such as fmod or roundevenf,
// memcpy, memset) to its absolute address, or null if unknown. Called during load() only,
// at most once per symbol.
using SymbolResolver = const void* (*)(void* ctx, std::string_view name);

// A defined function symbol (STT_FUNC) of the object, local or global.
struct CodeSymbol {
  std::string_view name;  // points into the CodeObject's copy of the string table
  const uint8_t* addr;
  uint64_t size;
};

class CodeObject {
 public:
  // Loads `elf` (read during the call only). Undefined symbols are resolved through
  // `resolve(ctx, name)` (`resolve` may be null when none are expected); an unknown one is
  // an error unless weak (then its address is 0).
  // Errors: MalformedObject naming what is malformed or unsupported (header, section or
  // string table out of bounds, bad symbol section index, relocation offset or value out
  // of range, unsupported relocation type, undefined symbol by name);
  // ImplementationLimit when the loaded image would exceed 1 GiB; IoError if mapping fails.
  static Result<std::unique_ptr<CodeObject>> load(std::span<const uint8_t> elf,
                                                  SymbolResolver resolve, void* ctx);

  CodeObject(const CodeObject&) = delete;
  CodeObject& operator=(const CodeObject&) = delete;
  ~CodeObject();  // unmaps: no code of the object may be running or called later

  // Defined function symbols (local and global), sorted by address (aliases largest first).
  std::span<const CodeSymbol> functions() const { return m_functions; }
  // The address of the defined function symbol `name`, or null. Should a hand-made
  // object define the name twice, the global symbol wins.
  const uint8_t* find(std::string_view name) const;
  // Whether `pc` is inside the executable part (code sections and stubs).
  bool contains_pc(uintptr_t pc) const { return pc >= m_code_begin && pc < m_code_end; }
  // The function symbol whose [addr, addr+size) holds `pc`, or null.
  const CodeSymbol* function_at(uintptr_t pc) const;
  // [begin, end) of the executable bytes (begin is page-aligned).
  std::pair<uintptr_t, uintptr_t> code_range() const { return {m_code_begin, m_code_end}; }

 private:
  CodeObject() = default;

  platform::Reservation m_memory;
  uintptr_t m_code_begin = 0;
  uintptr_t m_code_end = 0;
  std::unique_ptr<char[]> m_names;  // the string table, which CodeSymbol::name points into
  std::vector<CodeSymbol> m_functions;
  std::vector<uint32_t> m_by_name;  // indices into m_functions, by name (globals first)
};

}  // namespace skiff::engine::native
