#include "engine/native/code_object.h"

#include <elf.h>
#include <sys/mman.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <string>

namespace skiff::engine::native {

namespace {

// The whole image stays far inside the ±2 GiB a rel32 reaches, and a fuzzed .bss size
// cannot ask for unbounded memory.
constexpr uint64_t kMaxImage = uint64_t{1} << 30;
constexpr uint32_t kNone = UINT32_MAX;
constexpr uint32_t kAbsolute = UINT32_MAX - 1;  // a symbol's "section": SHN_ABS
constexpr uint64_t kStubSize = 8;               // FF 25 rel32 (jmp *slot(%rip)), int3 x2
constexpr uint64_t kSlotSize = 8;

enum Group : uint8_t { kCode, kReadOnly, kWritable, kGroups };

__extension__ typedef __int128 Wide;  // exact S + A - P for any 64-bit inputs

Error malformed(std::string what) {
  return Error(ErrorCode::MalformedObject, kNoOffset, std::move(what));
}
Error too_large(const std::string& what) {
  return Error(ErrorCode::ImplementationLimit, kNoOffset, what + " larger than 1 GiB");
}

std::string hex(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%" PRIx64, v);
  return buf;
}

template <typename T> T read_at(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

bool fits_in(uint64_t offset, uint64_t len, uint64_t size) {
  return offset <= size && len <= size - offset;
}

uint64_t align_up(uint64_t v, uint64_t align) { return (v + align - 1) & ~(align - 1); }

bool is_got_type(uint32_t type) {
  return type == R_X86_64_GOTPCREL || type == R_X86_64_GOTPCRELX || type == R_X86_64_REX_GOTPCRELX;
}

// The width of the field a supported relocation patches, or 0 if unsupported.
uint64_t field_width(uint32_t type) {
  switch (type) {
    case R_X86_64_NONE: return 1;  // patches nothing; 1 keeps the offset check meaningful
    case R_X86_64_64:
    case R_X86_64_PC64: return 8;
    case R_X86_64_PC32:
    case R_X86_64_PLT32:
    case R_X86_64_32:
    case R_X86_64_32S:
    case R_X86_64_GOTPCREL:
    case R_X86_64_GOTPCRELX:
    case R_X86_64_REX_GOTPCRELX: return 4;
    default: return 0;
  }
}

// A string table whose last byte is NUL, so any index below `size` starts a terminated name.
struct StringTable {
  const char* data = nullptr;
  uint64_t size = 0;
  std::string_view at(uint64_t i) const { return i < size ? data + i : ""; }
};

struct Function {
  CodeSymbol sym;
  bool global;
};

struct Section {
  Elf64_Shdr hdr;
  bool loaded = false;
  Group group = kCode;
  uint64_t offset = 0;  // in the image
};

// Loader state for one load() call: parse, plan the image, map, relocate, protect.
class Loader {
 public:
  Loader(std::span<const uint8_t> elf, SymbolResolver resolve, void* ctx)
      : m_elf(elf), m_resolve(resolve), m_ctx(ctx) {}

  Result<void> parse_header();
  Result<void> parse_sections();
  Result<void> parse_symbols();
  Result<void> scan_relocations();
  Result<void> plan_image();
  Result<void> map_image(platform::Reservation& memory);
  Result<void> fill_slots_and_stubs();
  Result<void> relocate();
  Result<void> protect();
  Result<void> collect_functions(const char* names, std::vector<Function>& out);

  uintptr_t code_begin() const { return reinterpret_cast<uintptr_t>(m_base); }
  uintptr_t code_end() const { return reinterpret_cast<uintptr_t>(m_base) + m_code_end; }
  const StringTable& names() const { return m_strtab; }

 private:
  std::string section_name(uint64_t i) const {
    std::string_view name = m_shstrtab.at(m_sections[i].hdr.sh_name);
    return "section #" + std::to_string(i) + (name.empty() ? "" : " (" + std::string(name) + ")");
  }
  Result<StringTable> string_table(uint64_t i) const;
  Elf64_Sym symbol(uint64_t i) const {
    return read_at<Elf64_Sym>(m_elf.data() + m_symtab_hdr.sh_offset + i * sizeof(Elf64_Sym));
  }
  std::string symbol_name(uint64_t i) const { return std::string(m_strtab.at(symbol(i).st_name)); }
  Result<uint64_t> symbol_address(uint32_t i);
  Result<void> apply(const Elf64_Rela& r, const Section& target);
  uint8_t* slot(uint32_t sym) const { return m_base + m_got_offset + m_slot[sym] * kSlotSize; }
  uint8_t* stub(uint32_t sym) const { return m_base + m_stub_offset + m_stub[sym] * kStubSize; }

  std::span<const uint8_t> m_elf;
  SymbolResolver m_resolve;
  void* m_ctx;
  uint64_t m_shoff = 0;
  uint64_t m_shnum = 0;
  uint64_t m_shstrndx = 0;
  std::vector<Section> m_sections;
  StringTable m_shstrtab;
  uint32_t m_symtab = kNone;  // section index
  Elf64_Shdr m_symtab_hdr{};
  uint64_t m_nsyms = 0;
  const uint8_t* m_xindex = nullptr;  // SHT_SYMTAB_SHNDX entries, if any
  StringTable m_strtab;
  std::vector<uint32_t> m_sym_section;  // section index, kNone (undefined) or kAbsolute
  std::vector<uint64_t> m_sym_addr;
  std::vector<bool> m_sym_known;
  std::vector<uint32_t> m_rela;          // relocation sections that patch loaded sections
  std::vector<uint32_t> m_slot, m_stub;  // per symbol: its GOT slot / stub number, or kNone
  uint32_t m_nslots = 0, m_nstubs = 0;
  uint64_t m_group_begin[kGroups + 1] = {};
  uint64_t m_stub_offset = 0, m_got_offset = 0, m_code_end = 0;
  uint8_t* m_base = nullptr;
};

Result<void> Loader::parse_header() {
  if (m_elf.size() < sizeof(Elf64_Ehdr)) return malformed("shorter than an ELF64 header");
  auto eh = read_at<Elf64_Ehdr>(m_elf.data());
  if (std::memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0) return malformed("no ELF magic");
  if (eh.e_ident[EI_CLASS] != ELFCLASS64) return malformed("not ELF64");
  if (eh.e_ident[EI_DATA] != ELFDATA2LSB) return malformed("not little-endian");
  if (eh.e_ident[EI_VERSION] != EV_CURRENT || eh.e_version != EV_CURRENT)
    return malformed("unknown ELF version");
  if (eh.e_type != ET_REL) return malformed("not a relocatable object (ET_REL)");
  if (eh.e_machine != EM_X86_64)
    return malformed("not x86-64 (e_machine " + std::to_string(eh.e_machine) + ")");
  if (eh.e_shoff == 0) return malformed("no section headers");
  if (eh.e_shentsize != sizeof(Elf64_Shdr)) return malformed("bad section header size");
  if (!fits_in(eh.e_shoff, sizeof(Elf64_Shdr), m_elf.size()))
    return malformed("section headers outside the file");
  m_shoff = eh.e_shoff;
  // Past 0xff00 sections the count and the name-table index live in section 0.
  auto first = read_at<Elf64_Shdr>(m_elf.data() + m_shoff);
  m_shnum = eh.e_shnum != 0 ? eh.e_shnum : first.sh_size;
  m_shstrndx = eh.e_shstrndx != SHN_XINDEX ? eh.e_shstrndx : first.sh_link;
  if (m_shnum == 0) return malformed("no sections");
  if (m_shnum > (m_elf.size() - m_shoff) / sizeof(Elf64_Shdr))
    return malformed("section headers outside the file");
  if (m_shstrndx >= m_shnum) return malformed("section name table index out of range");
  return ok();
}

Result<StringTable> Loader::string_table(uint64_t i) const {
  const Elf64_Shdr& h = m_sections[i].hdr;
  // Section 0 is never checked against the file (it may hold the extended counts).
  if (i == 0 || h.sh_type != SHT_STRTAB)
    return malformed(section_name(i) + " is not a string table");
  if (h.sh_size == 0 || m_elf[h.sh_offset + h.sh_size - 1] != 0)
    return malformed(section_name(i) + ": string table not NUL-terminated");
  return StringTable{reinterpret_cast<const char*>(m_elf.data() + h.sh_offset), h.sh_size};
}

Result<void> Loader::parse_sections() {
  m_sections.resize(m_shnum);
  for (uint64_t i = 0; i < m_shnum; ++i)
    m_sections[i].hdr = read_at<Elf64_Shdr>(m_elf.data() + m_shoff + i * sizeof(Elf64_Shdr));
  // Bounds first: names and error messages read the name table.
  for (uint64_t i = 1; i < m_shnum; ++i) {
    const Elf64_Shdr& h = m_sections[i].hdr;
    if (h.sh_type != SHT_NOBITS && h.sh_type != SHT_NULL &&
        !fits_in(h.sh_offset, h.sh_size, m_elf.size()))
      return malformed("section #" + std::to_string(i) + ": contents outside the file");
  }
  if (m_shstrndx != SHN_UNDEF) {
    SKIFF_TRY_ASSIGN(m_shstrtab, string_table(m_shstrndx));
  }
  const uint64_t page = platform::page_size();
  for (uint64_t i = 1; i < m_shnum; ++i) {
    Section& s = m_sections[i];
    const Elf64_Shdr& h = s.hdr;
    if (m_shstrndx != SHN_UNDEF && h.sh_name >= m_shstrtab.size)
      return malformed("section #" + std::to_string(i) + ": name out of range");
    if (h.sh_type == SHT_SYMTAB) {
      if (m_symtab != kNone) return malformed("more than one symbol table");
      m_symtab = static_cast<uint32_t>(i);
    }
    if (!(h.sh_flags & SHF_ALLOC) || h.sh_type == SHT_NOTE) continue;  // not part of the image
    if (h.sh_type != SHT_PROGBITS && h.sh_type != SHT_NOBITS && h.sh_type != SHT_X86_64_UNWIND)
      return malformed(section_name(i) + ": unsupported allocated section type " + hex(h.sh_type));
    if (h.sh_flags & (SHF_TLS | SHF_COMPRESSED))
      return malformed(section_name(i) + ": thread-local or compressed sections are not supported");
    if ((h.sh_flags & SHF_EXECINSTR) && (h.sh_flags & SHF_WRITE))
      return malformed(section_name(i) + ": writable code");
    // The image is page-aligned, so larger alignments could not be honoured.
    if ((h.sh_addralign & (h.sh_addralign - 1)) != 0 || h.sh_addralign > page)
      return malformed(section_name(i) + ": bad alignment " + hex(h.sh_addralign));
    if (h.sh_size > kMaxImage) return too_large(section_name(i));
    s.loaded = true;
    // .data.rel.ro only needs writing while relocating (RELRO).
    std::string_view name = m_shstrtab.size ? m_shstrtab.at(h.sh_name) : std::string_view();
    s.group = (h.sh_flags & SHF_EXECINSTR)       ? kCode
              : !(h.sh_flags & SHF_WRITE)        ? kReadOnly
              : name.starts_with(".data.rel.ro") ? kReadOnly
                                                 : kWritable;
  }
  return ok();
}

Result<void> Loader::parse_symbols() {
  if (m_symtab == kNone) return ok();
  m_symtab_hdr = m_sections[m_symtab].hdr;
  const Elf64_Shdr& h = m_symtab_hdr;
  const std::string name = section_name(m_symtab);
  if (h.sh_entsize != sizeof(Elf64_Sym) || h.sh_size % sizeof(Elf64_Sym) != 0)
    return malformed(name + ": bad entry size");
  m_nsyms = h.sh_size / sizeof(Elf64_Sym);
  if (m_nsyms == 0 || m_nsyms > kNone - 2) return malformed(name + ": bad symbol count");
  if (h.sh_info > m_nsyms) return malformed(name + ": first global symbol out of range");
  if (h.sh_link >= m_shnum) return malformed(name + ": string table index out of range");
  SKIFF_TRY_ASSIGN(m_strtab, string_table(h.sh_link));
  for (uint64_t i = 1; i < m_shnum; ++i) {
    const Elf64_Shdr& x = m_sections[i].hdr;
    if (x.sh_type != SHT_SYMTAB_SHNDX || x.sh_link != m_symtab) continue;
    if (x.sh_size / 4 < m_nsyms)
      return malformed(section_name(i) + ": too short for the symbol table");
    m_xindex = m_elf.data() + x.sh_offset;
  }

  m_sym_section.assign(m_nsyms, kNone);
  m_sym_addr.assign(m_nsyms, 0);
  m_sym_known.assign(m_nsyms, false);
  m_sym_section[0] = kAbsolute;  // the null symbol: address 0
  for (uint64_t i = 1; i < m_nsyms; ++i) {
    const Elf64_Sym s = symbol(i);
    if (s.st_name >= m_strtab.size)
      return malformed("symbol #" + std::to_string(i) + ": name out of range");
    const uint8_t type = ELF64_ST_TYPE(s.st_info);
    if (type == STT_TLS || type == STT_GNU_IFUNC)
      return malformed("symbol \"" + symbol_name(i) +
                       "\": TLS and ifunc symbols are not supported");
    uint64_t sec = s.st_shndx;
    if (sec == SHN_XINDEX) {
      if (!m_xindex)
        return malformed("symbol \"" + symbol_name(i) + "\": SHN_XINDEX without SHT_SYMTAB_SHNDX");
      sec = read_at<uint32_t>(m_xindex + 4 * i);
    } else if (sec == SHN_UNDEF) {
      continue;
    } else if (sec == SHN_ABS) {
      m_sym_section[i] = kAbsolute;
      continue;
    } else if (sec >= SHN_LORESERVE) {
      return malformed("symbol \"" + symbol_name(i) + "\": unsupported section index " + hex(sec) +
                       (sec == SHN_COMMON ? " (common symbol; compile with -fno-common)" : ""));
    }
    if (sec == SHN_UNDEF || sec >= m_shnum)
      return malformed("symbol \"" + symbol_name(i) + "\": section index " + std::to_string(sec) +
                       " out of range");
    if (m_sections[sec].loaded && s.st_value > m_sections[sec].hdr.sh_size)
      return malformed("symbol \"" + symbol_name(i) + "\": value outside its section");
    m_sym_section[i] = static_cast<uint32_t>(sec);
  }
  return ok();
}

// Checks every relocation that patches a loaded section and counts the GOT slots and stubs
// the image needs, before anything is mapped.
Result<void> Loader::scan_relocations() {
  m_slot.assign(m_nsyms, kNone);
  m_stub.assign(m_nsyms, kNone);
  for (uint64_t i = 1; i < m_shnum; ++i) {
    const Elf64_Shdr& h = m_sections[i].hdr;
    if (h.sh_type != SHT_RELA && h.sh_type != SHT_REL) continue;
    if (h.sh_info >= m_shnum) return malformed(section_name(i) + ": target section out of range");
    const Section& target = m_sections[h.sh_info];
    if (!target.loaded) continue;  // debug info and the like
    if (h.sh_type == SHT_REL)
      return malformed(section_name(i) + ": SHT_REL (no addends) is not supported");
    if (h.sh_entsize != sizeof(Elf64_Rela) || h.sh_size % sizeof(Elf64_Rela) != 0)
      return malformed(section_name(i) + ": bad entry size");
    if (m_symtab == kNone || h.sh_link != m_symtab)
      return malformed(section_name(i) + ": does not link to the symbol table");
    m_rela.push_back(static_cast<uint32_t>(i));
    const uint8_t* p = m_elf.data() + h.sh_offset;
    for (uint64_t k = 0, n = h.sh_size / sizeof(Elf64_Rela); k < n; ++k) {
      const auto r = read_at<Elf64_Rela>(p + k * sizeof(Elf64_Rela));
      const uint32_t type = ELF64_R_TYPE(r.r_info);
      const uint64_t sym = ELF64_R_SYM(r.r_info);
      auto where = [&] { return section_name(i) + " entry #" + std::to_string(k); };  // errors only
      const uint64_t width = field_width(type);
      if (width == 0)
        return malformed(where() + ": unsupported relocation type " + std::to_string(type));
      if (sym >= m_nsyms) return malformed(where() + ": symbol index out of range");
      if (!fits_in(r.r_offset, width, target.hdr.sh_size))
        return malformed(where() + ": offset " + hex(r.r_offset) + " outside " +
                         section_name(h.sh_info));
      if (target.hdr.sh_type == SHT_NOBITS && type != R_X86_64_NONE)
        return malformed(where() + ": patches a section without contents");
      const bool undefined = m_sym_section[sym] == kNone;
      if (is_got_type(type) || (undefined && (type == R_X86_64_PLT32 || type == R_X86_64_PC32))) {
        if (m_slot[sym] == kNone) m_slot[sym] = m_nslots++;
      }
      if (undefined && (type == R_X86_64_PLT32 || type == R_X86_64_PC32) && m_stub[sym] == kNone)
        m_stub[sym] = m_nstubs++;
    }
  }
  return ok();
}

Result<void> Loader::plan_image() {
  const uint64_t page = platform::page_size();
  uint64_t at = 0;
  auto grow = [&](uint64_t align, uint64_t size) -> Result<uint64_t> {
    at = align_up(at, align);
    if (size > kMaxImage - at) return too_large("loaded image");
    uint64_t start = at;
    at += size;
    return start;
  };
  for (uint8_t g = 0; g < kGroups; ++g) {
    SKIFF_TRY_ASSIGN(m_group_begin[g], grow(page, 0));
    for (uint64_t i = 1; i < m_shnum; ++i) {
      Section& s = m_sections[i];
      if (!s.loaded || s.group != g) continue;
      SKIFF_TRY_ASSIGN(s.offset, grow(std::max<uint64_t>(s.hdr.sh_addralign, 1), s.hdr.sh_size));
    }
    if (g == kCode) {
      SKIFF_TRY_ASSIGN(m_stub_offset, grow(16, m_nstubs * kStubSize));
      m_code_end = at;
    } else if (g == kReadOnly) {
      SKIFF_TRY_ASSIGN(m_got_offset, grow(kSlotSize, m_nslots * kSlotSize));
    }
  }
  SKIFF_TRY_ASSIGN(m_group_begin[kGroups], grow(page, 0));
  return ok();
}

Result<void> Loader::map_image(platform::Reservation& memory) {
  const uint64_t size = m_group_begin[kGroups];
  if (size == 0) return ok();
  SKIFF_TRY_ASSIGN(memory, platform::Reservation::reserve(size));
  SKIFF_TRY(memory.commit(0, size));
  m_base = memory.base();
  for (const Section& s : m_sections) {
    if (s.loaded && s.hdr.sh_type != SHT_NOBITS && s.hdr.sh_size != 0)
      std::memcpy(m_base + s.offset, m_elf.data() + s.hdr.sh_offset, s.hdr.sh_size);
  }
  return ok();
}

Result<uint64_t> Loader::symbol_address(uint32_t i) {
  if (m_sym_known[i]) return m_sym_addr[i];
  const Elf64_Sym s = symbol(i);
  const uint32_t sec = m_sym_section[i];
  uint64_t addr;
  if (sec == kAbsolute) {
    addr = s.st_value;
  } else if (sec == kNone) {
    const void* p = m_resolve ? m_resolve(m_ctx, m_strtab.at(s.st_name)) : nullptr;
    if (!p && ELF64_ST_BIND(s.st_info) != STB_WEAK)
      return malformed("undefined symbol \"" + symbol_name(i) + "\"");
    addr = reinterpret_cast<uintptr_t>(p);
  } else if (!m_sections[sec].loaded) {
    return malformed("symbol \"" + symbol_name(i) + "\" is in " + section_name(sec) +
                     ", which is not loaded");
  } else {
    addr = reinterpret_cast<uintptr_t>(m_base + m_sections[sec].offset + s.st_value);
  }
  m_sym_addr[i] = addr;
  m_sym_known[i] = true;
  return addr;
}

Result<void> Loader::fill_slots_and_stubs() {
  for (uint32_t i = 0; i < m_nsyms; ++i) {
    if (m_slot[i] == kNone) continue;
    SKIFF_TRY_ASSIGN(uint64_t addr, symbol_address(i));
    std::memcpy(slot(i), &addr, sizeof addr);
    if (m_stub[i] == kNone) continue;
    uint8_t* st = stub(i);
    // Both lie in the image: the displacement fits.
    const auto disp = static_cast<int32_t>(slot(i) - (st + 6));
    st[0] = 0xFF;
    st[1] = 0x25;
    std::memcpy(st + 2, &disp, 4);
    st[6] = st[7] = 0xCC;
  }
  return ok();
}

Result<void> Loader::apply(const Elf64_Rela& r, const Section& target) {
  const uint32_t type = ELF64_R_TYPE(r.r_info);
  const auto sym = static_cast<uint32_t>(ELF64_R_SYM(r.r_info));
  if (type == R_X86_64_NONE) return ok();
  uint8_t* at = m_base + target.offset + r.r_offset;
  const Wide p = reinterpret_cast<uintptr_t>(at);
  SKIFF_TRY_ASSIGN(uint64_t s, symbol_address(sym));
  auto put32 = [&](Wide v, Wide lo, Wide hi) -> Result<void> {
    if (v < lo || v > hi)
      return malformed("value " + hex(static_cast<uint64_t>(v)) + " of relocation type " +
                       std::to_string(type) + " to \"" + symbol_name(sym) +
                       "\" does not fit 32 bits");
    const auto u = static_cast<uint32_t>(static_cast<uint64_t>(v));
    std::memcpy(at, &u, 4);
    return ok();
  };
  const Wide a = r.r_addend;
  const bool undefined = m_sym_section[sym] == kNone;
  switch (type) {
    case R_X86_64_64:
    case R_X86_64_PC64: {
      const uint64_t v = static_cast<uint64_t>(s + a - (type == R_X86_64_PC64 ? p : 0));
      std::memcpy(at, &v, 8);
      return ok();
    }
    case R_X86_64_32: return put32(s + a, 0, UINT32_MAX);
    case R_X86_64_32S: return put32(s + a, INT32_MIN, INT32_MAX);
    case R_X86_64_GOTPCREL:
    case R_X86_64_GOTPCRELX:
    case R_X86_64_REX_GOTPCRELX:
      return put32(reinterpret_cast<uintptr_t>(slot(sym)) + a - p, INT32_MIN, INT32_MAX);
    case R_X86_64_PLT32:
      if (undefined) s = reinterpret_cast<uintptr_t>(stub(sym));
      return put32(s + a - p, INT32_MIN, INT32_MAX);
    case R_X86_64_PC32: {
      // An external's own address when in reach (right for data too); else its stub, but
      // only for a call or jmp rel32, the one use where a stub stands in for the function.
      const Wide v = s + a - p;
      const bool in_reach = v >= INT32_MIN && v <= INT32_MAX;
      const bool call =
          target.group == kCode && r.r_offset >= 1 && (at[-1] == 0xE8 || at[-1] == 0xE9);
      if (undefined && !in_reach && call) s = reinterpret_cast<uintptr_t>(stub(sym));
      return put32(s + a - p, INT32_MIN, INT32_MAX);
    }
    default: SKIFF_UNREACHABLE("scan_relocations admits only the types above");
  }
}

Result<void> Loader::relocate() {
  for (uint32_t rs : m_rela) {
    const Elf64_Shdr& h = m_sections[rs].hdr;
    const Section& target = m_sections[h.sh_info];
    const uint8_t* p = m_elf.data() + h.sh_offset;
    for (uint64_t k = 0, n = h.sh_size / sizeof(Elf64_Rela); k < n; ++k) {
      auto applied = apply(read_at<Elf64_Rela>(p + k * sizeof(Elf64_Rela)), target);
      if (!applied.ok())
        return std::move(applied).error().with_context(section_name(rs) + " entry #" +
                                                       std::to_string(k));
    }
  }
  return ok();
}

// TODO(platform): a Reservation::protect(offset, len, access) would keep mprotect in platform/.
Result<void> Loader::protect() {
  const int prot[kGroups] = {PROT_READ | PROT_EXEC, PROT_READ, PROT_READ | PROT_WRITE};
  for (uint8_t g = 0; g < kWritable; ++g) {  // writable data is already read+write
    const uint64_t len = m_group_begin[g + 1] - m_group_begin[g];
    if (len != 0 && ::mprotect(m_base + m_group_begin[g], len, prot[g]) != 0)
      return Error(ErrorCode::IoError, kNoOffset, std::string("mprotect: ") + std::strerror(errno));
  }
  return ok();
}

Result<void> Loader::collect_functions(const char* names, std::vector<Function>& out) {
  for (uint32_t i = 1; i < m_nsyms; ++i) {
    const Elf64_Sym s = symbol(i);
    const uint32_t sec = m_sym_section[i];
    if (ELF64_ST_TYPE(s.st_info) != STT_FUNC || sec == kNone) continue;
    if (sec == kAbsolute || !m_sections[sec].loaded || m_sections[sec].group != kCode)
      return malformed("function \"" + symbol_name(i) + "\" is not in a code section");
    if (!fits_in(s.st_value, s.st_size, m_sections[sec].hdr.sh_size))
      return malformed("function \"" + symbol_name(i) + "\" extends past its section");
    SKIFF_TRY_ASSIGN(uint64_t addr, symbol_address(i));
    out.push_back({{names + s.st_name, reinterpret_cast<const uint8_t*>(addr), s.st_size},
                   ELF64_ST_BIND(s.st_info) != STB_LOCAL});
  }
  return ok();
}

}  // namespace

CodeObject::~CodeObject() = default;

Result<std::unique_ptr<CodeObject>> CodeObject::load(std::span<const uint8_t> elf,
                                                     SymbolResolver resolve, void* ctx) {
  Loader loader(elf, resolve, ctx);
  SKIFF_TRY(loader.parse_header());
  SKIFF_TRY(loader.parse_sections());
  SKIFF_TRY(loader.parse_symbols());
  SKIFF_TRY(loader.scan_relocations());
  SKIFF_TRY(loader.plan_image());
  std::unique_ptr<CodeObject> obj(new CodeObject());
  SKIFF_TRY(loader.map_image(obj->m_memory));
  SKIFF_TRY(loader.fill_slots_and_stubs());
  SKIFF_TRY(loader.relocate());
  SKIFF_TRY(loader.protect());
  obj->m_code_begin = loader.code_begin();
  obj->m_code_end = loader.code_end();

  const StringTable& names = loader.names();
  obj->m_names = std::make_unique<char[]>(names.size);
  if (names.size) std::memcpy(obj->m_names.get(), names.data, names.size);
  std::vector<Function> funcs;
  SKIFF_TRY(loader.collect_functions(obj->m_names.get(), funcs));
  // Aliases (same address) largest first: function_at() relies on it.
  std::stable_sort(funcs.begin(), funcs.end(), [](const Function& a, const Function& b) {
    return a.sym.addr != b.sym.addr ? a.sym.addr < b.sym.addr : a.sym.size > b.sym.size;
  });
  obj->m_functions.reserve(funcs.size());
  obj->m_by_name.resize(funcs.size());
  for (uint32_t i = 0; i < funcs.size(); ++i) {
    obj->m_functions.push_back(funcs[i].sym);
    obj->m_by_name[i] = i;
  }
  std::stable_sort(obj->m_by_name.begin(), obj->m_by_name.end(), [&](uint32_t a, uint32_t b) {
    if (funcs[a].sym.name != funcs[b].sym.name) return funcs[a].sym.name < funcs[b].sym.name;
    return funcs[a].global && !funcs[b].global;
  });
  return obj;
}

const uint8_t* CodeObject::find(std::string_view name) const {
  auto it =
      std::lower_bound(m_by_name.begin(), m_by_name.end(), name,
                       [&](uint32_t i, std::string_view n) { return m_functions[i].name < n; });
  return it != m_by_name.end() && m_functions[*it].name == name ? m_functions[*it].addr : nullptr;
}

const CodeSymbol* CodeObject::function_at(uintptr_t pc) const {
  // Of the functions starting last at or before pc (aliases), the first is the largest;
  // nested functions are not expected.
  auto by_addr = [](const CodeSymbol& f, uintptr_t v) {
    return reinterpret_cast<uintptr_t>(f.addr) < v;
  };
  auto it = std::upper_bound(
      m_functions.begin(), m_functions.end(), pc,
      [](uintptr_t v, const CodeSymbol& f) { return v < reinterpret_cast<uintptr_t>(f.addr); });
  if (it == m_functions.begin()) return nullptr;
  const auto start = reinterpret_cast<uintptr_t>(std::prev(it)->addr);
  it = std::lower_bound(m_functions.begin(), it, start, by_addr);
  return pc - start < it->size ? &*it : nullptr;
}

}  // namespace skiff::engine::native
