#include "engine/runtime/store.h"

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace skiff::engine::runtime {
namespace {

// Loads and validates a built fixture (tests/fixtures/NAME.wat).
std::unique_ptr<validate::ValidatedModule> fixture(const std::string& name) {
  std::filesystem::path p = std::filesystem::path(SKIFF_TEST_FIXTURES) / (name + ".wasm");
  std::ifstream in(p, std::ios::binary);
  EXPECT_TRUE(in.good()) << p;
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto vm = validate::decode_and_validate(bytes);
  EXPECT_TRUE(vm.ok()) << (vm.ok() ? "" : vm.error().to_string());
  if (!vm.ok()) return nullptr;
  return std::make_unique<validate::ValidatedModule>(std::move(*vm));
}

// Covers: defined globals evaluated; active data copied and dropped, passive kept;
// active element segment applied with the instance's function addresses and dropped,
// passive kept, declarative dropped; exports resolve to the instance's objects.
TEST(Instantiate, AppliesSegmentsAndGlobals) {
  auto vm = fixture("inst_segments");
  ASSERT_TRUE(vm);
  Store store;
  auto inst = store.instantiate(*vm, {});
  ASSERT_TRUE(inst.ok()) << inst.error().to_string();
  Instance& in = **inst;

  auto seven = in.find_export("seven");
  ASSERT_TRUE(seven && seven->global);
  EXPECT_EQ(seven->global->get(), Value::i32(7));
  EXPECT_EQ(in.find_export("pi")->global->get(), Value::f64(3.5));
  EXPECT_FALSE(in.find_export("nope").has_value());

  Memory* mem = in.find_export("mem")->memory;
  EXPECT_EQ(std::memcmp(mem->data() + 8, "skiff", 5), 0);
  EXPECT_EQ(mem->data()[7], 0);
  EXPECT_TRUE(in.data_segment(0).empty());      // active: dropped
  EXPECT_EQ(in.data_segment(1).size(), 7u);     // passive: kept

  Table* table = in.tables[0];
  EXPECT_TRUE((*table->get(0)).is_null());
  EXPECT_EQ((*table->get(1)).ptr, in.funcs[0]);
  EXPECT_EQ((*table->get(2)).ptr, in.funcs[1]);
  EXPECT_EQ(in.funcs[1]->instance, &in);
  EXPECT_EQ(in.funcs[1]->defined_index, 1u);
  EXPECT_TRUE(in.elem_segments[0].empty());     // active: dropped
  ASSERT_EQ(in.elem_segments[1].size(), 3u);    // passive: kept
  EXPECT_EQ(in.elem_segments[1][0].ptr, in.funcs[1]);
  EXPECT_TRUE(in.elem_segments[2].empty());     // declarative: dropped
  EXPECT_EQ(in.find_export("g")->func, in.funcs[1]);
}

struct Env {
  Store store;
  ir::FuncType f_type{{ir::ValType::I32}, {}};
  FuncInstance* f = nullptr;
  Table* tab = nullptr;
  Memory* mem = nullptr;
  Global* base = nullptr;
  Env() {
    f = store.add_host_func(f_type, {});
    tab = *store.add_table(ir::TableType{ir::ValType::FuncRef, ir::Limits{2, std::nullopt}});
    mem = *store.add_memory(ir::MemType{ir::Limits{1, 2}});
    RawValue v;
    v.i32 = 100;
    base = store.add_global(ir::GlobalType{ir::ValType::I32, false}, v);
  }
  std::vector<Extern> imports() const {
    Extern ef, et, em, eg;
    ef.kind = ir::ExternKind::Func, ef.func = f;
    et.kind = ir::ExternKind::Table, et.table = tab;
    em.kind = ir::ExternKind::Memory, em.memory = mem;
    eg.kind = ir::ExternKind::Global, eg.global = base;
    return {ef, et, em, eg};
  }
};

// Covers: imports of every kind satisfy the module; an imported global places a data
// segment and initializes a defined global; elements land in the imported table.
TEST(Instantiate, UsesImportsOfEveryKind) {
  auto vm = fixture("inst_imports");
  ASSERT_TRUE(vm);
  Env env;
  auto imports = env.imports();
  auto inst = env.store.instantiate(*vm, imports);
  ASSERT_TRUE(inst.ok()) << inst.error().to_string();
  EXPECT_EQ(std::memcmp(env.mem->data() + 100, "at base", 7), 0);
  EXPECT_EQ((*env.tab->get(0)).ptr, env.f);
  EXPECT_EQ((*inst)->find_export("copy")->global->get(), Value::i32(100));
}

// Covers: link errors — a missing import, a wrong kind, a function type, memory limits
// and global mutability that do not match.
TEST(Instantiate, RejectsImportsThatDoNotMatch) {
  auto vm = fixture("inst_imports");
  ASSERT_TRUE(vm);
  Env env;
  auto expect_link_error = [&](std::vector<Extern> imports, ErrorCode code) {
    auto inst = env.store.instantiate(*vm, imports);
    ASSERT_FALSE(inst.ok());
    EXPECT_EQ(inst.error().code(), code) << inst.error().to_string();
  };
  auto imports = env.imports();
  expect_link_error({imports.begin(), imports.begin() + 3}, ErrorCode::UnknownImport);

  auto wrong_kind = imports;
  std::swap(wrong_kind[0], wrong_kind[1]);
  expect_link_error(wrong_kind, ErrorCode::IncompatibleImportType);

  ir::FuncType other{{}, {}};
  auto wrong_func = imports;
  wrong_func[0].func = env.store.add_host_func(other, {});
  expect_link_error(wrong_func, ErrorCode::IncompatibleImportType);

  auto wrong_mem = imports;
  wrong_mem[2].memory = *env.store.add_memory(ir::MemType{ir::Limits{1, 3}});  // max 3 > 2
  expect_link_error(wrong_mem, ErrorCode::IncompatibleImportType);

  auto wrong_global = imports;
  RawValue v;
  wrong_global[3].global = env.store.add_global(ir::GlobalType{ir::ValType::I32, true}, v);
  expect_link_error(wrong_global, ErrorCode::IncompatibleImportType);
}

// Covers: a data segment out of bounds traps, and the segments before it (element and
// data) have already taken effect in the imported table and memory.
TEST(Instantiate, TrapPartWayKeepsEarlierSegments) {
  auto vm = fixture("inst_partial");
  ASSERT_TRUE(vm);
  Store store;
  Table* tab = *store.add_table(ir::TableType{ir::ValType::FuncRef, ir::Limits{2, std::nullopt}});
  Memory* mem = *store.add_memory(ir::MemType{ir::Limits{1, std::nullopt}});
  Extern et, em;
  et.kind = ir::ExternKind::Table, et.table = tab;
  em.kind = ir::ExternKind::Memory, em.memory = mem;
  std::vector<Extern> imports = {et, em};
  auto inst = store.instantiate(*vm, imports);
  ASSERT_FALSE(inst.ok());
  EXPECT_EQ(inst.error().code(), ErrorCode::TrapOutOfBoundsMemory);
  EXPECT_EQ(inst.error().message(), "out of bounds memory access");
  EXPECT_FALSE((*tab->get(0)).is_null());
  EXPECT_EQ(std::memcmp(mem->data(), "first", 5), 0);
  EXPECT_EQ(mem->data()[65534], 0);  // nothing of the failing segment was written
}

// Covers: Store::reserves, which the compiled tier's fault handler asks: the memory, its
// room to grow and its guard region are the store's; another store's and the stack are
// not.
TEST(Store, ReservesItsMemoriesAndTheirGuardRegions) {
  Store store;
  EXPECT_FALSE(store.reserves(0x10000));
  Memory* a = *store.add_memory(ir::MemType{ir::Limits{1, std::nullopt}});
  Memory* b = *store.add_memory(ir::MemType{ir::Limits{0, 1}});
  for (Memory* m : {a, b}) {
    const auto base = reinterpret_cast<uintptr_t>(m->data());
    EXPECT_TRUE(store.reserves(base));
    EXPECT_TRUE(store.reserves(base + 70000));               // past the size
    EXPECT_TRUE(store.reserves(base + Memory::kReservationBytes - 1));  // the guard's last byte
  }
  Store other;
  EXPECT_FALSE(other.reserves(reinterpret_cast<uintptr_t>(a->data())));
  int on_the_stack = 0;
  EXPECT_FALSE(store.reserves(reinterpret_cast<uintptr_t>(&on_the_stack)));
}

// Covers: the store's instance limit.
TEST(Instantiate, StoreInstanceLimit) {
  auto vm = fixture("inst_segments");
  ASSERT_TRUE(vm);
  StoreLimits limits;
  limits.max_instances = 2;
  Store store(limits);
  EXPECT_TRUE(store.instantiate(*vm, {}).ok());
  EXPECT_TRUE(store.instantiate(*vm, {}).ok());
  auto third = store.instantiate(*vm, {});
  ASSERT_FALSE(third.ok());
  EXPECT_EQ(third.error().code(), ErrorCode::InstanceLimit);
}

}  // namespace
}  // namespace skiff::engine::runtime
