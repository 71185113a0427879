#include "engine/native/code_object.h"

#include <elf.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "support/mappings.h"

// Tests of CodeObject on real objects: C sources compiled by clang (-O2 -fPIC, as the
// LLVM tier's objects are PIC, small code model) and LLVM IR compiled by LLVM 19's llc,
// each at test time into a temporary directory. Without clang (or llc 19) the tests skip.
// The malformed-input tests patch one field of a real object through the helpers below.
//
// Each test lists what it covers at its top.

namespace skiff::engine::native {
namespace {

const char* find_tool(std::initializer_list<const char*> candidates) {
  for (const char* c : candidates)
    if (::access(c, X_OK) == 0) return c;
  return nullptr;
}
const char* clang_path() {
  return find_tool({"/usr/bin/clang", "/usr/local/bin/clang", "/usr/bin/clang-14"});
}
const char* llc19_path() { return find_tool({"/usr/lib/llvm-19/bin/llc", "/usr/bin/llc-19"}); }

// Compiles `source` (file name `name`) with `command_prefix ... -o out in` in a fresh
// temporary directory; nullopt (and a test failure) if the compiler fails.
std::optional<std::vector<uint8_t>> build(const std::string& command_prefix,
                                          const std::string& name, const std::string& source) {
  const char* tmp = std::getenv("TMPDIR");
  std::string dir = std::string(tmp && *tmp ? tmp : "/tmp") + "/skiff_code_object_XXXXXX";
  if (!::mkdtemp(dir.data())) {
    ADD_FAILURE() << "mkdtemp failed";
    return std::nullopt;
  }
  std::ofstream(dir + "/" + name) << source;
  const std::string cmd =
      command_prefix + " -o " + dir + "/out.o " + dir + "/" + name + " 2>" + dir + "/err";
  std::optional<std::vector<uint8_t>> bytes;
  if (std::system(cmd.c_str()) == 0) {
    std::ifstream in(dir + "/out.o", std::ios::binary);
    bytes.emplace(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  } else {
    std::ifstream err(dir + "/err");
    ADD_FAILURE() << cmd << " failed:\n" << std::string(std::istreambuf_iterator<char>(err), {});
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return bytes;
}

std::optional<std::vector<uint8_t>> compile_c(const std::string& source,
                                              const std::string& flags = "") {
  return build(std::string(clang_path()) + " -c -O2 -fPIC -target x86_64-linux-gnu -w " + flags,
               "t.c", source);
}

// --- the resolver: a name -> address table, counting the calls --------------------------
int host_triple(int x) { return 3 * x; }
int host_counter = 1000;

struct Symbols {
  std::map<std::string, const void*, std::less<>> table;
  std::map<std::string, int, std::less<>> calls;
};

const void* resolve(void* ctx, std::string_view name) {
  auto* s = static_cast<Symbols*>(ctx);
  ++s->calls[std::string(name)];
  auto it = s->table.find(name);
  return it == s->table.end() ? nullptr : it->second;
}

Symbols host_symbols() {
  Symbols s;
  s.table["host_triple"] = reinterpret_cast<const void*>(&host_triple);
  s.table["host_counter"] = &host_counter;
  s.table["fmod"] =
      reinterpret_cast<const void*>(static_cast<double (*)(double, double)>(&std::fmod));
  s.table["roundevenf"] = reinterpret_cast<const void*>(&::roundevenf);
  s.table["memcpy"] = reinterpret_cast<const void*>(&std::memcpy);
  s.table["memset"] = reinterpret_cast<const void*>(&std::memset);
  return s;
}

// --- reading and patching a real object --------------------------------------------------
template <typename T> T get(const std::vector<uint8_t>& b, uint64_t off) {
  T v;
  std::memcpy(&v, b.data() + off, sizeof v);
  return v;
}
template <typename T> void put(std::vector<uint8_t>& b, uint64_t off, const T& v) {
  std::memcpy(b.data() + off, &v, sizeof v);
}

Elf64_Ehdr header(const std::vector<uint8_t>& b) { return get<Elf64_Ehdr>(b, 0); }

// The file offset of the header of section `name`; aborts the test if there is none.
uint64_t shdr_offset(const std::vector<uint8_t>& b, std::string_view name) {
  const Elf64_Ehdr eh = header(b);
  const auto names = get<Elf64_Shdr>(b, eh.e_shoff + eh.e_shstrndx * sizeof(Elf64_Shdr));
  for (uint64_t i = 0; i < eh.e_shnum; ++i) {
    const uint64_t at = eh.e_shoff + i * sizeof(Elf64_Shdr);
    const auto h = get<Elf64_Shdr>(b, at);
    if (reinterpret_cast<const char*>(b.data() + names.sh_offset + h.sh_name) == name) return at;
  }
  ADD_FAILURE() << "no section " << name;
  std::abort();
}
Elf64_Shdr shdr(const std::vector<uint8_t>& b, std::string_view name) {
  return get<Elf64_Shdr>(b, shdr_offset(b, name));
}

// The file offset of the first relocation of `rela_section` with type `type`.
uint64_t first_rela(const std::vector<uint8_t>& b, std::string_view rela_section, uint32_t type) {
  const Elf64_Shdr h = shdr(b, rela_section);
  for (uint64_t at = h.sh_offset; at < h.sh_offset + h.sh_size; at += sizeof(Elf64_Rela))
    if (ELF64_R_TYPE(get<Elf64_Rela>(b, at).r_info) == type) return at;
  ADD_FAILURE() << "no relocation of type " << type << " in " << rela_section;
  std::abort();
}

// The file offset of the symbol `name`.
uint64_t symbol_offset(const std::vector<uint8_t>& b, std::string_view name) {
  const Elf64_Shdr symtab = shdr(b, ".symtab");
  const Elf64_Shdr strtab = shdr(b, ".strtab");
  for (uint64_t at = symtab.sh_offset; at < symtab.sh_offset + symtab.sh_size;
       at += sizeof(Elf64_Sym)) {
    const auto s = get<Elf64_Sym>(b, at);
    if (reinterpret_cast<const char*>(b.data() + strtab.sh_offset + s.st_name) == name) return at;
  }
  ADD_FAILURE() << "no symbol " << name;
  std::abort();
}

template <typename F> F fn(const CodeObject& obj, std::string_view name) {
  const uint8_t* p = obj.find(name);
  EXPECT_NE(p, nullptr) << name;
  return reinterpret_cast<F>(const_cast<uint8_t*>(p));
}

// Loads `b`, expecting a MalformedObject error whose context contains `needle`.
void expect_rejected(const std::vector<uint8_t>& b, std::string_view needle) {
  Symbols syms = host_symbols();
  auto r = CodeObject::load(b, resolve, &syms);
  ASSERT_FALSE(r.ok()) << "loaded; expected an error containing \"" << needle << "\"";
  EXPECT_EQ(r.error().code(), ErrorCode::MalformedObject) << r.error().to_string();
  EXPECT_NE(r.error().context().find(needle), std::string_view::npos) << r.error().to_string();
}

// One C module exercising every kind of reference -fPIC code makes.
constexpr const char* kModule = R"(
typedef unsigned long size_t;
double fmod(double, double);
void* memcpy(void*, const void*, size_t);
int host_triple(int);
extern int host_counter;
extern int maybe_missing(int) __attribute__((weak));

int add(int a, int b) { return a + b; }

/* A computation per case keeps this a jump table (in .rodata, relocated against .text)
   rather than a lookup table. */
int pick(int x, int y) {
  switch (x) {
    case 0: return y * 3;
    case 1: return y + 7;
    case 2: return y ^ 0x55;
    case 3: return y - 100;
    case 4: return y << 2;
    case 5: return y / 3;
    case 6: return y % 7;
    case 7: return -y;
    default: return 0;
  }
}

static const char kGreeting[] = "hello from .rodata";
const char* greeting(void) { return kGreeting; }
int prime(int i) { static const int primes[8] = {2, 3, 5, 7, 11, 13, 17, 19}; return primes[i & 7]; }

static int counter;
int bump(void) { return ++counter; }
int* counter_ptr(void) { return &counter; }
int data_var = 40;
int* data_ptr(void) { return &data_var; }
int read_data(void) { return data_var; }

__attribute__((noinline)) int is_even(int n);
__attribute__((noinline)) int is_odd(int n) { return n == 0 ? 0 : is_even(n - 1); }
__attribute__((noinline)) int is_even(int n) { return n == 0 ? 1 : is_odd(n - 1); }
static __attribute__((noinline)) int square(int x) { return x * x + (x & 1); }
int sum_squares(int n) { int s = 0; for (int i = 1; i <= n; ++i) s += square(i); return s; }

int call_host(int x) { return host_triple(x) + host_counter; }
double do_fmod(double a, double b) { return fmod(a, b); }
void copy_bytes(char* d, const char* s, size_t n) { memcpy(d, s, n); }
int has_maybe_missing(void) { return maybe_missing != 0; }
int (*get_add(void))(int, int) { return add; }
)";

class CodeObjectC : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    if (!clang_path()) GTEST_SKIP() << "clang not installed";
    auto b = compile_c(kModule, GetParam());
    ASSERT_TRUE(b.has_value());
    m_elf = std::move(*b);
    m_syms = host_symbols();
    auto r = CodeObject::load(m_elf, resolve, &m_syms);
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    m_obj = std::move(*r);
  }
  std::vector<uint8_t> m_elf;
  Symbols m_syms;
  std::unique_ptr<CodeObject> m_obj;
};

// Covers: a plain function; the jump table (.rodata entries relocated against .text);
// string and array constants in .rodata.
TEST_P(CodeObjectC, RunsFunctionsJumpTablesAndConstants) {
  EXPECT_EQ(fn<int (*)(int, int)>(*m_obj, "add")(2, 40), 42);
  auto pick = fn<int (*)(int, int)>(*m_obj, "pick");
  const int expected[9] = {30, 17, 10 ^ 0x55, -90, 40, 3, 3, -10, 0};
  for (int x = 0; x < 9; ++x)
    EXPECT_EQ(pick(x, 10), expected[x]) << "case " << x;
  EXPECT_STREQ(fn<const char* (*)()>(*m_obj, "greeting")(), "hello from .rodata");
  EXPECT_EQ(fn<int (*)(int)>(*m_obj, "prime")(6), 17);
}

// Covers: a writable static in .bss (zeroed) and a global in .data reached through the
// GOT, both read and written by the code and by us.
TEST_P(CodeObjectC, WritableDataWorks) {
  auto bump = fn<int (*)()>(*m_obj, "bump");
  EXPECT_EQ(bump(), 1);
  EXPECT_EQ(bump(), 2);
  EXPECT_EQ(*fn<int* (*)()>(*m_obj, "counter_ptr")(), 2);
  int* data = fn<int* (*)()>(*m_obj, "data_ptr")();
  EXPECT_EQ(*data, 40);
  *data = 7;
  EXPECT_EQ(fn<int (*)()>(*m_obj, "read_data")(), 7);
}

// Covers: global functions calling each other (PLT32 inside the object), a static
// function, the address of a function taken through the GOT.
TEST_P(CodeObjectC, CallsInsideTheObject) {
  EXPECT_EQ(fn<int (*)(int)>(*m_obj, "is_even")(10), 1);
  EXPECT_EQ(fn<int (*)(int)>(*m_obj, "is_odd")(7), 1);
  EXPECT_EQ(fn<int (*)(int)>(*m_obj, "sum_squares")(4), 1 + 1 + 4 + 9 + 1 + 16);
  EXPECT_NE(m_obj->find("square"), nullptr);  // local functions are listed too
  using Add = int (*)(int, int);
  EXPECT_EQ(fn<Add (*)()>(*m_obj, "get_add")(), fn<Add>(*m_obj, "add"));
}

// Covers: external calls and data through the resolver (a test function, libm fmod,
// memcpy), an unknown weak symbol as null, one resolver call per symbol.
TEST_P(CodeObjectC, ResolvesExternalSymbols) {
  host_counter = 1000;
  EXPECT_EQ(fn<int (*)(int)>(*m_obj, "call_host")(5), 1015);
  EXPECT_DOUBLE_EQ(fn<double (*)(double, double)>(*m_obj, "do_fmod")(7.5, 2.0), 1.5);
  char dst[8] = {};
  fn<void (*)(char*, const char*, size_t)>(*m_obj, "copy_bytes")(dst, "skiff", 6);
  EXPECT_STREQ(dst, "skiff");
  EXPECT_EQ(fn<int (*)()>(*m_obj, "has_maybe_missing")(), 0);
  for (const auto& [name, n] : m_syms.calls)
    EXPECT_EQ(n, 1) << name;
  EXPECT_EQ(m_syms.calls.count("maybe_missing"), 1u);
}

// Covers: code is r-x, constants r--, data rw-; code_range/contains_pc; functions()
// sorted and inside the code; function_at() inside, at the end and outside a function.
TEST_P(CodeObjectC, ProtectsPagesAndMapsPcsToFunctions) {
  const uint8_t* add = m_obj->find("add");
  EXPECT_EQ(test::protection_at(add), "r-xp");
  EXPECT_EQ(test::protection_at(fn<const char* (*)()>(*m_obj, "greeting")()), "r--p");
  EXPECT_EQ(test::protection_at(fn<int* (*)()>(*m_obj, "data_ptr")()), "rw-p");
  EXPECT_EQ(test::protection_at(fn<int* (*)()>(*m_obj, "counter_ptr")()), "rw-p");

  const auto [begin, end] = m_obj->code_range();
  const auto funcs = m_obj->functions();
  ASSERT_GE(funcs.size(), 15u);
  for (size_t i = 0; i < funcs.size(); ++i) {
    const auto a = reinterpret_cast<uintptr_t>(funcs[i].addr);
    EXPECT_TRUE(a >= begin && a + funcs[i].size <= end) << funcs[i].name;
    EXPECT_TRUE(m_obj->contains_pc(a)) << funcs[i].name;
    if (i > 0) {
      EXPECT_LE(funcs[i - 1].addr, funcs[i].addr);
    }
    EXPECT_EQ(m_obj->function_at(a), &funcs[i]) << funcs[i].name;
    EXPECT_EQ(m_obj->function_at(a + funcs[i].size - 1), &funcs[i]) << funcs[i].name;
  }
  const CodeSymbol* f = m_obj->function_at(reinterpret_cast<uintptr_t>(add) + 1);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->name, "add");
  EXPECT_EQ(m_obj->function_at(begin - 1), nullptr);
  EXPECT_EQ(m_obj->function_at(end), nullptr);
  EXPECT_FALSE(m_obj->contains_pc(end));
  EXPECT_FALSE(m_obj->contains_pc(begin - 1));
  EXPECT_EQ(m_obj->find("counter"), nullptr);  // data, not a function
  EXPECT_EQ(m_obj->find("nothing"), nullptr);
}

// One .text, or a section per function and per datum (every call then relocated).
INSTANTIATE_TEST_SUITE_P(Sections, CodeObjectC,
                         ::testing::Values("", "-ffunction-sections -fdata-sections"),
                         [](const auto& p) {
                           return std::string(*p.param ? "SectionPerFunction" : "OneText");
                         });

// Covers: an undefined symbol the resolver does not know is an error naming it.
TEST(CodeObject, RejectsUnresolvedSymbolByName) {
  if (!clang_path()) GTEST_SKIP() << "clang not installed";
  auto b = compile_c("int missing_helper(int); int f(int x) { return missing_helper(x) + 1; }");
  ASSERT_TRUE(b);
  expect_rejected(*b, "undefined symbol \"missing_helper\"");
  auto none = CodeObject::load(*b, nullptr, nullptr);  // no resolver at all
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.error().context().find("missing_helper"), std::string_view::npos);
}

// Covers: non-PIC code's absolute 32-bit relocations (R_X86_64_32/32S) to a mapping above
// 4 GiB are an error, not a truncated address.
TEST(CodeObject, RejectsAbsolute32BitRelocationOutOfRange) {
  if (!clang_path()) GTEST_SKIP() << "clang not installed";
  auto b =
      compile_c("static const char s[] = \"x\"; const char* g(void) { return s; }", "-fno-pic");
  ASSERT_TRUE(b);
  expect_rejected(*b, "does not fit 32 bits");
}

class CodeObjectPatched : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!clang_path()) GTEST_SKIP() << "clang not installed";
    auto b = compile_c(kModule);
    ASSERT_TRUE(b);
    m_elf = std::move(*b);
    Symbols syms = host_symbols();
    ASSERT_TRUE(CodeObject::load(m_elf, resolve, &syms).ok());  // the unpatched object loads
  }
  std::vector<uint8_t> m_elf;
};

// Covers: bad magic, class, byte order, type, machine; too short for a header.
TEST_F(CodeObjectPatched, RejectsBadHeaders) {
  auto patched = [&](size_t off, uint8_t v) {
    auto b = m_elf;
    b[off] = v;
    return b;
  };
  expect_rejected(patched(0, 0x7e), "no ELF magic");
  expect_rejected(patched(EI_CLASS, ELFCLASS32), "not ELF64");
  expect_rejected(patched(EI_DATA, ELFDATA2MSB), "not little-endian");
  expect_rejected(patched(offsetof(Elf64_Ehdr, e_type), ET_DYN), "ET_REL");
  expect_rejected(patched(offsetof(Elf64_Ehdr, e_machine), EM_AARCH64), "not x86-64");
  expect_rejected(std::vector<uint8_t>(m_elf.begin(), m_elf.begin() + 40),
                  "shorter than an ELF64 header");
  expect_rejected({}, "shorter than an ELF64 header");
}

// Covers: every truncation of a real object is an error (the section headers come last).
TEST_F(CodeObjectPatched, RejectsEveryTruncation) {
  for (size_t n = 0; n < m_elf.size(); ++n) {
    std::vector<uint8_t> b(m_elf.begin(), m_elf.begin() + static_cast<ptrdiff_t>(n));
    Symbols syms = host_symbols();
    auto r = CodeObject::load(b, resolve, &syms);
    ASSERT_FALSE(r.ok()) << "loaded a " << n << "-byte prefix";
  }
}

// Covers: section headers past the end; a section's contents past the end (offset and size).
TEST_F(CodeObjectPatched, RejectsOutOfRangeSectionOffsets) {
  auto b = m_elf;
  put<uint64_t>(b, offsetof(Elf64_Ehdr, e_shoff), b.size() - 10);
  expect_rejected(b, "section headers outside the file");
  b = m_elf;
  put<uint16_t>(b, offsetof(Elf64_Ehdr, e_shnum), 0x7fff);
  expect_rejected(b, "section headers outside the file");
  b = m_elf;
  put<uint64_t>(b, shdr_offset(b, ".text") + offsetof(Elf64_Shdr, sh_offset), b.size());
  expect_rejected(b, "contents outside the file");
  b = m_elf;
  put<uint64_t>(b, shdr_offset(b, ".rela.text") + offsetof(Elf64_Shdr, sh_size), UINT64_MAX - 7);
  expect_rejected(b, "contents outside the file");
}

// Covers: a string table without its final NUL; a symbol name past the table; a symbol in
// a section that does not exist; a section alignment above a page.
TEST_F(CodeObjectPatched, RejectsBadStringTablesAndSymbols) {
  auto b = m_elf;
  const Elf64_Shdr strtab = shdr(b, ".strtab");
  b[strtab.sh_offset + strtab.sh_size - 1] = 'x';
  expect_rejected(b, "not NUL-terminated");
  b = m_elf;
  put<uint32_t>(b, symbol_offset(b, "add") + offsetof(Elf64_Sym, st_name),
                static_cast<uint32_t>(strtab.sh_size));
  expect_rejected(b, "name out of range");
  b = m_elf;
  put<uint16_t>(b, symbol_offset(b, "add") + offsetof(Elf64_Sym, st_shndx), 0xfe00);
  expect_rejected(b, "symbol \"add\": section index 65024 out of range");
  b = m_elf;
  put<uint64_t>(b, shdr_offset(b, ".text") + offsetof(Elf64_Shdr, sh_addralign), 1 << 20);
  expect_rejected(b, "bad alignment");
}

// Covers: a relocation whose field would end past its section; an unknown relocation
// type, named; a symbol index past the table; SHT_REL; a PC32 addend too large for 32 bits.
TEST_F(CodeObjectPatched, RejectsBadRelocations) {
  const Elf64_Shdr text = shdr(m_elf, ".text");
  const uint64_t pc32 = first_rela(m_elf, ".rela.text", R_X86_64_PC32);
  auto b = m_elf;
  put<uint64_t>(b, pc32 + offsetof(Elf64_Rela, r_offset), text.sh_size - 2);  // 4 bytes at size-2
  expect_rejected(b, "outside section");
  b = m_elf;
  const auto info = get<Elf64_Rela>(b, pc32).r_info;
  put<uint64_t>(b, pc32 + offsetof(Elf64_Rela, r_info), ELF64_R_INFO(ELF64_R_SYM(info), 99));
  expect_rejected(b, "unsupported relocation type 99");
  b = m_elf;
  put<uint64_t>(b, pc32 + offsetof(Elf64_Rela, r_info), ELF64_R_INFO(0xffffff, R_X86_64_PC32));
  expect_rejected(b, "symbol index out of range");
  b = m_elf;
  put<uint32_t>(b, shdr_offset(b, ".rela.text") + offsetof(Elf64_Shdr, sh_type), SHT_REL);
  expect_rejected(b, "SHT_REL");
  b = m_elf;
  put<int64_t>(b, pc32 + offsetof(Elf64_Rela, r_addend), int64_t{1} << 40);
  expect_rejected(b, "does not fit 32 bits");
}

// Covers: a call by R_X86_64_PC32 (not PLT32) to an external works whether the target is
// within ±2 GiB (patched directly) or not (through the stub, as the call opcode allows).
TEST_F(CodeObjectPatched, Pc32CallToExternalWorksNearOrFar) {
  const Elf64_Shdr symtab = shdr(m_elf, ".symtab");
  const uint64_t sym = (symbol_offset(m_elf, "host_triple") - symtab.sh_offset) / sizeof(Elf64_Sym);
  const Elf64_Shdr rela = shdr(m_elf, ".rela.text");
  auto b = m_elf;
  int patched = 0;
  for (uint64_t at = rela.sh_offset; at < rela.sh_offset + rela.sh_size; at += sizeof(Elf64_Rela)) {
    if (ELF64_R_SYM(get<Elf64_Rela>(b, at).r_info) != sym) continue;
    put<uint64_t>(b, at + offsetof(Elf64_Rela, r_info), ELF64_R_INFO(sym, R_X86_64_PC32));
    ++patched;
  }
  ASSERT_EQ(patched, 1);
  Symbols syms = host_symbols();
  auto r = CodeObject::load(b, resolve, &syms);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  host_counter = 1000;
  EXPECT_EQ(fn<int (*)(int)>(**r, "call_host")(5), 1015);
}

// Covers: function_at() with aliases, two function symbols at one address (found by
// code_object_fuzzer): the larger one holds the pcs, whatever the symbol order.
TEST_F(CodeObjectPatched, FunctionAtFindsTheLargestAlias) {
  auto b = m_elf;
  const auto add = get<Elf64_Sym>(b, symbol_offset(b, "add"));
  const uint64_t pick = symbol_offset(b, "pick");  // defined after add: a later symbol
  auto alias = get<Elf64_Sym>(b, pick);
  alias.st_value = add.st_value;
  alias.st_shndx = add.st_shndx;
  alias.st_size = 0;
  put(b, pick, alias);
  Symbols syms = host_symbols();
  auto r = CodeObject::load(b, resolve, &syms);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  const auto a = reinterpret_cast<uintptr_t>((*r)->find("add"));
  EXPECT_EQ(a, reinterpret_cast<uintptr_t>((*r)->find("pick")));
  for (uintptr_t pc : {a, a + add.st_size - 1}) {
    const CodeSymbol* f = (*r)->function_at(pc);
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(f->name, "add");
  }
}

// Covers: random byte flips of a real object never crash or read out of bounds (ASan
// checks the latter); whatever loads is only inspected, never run.
TEST_F(CodeObjectPatched, SurvivesRandomByteFlips) {
  uint64_t state = 0x9E3779B97F4A7C15u;
  auto next = [&] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  int loaded = 0;
  for (int round = 0; round < 3000; ++round) {
    auto b = m_elf;
    for (uint64_t flips = 1 + next() % 4; flips > 0; --flips)
      b[next() % b.size()] ^= static_cast<uint8_t>(1 + next() % 255);
    Symbols syms = host_symbols();
    auto r = CodeObject::load(b, resolve, &syms);
    if (!r.ok()) continue;
    ++loaded;
    for (const CodeSymbol& f : (*r)->functions())
      EXPECT_TRUE(f.size == 0 || (*r)->contains_pc(reinterpret_cast<uintptr_t>(f.addr)));
  }
  EXPECT_GT(loaded, 0);  // most flips land in code or padding
}

// What the LLVM tier emits (LLVM 19, -relocation-model=pic, small code model): a function
// pointer table in .data.rel.ro (R_X86_64_64), a br_table jump table, roundeven/frem/
// memcpy/memset lowered to libm and libc calls, runtime helpers, internal functions.
constexpr const char* kTierModule = R"(
target triple = "x86_64-unknown-linux-gnu"
@funcs = internal constant [2 x ptr] [ptr @f0, ptr @f1]
@calls = internal global i64 0
@exported = global i32 7
declare i32 @host_triple(i32)
declare float @llvm.roundeven.f32(float)
declare void @llvm.memcpy.p0.p0.i64(ptr, ptr, i64, i1)
declare void @llvm.memset.p0.i64(ptr, i8, i64, i1)
declare void @llvm.trap()

define internal i32 @f0(i32 %x) {
  %r = add i32 %x, 1
  ret i32 %r
}
define internal i32 @f1(i32 %x) {
  %r = call i32 @host_triple(i32 %x)
  ret i32 %r
}
define ptr @funcs_addr() {
  ret ptr @funcs
}
define i32 @call_indirect(i32 %i, i32 %x) {
  %p = getelementptr [2 x ptr], ptr @funcs, i32 0, i32 %i
  %f = load ptr, ptr %p
  %r = call i32 %f(i32 %x)
  %c = load i64, ptr @calls
  %c1 = add i64 %c, 1
  store i64 %c1, ptr @calls
  %d = load i32, ptr @exported
  %s = add i32 %r, %d
  ret i32 %s
}
define i64 @call_count() {
  %c = load i64, ptr @calls
  ret i64 %c
}
define float @round_rem(float %a, double %b, double %c) {
  %r = call float @llvm.roundeven.f32(float %a)
  %m = frem double %b, %c
  %q = fptrunc double %m to float
  %s = fadd float %r, %q
  ret float %s
}
define void @copy_and_clear(ptr %d, ptr %s, i64 %n) {
  call void @llvm.memcpy.p0.p0.i64(ptr %d, ptr %s, i64 %n, i1 false)
  call void @llvm.memset.p0.i64(ptr %s, i8 0, i64 %n, i1 false)
  ret void
}
define i32 @br_table(i32 %x) {
  switch i32 %x, label %def [ i32 0, label %a  i32 1, label %b  i32 2, label %c
                              i32 3, label %d  i32 4, label %e  i32 5, label %f ]
a: %ra = call i32 @f0(i32 10)
  ret i32 %ra
b: %rb = call i32 @f1(i32 11)
  ret i32 %rb
c: %rc = call i32 @call_indirect(i32 0, i32 12)
  ret i32 %rc
d: call void @llvm.trap()
  unreachable
e: %re = call i32 @host_triple(i32 99)
  ret i32 %re
f: ret i32 77
def: ret i32 -1
}
)";

// Covers: an object from LLVM 19's llc as the tier emits it (PLT32 to internal and
// external functions, PC32 to .rodata/.bss/.data.rel.ro and from the jump table to .text,
// REX_GOTPCRELX to a global, R_X86_64_64 in .data.rel.ro, .eh_frame relocated); the
// function pointer table ends up read-only.
TEST(CodeObjectLlvm19, LoadsWhatTheTierEmits) {
  const char* llc = llc19_path();
  if (!llc) GTEST_SKIP() << "llc from LLVM 19 not installed";
  for (const char* flags : {"", " -function-sections -data-sections"}) {
    SCOPED_TRACE(flags);
    auto b = build(std::string(llc) + " -O2 -relocation-model=pic -code-model=small -filetype=obj" +
                       flags,
                   "t.ll", kTierModule);
    ASSERT_TRUE(b);
    Symbols syms = host_symbols();
    auto r = CodeObject::load(*b, resolve, &syms);
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    const CodeObject& obj = **r;
    auto br = fn<int (*)(int)>(obj, "br_table");
    EXPECT_EQ(br(0), 11);
    EXPECT_EQ(br(1), 33);
    EXPECT_EQ(br(2), 13 + 7);
    EXPECT_EQ(br(4), 297);
    EXPECT_EQ(br(5), 77);
    EXPECT_EQ(br(9), -1);
    EXPECT_EQ(fn<int (*)(int, int)>(obj, "call_indirect")(1, 2), 6 + 7);
    EXPECT_EQ(fn<int64_t (*)()>(obj, "call_count")(), 2);
    EXPECT_FLOAT_EQ(fn<float (*)(float, double, double)>(obj, "round_rem")(2.5f, 7.5, 2.0),
                    2.0f + 1.5f);
    char src[6] = "wasm!";
    char dst[6] = {};
    fn<void (*)(char*, char*, int64_t)>(obj, "copy_and_clear")(dst, src, 6);
    EXPECT_STREQ(dst, "wasm!");
    EXPECT_EQ(src[0], 0);
    EXPECT_EQ(test::protection_at(fn<void* (*)()>(obj, "funcs_addr")()), "r--p");
    EXPECT_NE(obj.find("f0"), nullptr);
    EXPECT_EQ(obj.function_at(reinterpret_cast<uintptr_t>(obj.find("f1")))->name, "f1");
  }
}

}  // namespace
}  // namespace skiff::engine::native
