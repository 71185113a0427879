#include "engine/runtime/instance_pre.h"

#include <gtest/gtest.h>

#include "support/fixtures.h"
#include "support/mappings.h"
#include <sys/mman.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "engine/interp/interpreter.h"
#include "engine/runtime/memory_pool.h"
#include "platform/virtual_memory.h"

namespace skiff::engine::interp {
namespace {

using runtime::Caller;
using runtime::Extern;
using runtime::FuncInstance;
using runtime::Global;
using runtime::HostFunc;
using runtime::Instance;
using runtime::InstancePre;
using runtime::Memory;
using runtime::MemoryPool;
using runtime::RawValue;
using runtime::Ref;
using runtime::Store;
using runtime::Table;
using runtime::Value;
constexpr uint32_t kPage = 65536;

std::shared_ptr<const CompiledModule> compile_fixture(const std::string& name) {
  const std::vector<uint8_t> bytes = test::fixture_bytes(name);
  EXPECT_FALSE(bytes.empty()) << "fixture " << name;
  auto cm = interp::compile(bytes);
  EXPECT_TRUE(cm.ok()) << name << ": " << (cm.ok() ? "" : cm.error().to_string());
  return cm.ok() ? *cm : nullptr;
}

// What pre_equiv and pre_fallback import, in a store of its own that outlives the
// instances (the InstancePre keeps pointers to it).
struct Env {
  Store store;
  ir::FuncType thunk{{}, {ir::ValType::I32}};
  FuncInstance* host = nullptr;
  Global* base = nullptr;
  Global* tbase = nullptr;
  explicit Env(uint32_t base_value = 1000, uint32_t tbase_value = 5) {
    host = store.add_host_func(thunk, HostFunc{&Env::host_fn, nullptr});
    RawValue v;
    v.i32 = base_value;
    base = store.add_global(ir::GlobalType{ir::ValType::I32, false}, v);
    v.i32 = tbase_value;
    tbase = store.add_global(ir::GlobalType{ir::ValType::I32, false}, v);
  }
  static Result<void> host_fn(void*, Caller&, uint64_t* slots) {
    slots[0] = 99;
    return ok();
  }
};

Extern func_extern(FuncInstance* f) {
  Extern x;
  x.kind = ir::ExternKind::Func, x.func = f;
  return x;
}
Extern global_extern(Global* g) {
  Extern x;
  x.kind = ir::ExternKind::Global, x.global = g;
  return x;
}
Extern table_extern(Table* t) {
  Extern x;
  x.kind = ir::ExternKind::Table, x.table = t;
  return x;
}
Extern memory_extern(Memory* m) {
  Extern x;
  x.kind = ir::ExternKind::Memory, x.memory = m;
  return x;
}

// A function reference as an index in `in`'s function index space: -1 for null, -2
// for a FuncInstance that is not the one `in` hands out for that index (Instance::funcs).
int64_t func_index(const Instance& in, const void* p) {
  if (!p) return -1;
  for (size_t j = 0; j < in.funcs.size(); ++j)
    if (in.funcs[j] == p) return static_cast<int64_t>(j);
  return -2;
}

// A value made comparable across instances: numbers as bits, funcrefs as function
// indices, externrefs as their pointer.
int64_t normalize(const Instance& in, const Value& v) {
  switch (v.type) {
  case ir::ValType::I32:
  case ir::ValType::F32: return v.raw.i32;
  case ir::ValType::I64:
  case ir::ValType::F64: return static_cast<int64_t>(v.raw.i64);
  case ir::ValType::V128: {
    uint64_t lo, hi;
    std::memcpy(&lo, v.raw.v128.bytes, 8);
    std::memcpy(&hi, v.raw.v128.bytes + 8, 8);
    return static_cast<int64_t>(lo * 31 + hi);
  }
  case ir::ValType::FuncRef: return func_index(in, v.raw.ref.ptr);
  case ir::ValType::ExternRef:
    return static_cast<int64_t>(reinterpret_cast<uintptr_t>(v.raw.ref.ptr));
  default: return -3;
  }
}

// The observable state of an instance: its memory 0 (all of it), every table element,
// every global (funcrefs as function indices).
struct State {
  uint32_t pages = 0;
  std::vector<uint8_t> memory;
  std::vector<std::vector<int64_t>> tables;
  std::vector<Value> globals;
};

State capture(Instance& in) {
  State s;
  if (!in.memories.empty()) {
    s.pages = in.memories[0]->pages();
    s.memory.assign(in.memories[0]->data(), in.memories[0]->data() + in.memories[0]->size_bytes());
  }
  for (Table* t : in.tables) {
    std::vector<int64_t>& elems = s.tables.emplace_back();
    for (uint32_t i = 0; i < t->size(); ++i) {
      auto r = t->get(i);
      EXPECT_TRUE(r.ok());
      elems.push_back(normalize(in, Value::ref(t->type().elem, r.ok() ? *r : Ref{})));
    }
  }
  for (Global* g : in.globals) {
    Value v = g->get();
    if (v.type == ir::ValType::FuncRef) { // the function's index, not its address
      const int64_t index = func_index(in, v.raw.ref.ptr);
      v.raw = RawValue{};
      v.raw.i64 = static_cast<uint64_t>(index);
    }
    s.globals.push_back(v);
  }
  return s;
}

void expect_same_state(const State& general, const State& fast, const std::string& what) {
  SCOPED_TRACE(what);
  EXPECT_EQ(general.pages, fast.pages);
  ASSERT_EQ(general.memory.size(), fast.memory.size());
  auto diff = std::mismatch(general.memory.begin(), general.memory.end(), fast.memory.begin());
  EXPECT_TRUE(diff.first == general.memory.end())
      << "memory differs first at byte " << (diff.first - general.memory.begin()) << ": general "
      << int{*diff.first} << ", fast " << int{*diff.second};
  EXPECT_EQ(general.tables, fast.tables);
  ASSERT_EQ(general.globals.size(), fast.globals.size());
  for (size_t i = 0; i < general.globals.size(); ++i)
    EXPECT_TRUE(general.globals[i] == fast.globals[i]) << "global " << i;
}

// The result of calling an export: the trap, or the results (normalized).
struct Outcome {
  std::optional<ErrorCode> trap;
  std::vector<int64_t> results;
  friend bool operator==(const Outcome&, const Outcome&) = default;
};

std::string describe(const Outcome& o) {
  if (o.trap) return "trap " + std::string(error_code_name(*o.trap));
  std::string s = "(";
  for (int64_t r : o.results)
    s += std::to_string(r) + " ";
  return s + ")";
}

Outcome call(Machine& machine, Store& store, Instance& in, const std::string& name,
             std::vector<Value> args = {}) {
  auto x = in.find_export(name);
  EXPECT_TRUE(x && x->func) << name;
  if (!x || !x->func) return Outcome{ErrorCode::InvalidArgument, {}};
  std::vector<Value> results(x->func->type->results.size());
  auto r = machine.call(store, *x->func, args, results);
  if (!r.ok()) return Outcome{r.error().code(), {}};
  Outcome o;
  for (const Value& v : results)
    o.results.push_back(normalize(in, v));
  return o;
}

uint32_t call_i32(Machine& machine, Store& store, Instance& in, const std::string& name,
                  std::vector<Value> args = {}) {
  Outcome o = call(machine, store, in, name, std::move(args));
  EXPECT_FALSE(o.trap) << name << ": " << describe(o);
  return o.trap || o.results.empty() ? 0xdeadbeef : static_cast<uint32_t>(o.results[0]);
}

std::optional<ErrorCode> trap_of(Machine& machine, Store& store, Instance& in,
                                 const std::string& name, std::vector<Value> args = {}) {
  return call(machine, store, in, name, std::move(args)).trap;
}

// One module instantiated both ways: the general algorithm (Store::instantiate with the
// module and imports) and the fast path (an InstancePre), each in a store of its own.
struct Both {
  std::shared_ptr<const CompiledModule> cm;
  std::shared_ptr<const InstancePre> pre;
  Store general_store;
  Store fast_store;
  Machine machine;
  Result<Instance*> general = Error(ErrorCode::InvalidArgument);
  Result<Instance*> fast = Error(ErrorCode::InvalidArgument);

  Both(const std::string& name, std::vector<Extern> imports = {}, MemoryPool* pool = nullptr)
      : fast_store({}, pool) {
    cm = compile_fixture(name);
    if (!cm) return;
    general = interp::instantiate(machine, general_store, *cm, imports);
    auto p = interp::prepare(cm, imports);
    EXPECT_TRUE(p.ok()) << name << ": " << (p.ok() ? "" : p.error().to_string());
    if (!p.ok()) return;
    pre = *p;
    fast = interp::instantiate(machine, fast_store, *pre);
  }
  bool ready() const { return general.ok() && fast.ok(); }
  Instance& g() { return **general; }
  Instance& f() { return **fast; }

  void expect_same(const std::string& what) { expect_same_state(capture(g()), capture(f()), what); }
  // Calls `name` on both instances: the same results (or trap), then the same state.
  Outcome expect_same_call(const std::string& name, std::vector<Value> args = {}) {
    Outcome a = call(machine, general_store, g(), name, args);
    Outcome b = call(machine, fast_store, f(), name, args);
    std::string what = name;
    for (const Value& v : args)
      what += " " + std::to_string(v.raw.i64);
    EXPECT_TRUE(a == b) << what << ": general " << describe(a) << ", fast " << describe(b);
    expect_same(what);
    return b;
  }
};

using skiff::test::protection_at;
using skiff::test::resident_pages;

// ---------------------------------------------------------------------------------------
// 1. Equivalence of the two paths.

// Covers: the fast path gives exactly the general path's state for a module with
// overlapping data segments (later ones win), a data offset and a global read from an
// imported immutable global, segments at the very end of memory and an empty one there,
// element segments by index and by expression overwriting each other (including an
// imported function), an element offset from an imported global, globals of every type,
// a start function that calls through the table and writes memory; then the same results
// and state through call_indirect, memory.init / table.init of passive segments, and the
// dropped state of active (traps for n > 0) and declarative segments.
TEST(InstancePre, FastPathMatchesGeneralPath) {
  Env env;
  Both b("pre_equiv", {func_extern(env.host), global_extern(env.base), global_extern(env.tbase)});
  ASSERT_TRUE(b.general.ok()) << b.general.error().to_string();
  ASSERT_TRUE(b.fast.ok()) << b.fast.error().to_string();
  ASSERT_TRUE(b.pre->fast());
  EXPECT_GT(b.pre->memory_image_bytes(), 0u);
  b.expect_same("after instantiation");

  // Spot-check the reference itself, so a bug shared by both paths shows too.
  const uint8_t* mem = b.f().memories[0]->data();
  EXPECT_EQ(std::memcmp(mem, "AAccBBBBAAAAAAAA", 16), 0);
  EXPECT_EQ(std::memcmp(mem + 1000, "at base", 7), 0);
  EXPECT_EQ(std::memcmp(mem + 65534, "span", 4), 0);
  EXPECT_EQ(std::memcmp(mem + 2 * kPage - 4, "end!", 4), 0);
  uint32_t at200;
  std::memcpy(&at200, mem + 200, 4);
  EXPECT_EQ(at200, 101u); // the start function ran, through the table
  EXPECT_EQ(mem[70000], 0x5a);
  EXPECT_EQ(b.f().find_export("counter")->global->get(), Value::i32(1));
  EXPECT_EQ(b.f().find_export("g_base")->global->get(), Value::i32(1000));
  const ir::Module& m = b.cm->module();
  const uint32_t own = m.imported_funcs; // $f0
  std::vector<int64_t> expect_t = {own + 0, own + 1, own + 2, -1, -1, own + 3, own + 1, -1, -1, -1};
  EXPECT_EQ(capture(b.f()).tables[0], expect_t);

  for (uint32_t i = 0; i < 11; ++i)
    b.expect_same_call("call", {Value::i32(i)});
  EXPECT_EQ(call_i32(b.machine, b.fast_store, b.f(), "call", {Value::i32(6)}), 101u);
  EXPECT_EQ(trap_of(b.machine, b.fast_store, b.f(), "call", {Value::i32(3)}),
            ErrorCode::TrapUninitializedElement);
  for (uint32_t i = 0; i < 3; ++i)
    b.expect_same_call("call2", {Value::i32(i)});
  b.expect_same_call("ref_f4");
  b.expect_same_call("get", {Value::i32(1)});

  for (uint32_t n : {0u, 1u}) {
    b.expect_same_call("init_active_data", {Value::i32(n)});
    b.expect_same_call("init_active_elem", {Value::i32(n)});
    b.expect_same_call("init_declared_elem", {Value::i32(n)});
  }
  EXPECT_EQ(trap_of(b.machine, b.fast_store, b.f(), "init_active_data", {Value::i32(1)}),
            ErrorCode::TrapOutOfBoundsMemory);
  EXPECT_EQ(trap_of(b.machine, b.fast_store, b.f(), "init_active_elem", {Value::i32(1)}),
            ErrorCode::TrapOutOfBoundsTable);

  b.expect_same_call("init");
  EXPECT_EQ(std::memcmp(mem + 300, "passive bytes", 13), 0);
  EXPECT_EQ(call_i32(b.machine, b.fast_store, b.f(), "call2", {Value::i32(2)}),
            99u); // the host function
  for (uint32_t i = 0; i < 3; ++i)
    b.expect_same_call("call2", {Value::i32(i)});
  for (uint32_t i = 7; i < 10; ++i)
    b.expect_same_call("call", {Value::i32(i)});
  b.expect_same_call("init"); // segments now dropped: traps the same way
}

// Covers: equivalence for modules without imports: a table of expressions only, a
// funcref global, no start; and the existing fixtures (segments of every mode, tables
// of both types, SIMD, a start function that traps, a data segment out of bounds): the
// same instantiation result and the same state.
TEST(InstancePre, FastPathMatchesGeneralPathOnFixtures) {
  for (const char* name :
       {"pre_plain", "pre_global_ref", "pre_lazy", "pre_funcs", "pre_iso_a", "pre_oob_data",
        "pre_oob_elem", "inst_segments", "tables_refs", "memory_data", "interp_basics", "control",
        "many_funcs", "simd", "api_pure", "api_segment_trap", "api_start_trap", "run_start_trap",
        "run_exports"}) {
    SCOPED_TRACE(name);
    Both b(name);
    ASSERT_TRUE(b.cm && b.pre);
    ASSERT_EQ(b.general.ok(), b.fast.ok())
        << (b.general.ok() ? b.fast.error() : b.general.error()).to_string();
    if (!b.general.ok()) {
      EXPECT_EQ(b.general.error().code(), b.fast.error().code());
      EXPECT_EQ(b.general.error().message(), b.fast.error().message());
      continue;
    }
    b.expect_same(name);
  }
  Both p("pre_plain");
  ASSERT_TRUE(p.ready());
  EXPECT_TRUE(p.pre->fast());
  for (uint32_t i = 0; i < 5; ++i)
    p.expect_same_call("call", {Value::i32(i)});
  EXPECT_EQ(call_i32(p.machine, p.fast_store, p.f(), "call", {Value::i32(2)}), 2u);
  EXPECT_EQ(call_i32(p.machine, p.fast_store, p.f(), "call", {Value::i32(3)}), 1u);
  const uint8_t* mem = p.f().memories[0]->data();
  EXPECT_EQ(std::memcmp(mem, "hEAd", 4), 0);
  EXPECT_EQ(mem[65535], 'z');
}

// ---------------------------------------------------------------------------------------
// 2. Fallbacks to the general algorithm.

// Covers: a data segment out of bounds (its offset from an imported global) makes the
// InstancePre take the general path, and instantiating from it traps with exactly the
// general path's error; the same module with an offset that fits is fast and correct.
TEST(InstancePre, DataOutOfBoundsFallsBackAndTraps) {
  for (uint32_t base : {65534u, 65536u, 0xFFFFFFFFu}) {
    SCOPED_TRACE(base);
    Env env(base);
    Both b("pre_fallback", {global_extern(env.base)});
    ASSERT_TRUE(b.pre);
    EXPECT_FALSE(b.pre->fast());
    EXPECT_EQ(b.pre->memory_image_bytes(), 0u);
    ASSERT_FALSE(b.general.ok());
    ASSERT_FALSE(b.fast.ok());
    EXPECT_EQ(b.fast.error().code(), ErrorCode::TrapOutOfBoundsMemory);
    EXPECT_EQ(b.fast.error().code(), b.general.error().code());
    EXPECT_EQ(b.fast.error().message(), b.general.error().message());
  }
  Env env(65533); // "abc" ends exactly at the end of memory
  Both b("pre_fallback", {global_extern(env.base)});
  ASSERT_TRUE(b.ready());
  EXPECT_TRUE(b.pre->fast());
  b.expect_same("fits");
  EXPECT_EQ(std::memcmp(b.f().memories[0]->data() + 65533, "abc", 3), 0);

  Both own("pre_oob_data");
  ASSERT_TRUE(own.pre);
  EXPECT_FALSE(own.pre->fast());
  ASSERT_FALSE(own.fast.ok());
  ASSERT_FALSE(own.general.ok());
  EXPECT_EQ(own.fast.error().code(), ErrorCode::TrapOutOfBoundsMemory);
  EXPECT_EQ(own.general.error().code(), ErrorCode::TrapOutOfBoundsMemory);
}

// Covers: images far past their segments' bytes are not built (a byte at the end of a
// 4 GiB memory, an element at 249,999,999): general path, whose store limits then apply;
// with room for them the byte is where it belongs.
TEST(InstancePre, SparseImagesFallBack) {
  auto data = compile_fixture("pre_sparse_data");
  auto table = compile_fixture("pre_sparse_table");
  ASSERT_TRUE(data && table);
  auto pre_data = interp::prepare(data, {});
  auto pre_table = interp::prepare(table, {});
  ASSERT_TRUE(pre_data.ok() && pre_table.ok());
  EXPECT_FALSE((*pre_data)->fast());
  EXPECT_EQ((*pre_data)->memory_image_bytes(), 0u);
  EXPECT_FALSE((*pre_table)->fast());
  Machine machine;
  Store limited;  // 10M table elements
  auto too_long = interp::instantiate(machine, limited, **pre_table);
  ASSERT_FALSE(too_long.ok());
  EXPECT_EQ(too_long.error().code(), ErrorCode::TableLimit);
  Store whole;
  auto inst = interp::instantiate(machine, whole, **pre_data);
  ASSERT_TRUE(inst.ok()) << inst.error().to_string();
  EXPECT_EQ(call_i32(machine, whole, **inst, "last"), static_cast<uint32_t>('x'));
}

// Covers: tables draw on one store-wide element budget, at creation and on grow, so a
// module cannot multiply the per-table limit by declaring many tables.
TEST(InstancePre, TablesShareTheStoresElementBudget) {
  auto cm = compile_fixture("pre_two_tables");
  ASSERT_TRUE(cm);
  Machine machine;
  Store s;  // 10M elements per table and per store
  auto inst = interp::instantiate(machine, s, *cm, {});
  ASSERT_TRUE(inst.ok()) << inst.error().to_string();
  EXPECT_EQ(call_i32(machine, s, **inst, "grow_b", {Value::i32(4'000'001)}), static_cast<uint32_t>(-1));
  EXPECT_EQ(call_i32(machine, s, **inst, "grow_b", {Value::i32(4'000'000)}), 0u);
  EXPECT_EQ(call_i32(machine, s, **inst, "grow_b", {Value::i32(1)}), static_cast<uint32_t>(-1));
  auto second = interp::instantiate(machine, s, *cm, {});
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code(), ErrorCode::TableLimit);
  runtime::StoreLimits roomy;
  roomy.max_store_table_elements = 20'000'000;
  Store r(roomy);
  EXPECT_TRUE(interp::instantiate(machine, r, *cm, {}).ok());
  EXPECT_TRUE(interp::instantiate(machine, r, *cm, {}).ok());
}

// Covers: instantiating from an InstancePre that fell back leaves exactly the general
// path's partial effects in imported objects: the element segment and the first data
// segment applied, nothing of the failing one.
TEST(InstancePre, TrapPartWayLeavesTheSameEffects) {
  auto cm = compile_fixture("inst_partial");
  ASSERT_TRUE(cm);
  Store env;
  Machine machine;
  auto run = [&](bool use_pre) {
    Table* tab = *env.add_table(ir::TableType{ir::ValType::FuncRef, ir::Limits{2, std::nullopt}});
    Memory* mem = *env.add_memory(ir::MemType{ir::Limits{1, std::nullopt}});
    std::vector<Extern> imports = {table_extern(tab), memory_extern(mem)};
    std::shared_ptr<const InstancePre> pre;
    Result<Instance*> inst = Error(ErrorCode::InvalidArgument);
    if (use_pre) {
      pre = *interp::prepare(cm, imports);
      EXPECT_FALSE(pre->fast());
      inst = interp::instantiate(machine, env, *pre);
    } else {
      inst = interp::instantiate(machine, env, *cm, imports);
    }
    EXPECT_FALSE(inst.ok());
    EXPECT_EQ(inst.error().code(), ErrorCode::TrapOutOfBoundsMemory);
    std::vector<uint8_t> bytes(mem->data(), mem->data() + mem->size_bytes());
    auto first = tab->get(0);
    auto second = tab->get(1);
    EXPECT_FALSE(first->is_null());
    EXPECT_TRUE(second->is_null());
    EXPECT_EQ(static_cast<const FuncInstance*>(first->ptr)->defined_index, 0u);
    return bytes;
  };
  std::vector<uint8_t> general = run(false);
  std::vector<uint8_t> fast = run(true);
  EXPECT_TRUE(general == fast);
  EXPECT_EQ(std::memcmp(fast.data(), "first", 5), 0);
  EXPECT_EQ(fast[65534], 0);
}

// Covers: an element segment out of bounds of the module's own table: general path, and
// TrapOutOfBoundsTable as there.
TEST(InstancePre, ElementsOutOfBoundsFallBackAndTrap) {
  Both b("pre_oob_elem");
  ASSERT_TRUE(b.pre);
  EXPECT_FALSE(b.pre->fast());
  ASSERT_FALSE(b.fast.ok());
  ASSERT_FALSE(b.general.ok());
  EXPECT_EQ(b.fast.error().code(), ErrorCode::TrapOutOfBoundsTable);
  EXPECT_EQ(b.general.error().code(), ErrorCode::TrapOutOfBoundsTable);
}

// Covers: data into an imported memory and elements into an imported table take the
// general path, and instantiating from the InstancePre (twice) applies them.
TEST(InstancePre, ImportedMemoryAndTableFallBack) {
  Store env;
  Machine machine;
  Memory* mem = *env.add_memory(ir::MemType{ir::Limits{1, std::nullopt}});
  auto cm_mem = compile_fixture("pre_import_mem");
  ASSERT_TRUE(cm_mem);
  auto pre_mem = interp::prepare(cm_mem, {memory_extern(mem)});
  ASSERT_TRUE(pre_mem.ok()) << pre_mem.error().to_string();
  EXPECT_FALSE((*pre_mem)->fast());
  for (int round = 0; round < 2; ++round) {
    std::memset(mem->data(), 0, 64);
    Store store;
    auto inst = interp::instantiate(machine, store, **pre_mem);
    ASSERT_TRUE(inst.ok()) << inst.error().to_string();
    EXPECT_EQ(std::memcmp(mem->data() + 10, "into import", 11), 0);
    EXPECT_EQ(call_i32(machine, store, **inst, "load", {Value::i32(10)}), uint32_t{'i'});
  }

  Table* tab = *env.add_table(ir::TableType{ir::ValType::FuncRef, ir::Limits{2, std::nullopt}});
  auto cm_tab = compile_fixture("pre_import_tab");
  ASSERT_TRUE(cm_tab);
  auto pre_tab = interp::prepare(cm_tab, {table_extern(tab)});
  ASSERT_TRUE(pre_tab.ok()) << pre_tab.error().to_string();
  EXPECT_FALSE((*pre_tab)->fast());
  Store store;
  auto inst = interp::instantiate(machine, store, **pre_tab);
  ASSERT_TRUE(inst.ok()) << inst.error().to_string();
  EXPECT_EQ(call_i32(machine, store, **inst, "call", {Value::i32(1)}), 9u);
  EXPECT_EQ(trap_of(machine, store, **inst, "call", {Value::i32(0)}),
            ErrorCode::TrapUninitializedElement);
  EXPECT_EQ(tab->get(1)->ptr, (*inst)->funcs[0]);
  EXPECT_EQ(std::memcmp((*inst)->memories[0]->data(), "own", 3), 0);
}

// Covers: a global initialized with ref.func (evaluated at instantiation, not in the
// InstancePre) holds the instance's own FuncInstance, the one its export and table give.
TEST(InstancePre, RefFuncGlobalIsEvaluatedPerInstance) {
  Both b("pre_global_ref");
  ASSERT_TRUE(b.ready());
  EXPECT_TRUE(b.pre->fast());
  b.expect_same("instantiated");
  for (Instance* in : {&b.g(), &b.f()}) {
    const FuncInstance* f = in->find_export("f")->func;
    EXPECT_EQ(in->find_export("r")->global->get().raw.ref.ptr, f);
    EXPECT_EQ(f->instance, in);
    EXPECT_EQ(in->find_export("k")->global->get(), Value::i32(42));
    EXPECT_EQ(in->tables[0]->get(0)->ptr, f);
  }
  b.expect_same_call("call_r");
  EXPECT_EQ(call_i32(b.machine, b.fast_store, b.f(), "call_r"), 3u);
  // A second instance from the same InstancePre gets its own function, not the first's.
  auto second = interp::instantiate(b.machine, b.fast_store, *b.pre);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ((*second)->find_export("r")->global->get().raw.ref.ptr,
            (*second)->find_export("f")->func);
  EXPECT_NE((*second)->find_export("f")->func, b.f().find_export("f")->func);
}

// Covers: the store's limits hold on the fast path as on the general one: the instance
// limit, a memory minimum above the page limit (MemoryLimit), a table minimum above the
// element limit (TableLimit), and memory.grow capped by the page limit.
TEST(InstancePre, StoreLimitsApplyToFastPath) {
  auto lazy = compile_fixture("pre_lazy");
  auto iso = compile_fixture("pre_iso_a");
  ASSERT_TRUE(lazy && iso);
  auto pre_lazy = interp::prepare(lazy, {});
  auto pre_iso = interp::prepare(iso, {});
  ASSERT_TRUE(pre_lazy.ok() && pre_iso.ok());
  ASSERT_TRUE((*pre_lazy)->fast() && (*pre_iso)->fast());
  Machine machine;

  runtime::StoreLimits one;
  one.max_instances = 1;
  Store s1(one);
  EXPECT_TRUE(interp::instantiate(machine, s1, **pre_lazy).ok());
  auto second = interp::instantiate(machine, s1, **pre_lazy);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code(), ErrorCode::InstanceLimit);

  runtime::StoreLimits pages;
  pages.max_memory_pages = 1;
  Store s2(pages), g2(pages);
  auto too_big = interp::instantiate(machine, s2, **pre_iso);
  ASSERT_FALSE(too_big.ok());
  EXPECT_EQ(too_big.error().code(), ErrorCode::MemoryLimit);
  auto too_big_general = interp::instantiate(machine, g2, *iso, {});
  ASSERT_FALSE(too_big_general.ok());
  EXPECT_EQ(too_big_general.error().code(), ErrorCode::MemoryLimit);

  runtime::StoreLimits elems;
  elems.max_table_elements = 4;
  Store s3(elems);
  auto too_long = interp::instantiate(machine, s3, **pre_lazy);
  ASSERT_FALSE(too_long.ok());
  EXPECT_EQ(too_long.error().code(), ErrorCode::TableLimit);

  runtime::StoreLimits three;
  three.max_memory_pages = 3;
  Store s4(three);
  auto capped = interp::instantiate(machine, s4, **pre_iso);
  ASSERT_TRUE(capped.ok()) << capped.error().to_string();
  EXPECT_EQ(call_i32(machine, s4, **capped, "grow", {Value::i32(2)}), static_cast<uint32_t>(-1));
  EXPECT_EQ(call_i32(machine, s4, **capped, "grow", {Value::i32(1)}), 2u);
  EXPECT_EQ(call_i32(machine, s4, **capped, "size"), 3u);
}

// Covers: an InstancePre keeps its compiled module alive (prepare's owner): instantiating
// and running after every other reference to the module is gone (ASan checks the rest).
TEST(InstancePre, KeepsItsModuleAlive) {
  std::shared_ptr<const InstancePre> pre;
  {
    auto p = interp::prepare(compile_fixture("pre_plain"), {});
    ASSERT_TRUE(p.ok());
    pre = *p;
  }
  Store store;
  Machine machine;
  auto inst = interp::instantiate(machine, store, *pre);
  ASSERT_TRUE(inst.ok()) << inst.error().to_string();
  EXPECT_EQ(call_i32(machine, store, **inst, "call", {Value::i32(2)}), 2u);
  EXPECT_EQ((*inst)->memories[0]->data()[65535], 'z');
}

// ---------------------------------------------------------------------------------------
// 3. Lazily filled tables.

// Covers: a table filled lazily from its image behaves as the general path's eager one
// through call_indirect, table.get, table.set of null and of a function over image
// entries, overlapping table.copy both ways, table.fill, table.grow (with a function and
// with null) and table.size; an explicit null stays null; a fresh instance from the same
// InstancePre sees the pristine image again.
TEST(InstancePre, LazyTableMatchesEagerTable) {
  Both b("pre_lazy");
  ASSERT_TRUE(b.ready());
  ASSERT_TRUE(b.pre->fast());
  b.expect_same("instantiated");
  const int64_t a = 0, bb = 1, c = 2, d = 3;
  EXPECT_EQ(capture(b.f()).tables[0], (std::vector<int64_t>{a, bb, c, -1, -1, d, -1, -1}));

  for (uint32_t i = 0; i < 9; ++i) {
    b.expect_same_call("call", {Value::i32(i)});
    b.expect_same_call("is_null", {Value::i32(i)});
  }
  b.expect_same_call("set_null", {Value::i32(1)});
  b.expect_same_call("call", {Value::i32(1)});
  EXPECT_EQ(trap_of(b.machine, b.fast_store, b.f(), "call", {Value::i32(1)}),
            ErrorCode::TrapUninitializedElement);
  EXPECT_EQ(call_i32(b.machine, b.fast_store, b.f(), "is_null", {Value::i32(1)}), 1u);
  EXPECT_TRUE(b.f().tables[0]->get(1)->is_null());

  b.expect_same_call("copy", {Value::i32(2), Value::i32(0), Value::i32(3)}); // backwards overlap
  EXPECT_EQ(capture(b.f()).tables[0], (std::vector<int64_t>{a, -1, a, -1, c, d, -1, -1}));
  b.expect_same_call("copy",
                     {Value::i32(0), Value::i32(5), Value::i32(3)}); // image and unset slots
  EXPECT_EQ(capture(b.f()).tables[0], (std::vector<int64_t>{d, -1, -1, -1, c, d, -1, -1}));
  b.expect_same_call("copy", {Value::i32(3), Value::i32(4), Value::i32(2)}); // forwards overlap
  b.expect_same_call("set_d", {Value::i32(6)});
  b.expect_same_call("fill_null", {Value::i32(5), Value::i32(1)});
  b.expect_same_call("call", {Value::i32(5)});
  b.expect_same_call("grow", {Value::i32(2)});
  b.expect_same_call("grow_null", {Value::i32(1)});
  b.expect_same_call("size");
  EXPECT_EQ(call_i32(b.machine, b.fast_store, b.f(), "size"), 11u);
  for (uint32_t i = 0; i < 12; ++i)
    b.expect_same_call("call", {Value::i32(i)});
  EXPECT_EQ(call_i32(b.machine, b.fast_store, b.f(), "call", {Value::i32(9)}), 2u);
  b.expect_same_call("fill_null", {Value::i32(0), Value::i32(11)});
  for (uint32_t i = 0; i < 12; ++i)
    b.expect_same_call("is_null", {Value::i32(i)});

  // The image is shared, the elements are not.
  auto second = interp::instantiate(b.machine, b.fast_store, *b.pre);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(capture(**second).tables[0], (std::vector<int64_t>{a, bb, c, -1, -1, d, -1, -1}));
  EXPECT_EQ((*second)->tables[0]->get(0)->ptr, (*second)->funcs[0]);
  EXPECT_EQ(static_cast<const FuncInstance*>((*second)->tables[0]->get(0)->ptr)->instance, *second);
}

// Covers: the host writing into a lazy table (Table::set of null over an image entry and
// of a function past the image) and reading it back; an externref table (never lazy)
// keeps the value 1, the lazy tables' null tag, as a real reference through table.get,
// table.copy and table.grow, seen from wasm and from the host.
TEST(InstancePre, HostWritesAndExternrefOne) {
  Both b("pre_lazy");
  ASSERT_TRUE(b.ready());
  for (Instance* in : {&b.g(), &b.f()}) {
    Store& store = in == &b.g() ? b.general_store : b.fast_store;
    SCOPED_TRACE(in == &b.g() ? "general" : "fast");
    Table* t = in->find_export("t")->table;
    ASSERT_TRUE(t->set(0, Ref{}).ok());
    EXPECT_TRUE(t->get(0)->is_null());
    EXPECT_EQ(call_i32(b.machine, store, *in, "is_null", {Value::i32(0)}), 1u);
    EXPECT_EQ(trap_of(b.machine, store, *in, "call", {Value::i32(0)}),
              ErrorCode::TrapUninitializedElement);
    ASSERT_TRUE(t->set(7, Ref{in->func(3)}).ok());
    EXPECT_EQ(call_i32(b.machine, store, *in, "call", {Value::i32(7)}), 4u);
    EXPECT_EQ(call_i32(b.machine, store, *in, "call", {Value::i32(2)}), 3u);

    Table* e = in->find_export("e")->table;
    const Ref one{reinterpret_cast<const void*>(uintptr_t{1})};
    ASSERT_TRUE(e->set(0, one).ok());
    EXPECT_EQ(e->get(0)->ptr, one.ptr);
    EXPECT_EQ(call_i32(b.machine, store, *in, "ext_is_null", {Value::i32(0)}), 0u);
    EXPECT_EQ(call_i32(b.machine, store, *in, "ext_is_null", {Value::i32(1)}), 1u);
    Outcome got = call(b.machine, store, *in, "ext_get", {Value::i32(0)});
    EXPECT_EQ(got.results, std::vector<int64_t>{1}) << describe(got);
    EXPECT_FALSE(
        call(b.machine, store, *in, "ext_copy", {Value::i32(2), Value::i32(0), Value::i32(1)})
            .trap);
    EXPECT_EQ(e->get(2)->ptr, one.ptr);
    EXPECT_EQ(call_i32(b.machine, store, *in, "ext_grow",
                       {Value::ref(ir::ValType::ExternRef, one), Value::i32(2)}),
              3u);
    EXPECT_EQ(e->get(3)->ptr, one.ptr);
    EXPECT_EQ(e->get(4)->ptr, one.ptr);
    EXPECT_EQ(call_i32(b.machine, store, *in, "ext_is_null", {Value::i32(4)}), 0u);
  }
  b.expect_same("after host writes");
}

// ---------------------------------------------------------------------------------------
// 4. Isolation across pooled reuse.

struct IsoModule {
  std::shared_ptr<const CompiledModule> cm;
  std::shared_ptr<const InstancePre> pre;
  std::vector<uint8_t> pristine; // the whole initial memory, from the general path
  explicit IsoModule(const std::string& name) {
    cm = compile_fixture(name);
    if (!cm) return;
    auto p = interp::prepare(cm, {});
    EXPECT_TRUE(p.ok());
    if (p.ok()) pre = *p;
    Store store; // no pool
    Machine machine;
    auto inst = interp::instantiate(machine, store, *cm, {});
    EXPECT_TRUE(inst.ok());
    if (!inst.ok()) return;
    Memory* m = (*inst)->memories[0];
    pristine.assign(m->data(), m->data() + m->size_bytes());
  }
};

// Instantiates `mod` from its InstancePre in `store` and checks the memory is exactly
// the pristine initial memory, no larger, with nothing accessible after it.
Instance* expect_pristine(Machine& machine, Store& store, const IsoModule& mod,
                          const std::string& what) {
  SCOPED_TRACE(what);
  auto inst = interp::instantiate(machine, store, *mod.pre);
  EXPECT_TRUE(inst.ok()) << (inst.ok() ? "" : inst.error().to_string());
  if (!inst.ok()) return nullptr;
  Memory* m = (*inst)->memories[0];
  const uint32_t pages = static_cast<uint32_t>(mod.pristine.size() / kPage);
  EXPECT_EQ(m->pages(), pages);
  EXPECT_EQ(call_i32(machine, store, **inst, "size"), pages);
  if (m->size_bytes() != mod.pristine.size()) return *inst;
  auto diff = std::mismatch(mod.pristine.begin(), mod.pristine.end(), m->data());
  EXPECT_TRUE(diff.first == mod.pristine.end())
      << "memory differs first at byte " << (diff.first - mod.pristine.begin()) << ": expected "
      << int{*diff.first} << ", got " << int{*diff.second};
  const uint32_t end = pages * kPage;
  EXPECT_EQ(trap_of(machine, store, **inst, "load8", {Value::i32(end)}),
            ErrorCode::TrapOutOfBoundsMemory);
  EXPECT_EQ(trap_of(machine, store, **inst, "load8", {Value::i32(end + 3 * kPage - 1)}),
            ErrorCode::TrapOutOfBoundsMemory);
  EXPECT_EQ(protection_at(m->data() + end), "---p");
  EXPECT_EQ(protection_at(m->data() + end + 4 * kPage - 1), "---p");
  EXPECT_EQ(resident_pages(m->data() + end, 4 * kPage), 0u);
  return *inst;
}

// Dirties an instance's memory: image pages (both wasm pages of pre_iso_a's image), zero
// pages, the last byte, then grows by 3 pages and writes into those.
void scribble(Machine& machine, Store& store, Instance& in) {
  const uint32_t pages = in.memories[0]->pages();
  const uint32_t end = pages * kPage;
  for (uint32_t addr : {0u, 3u, 6u, 65636u, 65640u, 100000u, end - 1})
    EXPECT_FALSE(trap_of(machine, store, in, "store8", {Value::i32(addr), Value::i32(0xEE)}));
  EXPECT_EQ(call_i32(machine, store, in, "grow", {Value::i32(3)}), pages);
  for (uint32_t addr : {end, end + kPage + 7, end + 3 * kPage - 1})
    EXPECT_FALSE(trap_of(machine, store, in, "store8", {Value::i32(addr), Value::i32(0x33)}));
  EXPECT_EQ(call_i32(machine, store, in, "load8", {Value::i32(end + 3 * kPage - 1)}), 0x33u);
}

// Covers: with one MemoryPool shared by sequential stores, an instance that wrote to
// image pages and zero pages and grew its memory leaves nothing behind: the next
// instance of the same InstancePre gets the same (reused) reservation with the pristine
// image and zeros, the initial size, and the grown pages out of bounds (trap) and
// inaccessible (PROT_NONE, not resident); growing again gives zero pages. Instances of
// other modules reusing the reservation -- another image, no data, a smaller initial
// memory -- see only their own initial memory, and the first module afterwards too.
// Each of the pool's ways of finding the changed pages runs the whole sequence, both
// restoring changed pages in place (copied back from the image, zeroed) and discarding
// them (keep_resident = 0).
struct PoolMode {
  MemoryPool::Cleanup cleanup;
  size_t keep_resident;
  const char* name;
};
class PooledMemory : public ::testing::TestWithParam<PoolMode> {};
INSTANTIATE_TEST_SUITE_P(Cleanups, PooledMemory,
                         ::testing::Values(PoolMode{MemoryPool::Cleanup::Best, 1 << 20, "BestRestore"},
                                           PoolMode{MemoryPool::Cleanup::Best, 0, "BestDiscard"},
                                           PoolMode{MemoryPool::Cleanup::PerPage, 1 << 20, "PerPageRestore"},
                                           PoolMode{MemoryPool::Cleanup::PerPage, 0, "PerPageDiscard"},
                                           PoolMode{MemoryPool::Cleanup::Whole, 0, "Whole"}),
                         [](const ::testing::TestParamInfo<PoolMode>& p) { return std::string(p.param.name); });
TEST_P(PooledMemory, IsPristineOnReuse) {
  IsoModule a("pre_iso_a"), b("pre_iso_b"), none("pre_iso_none"), small("pre_iso_small");
  ASSERT_TRUE(a.pre && b.pre && none.pre && small.pre);
  ASSERT_TRUE(a.pre->fast() && b.pre->fast() && none.pre->fast() && small.pre->fast());
  EXPECT_GT(a.pre->memory_image_bytes(), size_t{65536}); // the image reaches the second page
  EXPECT_EQ(none.pre->memory_image_bytes(), 0u);
  EXPECT_EQ(a.pristine[0], 'I');
  EXPECT_EQ(a.pristine[65636], 'A');

  MemoryPool pool(4096, GetParam().cleanup, GetParam().keep_resident);
  Machine machine;
  uint8_t* base = nullptr;
  {
    Store store({}, &pool);
    Instance* in = expect_pristine(machine, store, a, "A, fresh");
    ASSERT_TRUE(in);
    base = in->memories[0]->data();
    scribble(machine, store, *in);
  }
  EXPECT_EQ(pool.idle(), 1u);

  const std::pair<const IsoModule*, const char*> sequence[] = {
      {&a, "A reused"},           {&a, "A again"},         {&b, "B, other image"},
      {&b, "B reused"},           {&none, "no data"},      {&a, "A after no data"},
      {&small, "smaller memory"}, {&a, "A after smaller"}, {&small, "smaller again"},
      {&none, "no data again"},   {&b, "B last"}};
  for (const auto& [mod, what] : sequence) {
    {
      Store store({}, &pool);
      Instance* in = expect_pristine(machine, store, *mod, what);
      ASSERT_TRUE(in);
      EXPECT_EQ(in->memories[0]->data(), base) << what << ": the pooled reservation was not reused";
      EXPECT_EQ(pool.idle(), 0u) << what;
      // Growing again gives zeros where the previous instance had written.
      const uint32_t end = in->memories[0]->pages() * kPage;
      EXPECT_EQ(call_i32(machine, store, *in, "grow", {Value::i32(3)}), end / kPage);
      for (uint32_t addr : {end, end + kPage + 7, end + 3 * kPage - 1})
        EXPECT_EQ(call_i32(machine, store, *in, "load8", {Value::i32(addr)}), 0u)
            << what << " at " << addr;
      scribble(machine, store, *in); // grows by 3 more: at most 8 pages
    }
    EXPECT_EQ(pool.idle(), 1u) << what;
  }
}

// Covers: two instances of one InstancePre alive at once (same store and different
// stores) have separate copy-on-write memories; both reservations go back to the pool
// and come back pristine.
TEST(InstancePre, ConcurrentInstancesDoNotShareWrites) {
  IsoModule a("pre_iso_a");
  ASSERT_TRUE(a.pre);
  MemoryPool pool;
  Machine machine;
  {
    Store s1({}, &pool), s2({}, &pool);
    Instance* x = expect_pristine(machine, s1, a, "x");
    Instance* y = expect_pristine(machine, s1, a, "y, same store");
    Instance* z = expect_pristine(machine, s2, a, "z, other store");
    ASSERT_TRUE(x && y && z);
    EXPECT_NE(x->memories[0]->data(), y->memories[0]->data());
    EXPECT_FALSE(trap_of(machine, s1, *x, "store8", {Value::i32(0), Value::i32('x')}));
    EXPECT_FALSE(trap_of(machine, s1, *y, "store8", {Value::i32(100000), Value::i32('y')}));
    EXPECT_EQ(call_i32(machine, s1, *y, "load8", {Value::i32(0)}), uint32_t{'I'});
    EXPECT_EQ(call_i32(machine, s2, *z, "load8", {Value::i32(0)}), uint32_t{'I'});
    EXPECT_EQ(call_i32(machine, s1, *x, "load8", {Value::i32(100000)}), 0u);
    EXPECT_EQ(call_i32(machine, s1, *x, "load8", {Value::i32(0)}), uint32_t{'x'});
  }
  EXPECT_EQ(pool.idle(), 3u);
  Store s({}, &pool);
  for (int i = 0; i < 3; ++i)
    ASSERT_TRUE(expect_pristine(machine, s, a, "reused " + std::to_string(i)));
  EXPECT_EQ(pool.idle(), 0u);
}

// ---------------------------------------------------------------------------------------
// 5. Function instances made on first use.

// Covers: on both paths, one function exported twice, ref.func'd twice and placed twice
// in a table is one FuncInstance (the instance's funcs[] entry), find_export returns the
// same pointer each time, it belongs to the instance and runs; another function and
// another instance's function are different FuncInstances.
TEST(InstancePre, FunctionInstancesAreMadeOnce) {
  Both b("pre_funcs");
  ASSERT_TRUE(b.ready());
  EXPECT_TRUE(b.pre->fast());
  for (Instance* in : {&b.g(), &b.f()}) {
    Store& store = in == &b.g() ? b.general_store : b.fast_store;
    SCOPED_TRACE(in == &b.g() ? "general" : "fast");
    const FuncInstance* f = in->find_export("f")->func;
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(in->find_export("f")->func, f);
    EXPECT_EQ(in->find_export("f_again")->func, f);
    EXPECT_EQ(in->funcs[0], f);
    EXPECT_EQ(in->func(0), f);
    EXPECT_EQ(f->instance, in);
    EXPECT_EQ(f->defined_index, 0u);
    EXPECT_EQ(*f->type, b.cm->module().func_type(ir::FuncIdx(0)));
    EXPECT_EQ(call(b.machine, store, *in, "ref1").results, std::vector<int64_t>{0});
    EXPECT_EQ(call(b.machine, store, *in, "ref2").results, std::vector<int64_t>{0});
    EXPECT_EQ(call(b.machine, store, *in, "get", {Value::i32(0)}).results, std::vector<int64_t>{0});
    EXPECT_EQ(call(b.machine, store, *in, "get", {Value::i32(1)}).results, std::vector<int64_t>{0});
    EXPECT_EQ(in->tables[0]->get(0)->ptr, f);
    EXPECT_EQ(in->tables[0]->get(1)->ptr, f);
    const FuncInstance* g = in->find_export("g")->func;
    EXPECT_NE(g, f);
    EXPECT_EQ(in->find_export("g")->func, g);
    EXPECT_EQ(g->defined_index, 1u);
    EXPECT_EQ(call_i32(b.machine, store, *in, "f"), 5u);
    EXPECT_EQ(call_i32(b.machine, store, *in, "g"), 6u);
  }
  // ref.func before any export was looked up makes the same one the export later gives.
  auto fresh = interp::instantiate(b.machine, b.fast_store, *b.pre);
  ASSERT_TRUE(fresh.ok());
  EXPECT_EQ((*fresh)->funcs[0], nullptr); // not made yet
  Outcome r = call(b.machine, b.fast_store, **fresh, "ref1");
  ASSERT_FALSE(r.trap);
  EXPECT_EQ(r.results, std::vector<int64_t>{0});
  EXPECT_EQ((*fresh)->find_export("f_again")->func, (*fresh)->funcs[0]);
  EXPECT_NE((*fresh)->funcs[0], b.f().funcs[0]);
  EXPECT_EQ((*fresh)->funcs[0]->instance, *fresh);
}

} // namespace
} // namespace skiff::engine::interp
