// The embedding API (include/skiff) end to end, over the fixtures api_host.wat (host
// functions) and api_pure.wat (no imports).
#include "skiff/skiff.h"

#include <gtest/gtest.h>

#include <pthread.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <stdexcept>
#include <string>
#include <thread>
#include <chrono>
#include <vector>

namespace skiff {
namespace {

std::string fixture_path(const std::string& name) {
  return (std::filesystem::path(SKIFF_TEST_FIXTURES) / (name + ".wasm")).string();
}

Module load(const Engine& engine, const std::string& name) {
  Result<Module> m = Module::from_file(engine, fixture_path(name));
  EXPECT_TRUE(m.ok()) << m.error().to_string();
  return std::move(*m);
}

int32_t add_i32(int32_t a, int32_t b) { return a + b; }

// Every import of api_host.wat with a plain definition (lambdas and a function
// pointer); tests redefine what they probe.
Linker host_linker() {
  Linker l;
  l.func_wrap("host", "all_types", [](int32_t a, int64_t b, float c, double d) {
    return std::tuple<int32_t, int64_t, float, double>(a, b, c, d);
  });
  l.func_wrap("host", "unsigned", [](uint32_t a, uint64_t b) { return uint64_t{a} + b; });
  l.func_wrap("host", "add", &add_i32);
  l.func_wrap("host", "log", [](uint32_t, uint32_t) {});
  l.func_wrap("host", "fill", [](uint32_t, uint32_t, uint32_t) {});
  l.func_wrap("host", "check", [n = 0](int32_t x) mutable { return x + 0 * ++n; });
  l.func_wrap("host", "reenter", [](int32_t x) { return x; });
  return l;
}

std::string error_text(const Error& e) { return e.to_string(); }

// Covers: a decode error and a validation error both carry their phase and the byte
// offset of the problem; a missing file is an Io error naming the path.
TEST(EmbedModule, CompileErrorsCarryPhaseAndOffset) {
  Engine engine;
  const uint8_t not_wasm[] = {0x00, 0x61, 0x73, 0x6e, 0x01, 0x00, 0x00, 0x00};
  Result<Module> bad_magic = Module::compile(engine, not_wasm);
  ASSERT_FALSE(bad_magic.ok());
  EXPECT_EQ(bad_magic.error().phase(), Phase::Decode);
  EXPECT_TRUE(bad_magic.error().has_offset());

  const uint8_t bad_body[] = {
      0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,  // header
      0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f,        // type section: () -> i32
      0x03, 0x02, 0x01, 0x00,                          // function section: one of type 0
      0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b,              // code: empty body, no i32 left
  };
  Result<Module> invalid = Module::compile(engine, bad_body);
  ASSERT_FALSE(invalid.ok());
  EXPECT_EQ(invalid.error().code(), ErrorCode::TypeMismatch);
  EXPECT_EQ(invalid.error().phase(), Phase::Validate);
  EXPECT_TRUE(invalid.error().has_offset());
  EXPECT_GE(invalid.error().offset(), 22u);

  Result<Module> missing = Module::from_file(engine, "/nonexistent/skiff.wasm");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().phase(), Phase::Io);
  EXPECT_NE(error_text(missing.error()).find("/nonexistent/skiff.wasm"), std::string::npos);
}

// Covers: imports and exports listed with kinds and function types.
TEST(EmbedModule, ListsImportsAndExports) {
  Engine engine;
  Module m = load(engine, "api_host");
  std::vector<ImportType> imports = m.imports();
  ASSERT_EQ(imports.size(), 7u);
  EXPECT_EQ(imports[0].module, "host");
  EXPECT_EQ(imports[0].name, "all_types");
  EXPECT_EQ(imports[0].func_type.to_string(), "(i32, i64, f32, f64) -> (i32, i64, f32, f64)");
  bool saw_memory = false;
  for (const ExportType& e : m.exports())
    if (e.name == "memory") saw_memory = e.kind == ExternKind::Memory;
  EXPECT_TRUE(saw_memory);
}

// Covers: a host function of every value type in both directions, through Func::call
// with Values and through TypedFunc; extreme and NaN-payload values survive unchanged;
// unsigned C++ types map to i32/i64.
TEST(EmbedHost, RoundTripsEveryValueType) {
  Engine engine;
  Module m = load(engine, "api_host");
  Linker l = host_linker();
  int calls = 0;
  l.func_wrap("host", "all_types", [&calls](int32_t a, int64_t b, float c, double d) {
    ++calls;
    int32_t wrapped = static_cast<int32_t>(static_cast<uint32_t>(a) - 1u);  // as i32.sub would
    return std::tuple<int32_t, int64_t, float, double>(wrapped, b * 2, c + 1.0f, -d);
  });
  Store store(engine);
  Result<Instance> inst = l.instantiate(store, m);
  ASSERT_TRUE(inst.ok()) << inst.error().to_string();

  std::optional<Func> rt = inst->get_func("roundtrip");
  ASSERT_TRUE(rt);
  EXPECT_EQ(rt->type().to_string(), "(i32, i64, f32, f64) -> (i32, i64, f32, f64)");
  Result<std::vector<Value>> r =
      rt->call({Value(std::numeric_limits<int32_t>::min()), Value(int64_t{-3}), Value(1.5f), Value(2.25)});
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  ASSERT_EQ(r->size(), 4u);
  EXPECT_EQ((*r)[0].i32(), std::numeric_limits<int32_t>::max());  // wraps like wasm
  EXPECT_EQ((*r)[1].i64(), -6);
  EXPECT_EQ((*r)[2].f32(), 2.5f);
  EXPECT_EQ((*r)[3].f64(), -2.25);

  using Four = std::tuple<int32_t, int64_t, float, double>;
  auto typed = inst->get_typed_func<Four(int32_t, int64_t, float, double)>("roundtrip");
  ASSERT_TRUE(typed.ok()) << typed.error().to_string();
  double nan = std::bit_cast<double>(uint64_t{0x7ff8'0000'dead'beefull});
  Result<Four> t = typed->call(1, std::numeric_limits<int64_t>::max() / 2, -0.0f, nan);
  ASSERT_TRUE(t.ok()) << t.error().to_string();
  EXPECT_EQ(std::get<0>(*t), 0);
  EXPECT_EQ(std::get<1>(*t), std::numeric_limits<int64_t>::max() - 1);
  EXPECT_EQ(std::get<2>(*t), 1.0f);
  EXPECT_EQ(std::bit_cast<uint64_t>(std::get<3>(*t)), 0xfff8'0000'dead'beefull);  // sign flipped, payload kept
  EXPECT_EQ(calls, 2);

  auto uns = inst->get_typed_func<uint64_t(uint32_t, uint64_t)>("unsigned");
  ASSERT_TRUE(uns.ok()) << uns.error().to_string();
  Result<uint64_t> u = uns->call(0xffff'ffffu, uint64_t{1} << 63);
  ASSERT_TRUE(u.ok()) << u.error().to_string();
  EXPECT_EQ(*u, (uint64_t{1} << 63) + 0xffff'ffffu);
}

// Covers: multi-value results of a wasm function through TypedFunc (std::tuple) and
// through Func::call.
TEST(EmbedCall, MultiValueResults) {
  Engine engine;
  Module m = load(engine, "api_pure");
  Store store(engine);
  Linker l;
  Result<Instance> inst = l.instantiate(store, m);
  ASSERT_TRUE(inst.ok()) << inst.error().to_string();
  auto swap = inst->get_typed_func<std::tuple<double, int64_t>(int64_t, double)>("swap");
  ASSERT_TRUE(swap.ok()) << swap.error().to_string();
  Result<std::tuple<double, int64_t>> r = (*swap)(-42, 0.125);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(std::get<0>(*r), 0.125);
  EXPECT_EQ(std::get<1>(*r), -42);

  Result<std::vector<Value>> v = swap->func().call({Value(int64_t{7}), Value(1.0)});
  ASSERT_TRUE(v.ok()) << v.error().to_string();
  EXPECT_EQ((*v)[0], Value(1.0));
  EXPECT_EQ((*v)[1], Value(int64_t{7}));
}

// Covers: a host function taking Caller& reads the guest's string from the calling
// instance's memory and writes into it; the guest sees the writes.
TEST(EmbedHost, CallerAccessesCallingInstancesMemory) {
  Engine engine;
  Module m = load(engine, "api_host");
  Linker l = host_linker();
  std::string logged;
  l.func_wrap("host", "log", [&logged](Caller& c, uint32_t ptr, uint32_t len) -> Result<void> {
    SKIFF_TRY_ASSIGN(Memory mem, c.memory());
    SKIFF_TRY_ASSIGN(std::string_view s, mem.string_view(ptr, len));
    logged = s;
    return {};
  });
  l.func_wrap("host", "fill", [](Caller& c, uint32_t ptr, uint32_t len, uint32_t byte) -> Result<void> {
    SKIFF_TRY_ASSIGN(Memory mem, c.memory());
    SKIFF_TRY_ASSIGN(std::span<uint8_t> bytes, mem.span(ptr, len));
    std::memset(bytes.data(), static_cast<int>(byte), bytes.size());
    return {};
  });
  Store store(engine);
  Result<Instance> inst = l.instantiate(store, m);
  ASSERT_TRUE(inst.ok()) << inst.error().to_string();

  auto greet = inst->get_typed_func<void()>("greet");
  ASSERT_TRUE(greet.ok()) << greet.error().to_string();
  Result<void> g = greet->call();
  ASSERT_TRUE(g.ok()) << g.error().to_string();
  EXPECT_EQ(logged, "hello, host");

  auto fill = inst->get_typed_func<int32_t(int32_t, int32_t)>("fill_and_sum");
  ASSERT_TRUE(fill.ok()) << fill.error().to_string();
  Result<int32_t> sum = fill->call(1000, 10);
  ASSERT_TRUE(sum.ok()) << sum.error().to_string();
  EXPECT_EQ(*sum, 70);
  EXPECT_EQ(inst->get_memory("memory")->data()[1009], 7);

  // Out of bounds through the caller: the host's bounds error becomes the guest's trap.
  Result<int32_t> oob = fill->call(65530, 10);
  ASSERT_FALSE(oob.ok());
  EXPECT_EQ(oob.error().code(), ErrorCode::TrapOutOfBoundsMemory);
}

// Covers: a host function's error return traps the guest with that error, with the wasm
// backtrace (names from the name section) in the context; the store stays usable; a
// C++ exception from a host function becomes a TrapHost trap.
TEST(EmbedHost, HostErrorTrapsWithBacktrace) {
  Engine engine;
  Module m = load(engine, "api_host");
  Linker l = host_linker();
  l.func_wrap("host", "check", [](int32_t x) -> Result<int32_t> {
    if (x < 0) return trap("negative input");
    if (x == 13) throw std::runtime_error("unlucky");
    return x * 10;
  });
  Store store(engine);
  Result<Instance> inst = l.instantiate(store, m);
  ASSERT_TRUE(inst.ok()) << inst.error().to_string();
  auto outer = inst->get_typed_func<int32_t(int32_t)>("outer");
  ASSERT_TRUE(outer.ok()) << outer.error().to_string();

  Result<int32_t> fine = outer->call(4);
  ASSERT_TRUE(fine.ok()) << fine.error().to_string();
  EXPECT_EQ(*fine, 41);

  Result<int32_t> bad = outer->call(-1);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), ErrorCode::TrapHost);
  EXPECT_EQ(bad.error().phase(), Phase::Trap);
  std::string text = bad.error().to_string();
  EXPECT_NE(text.find("negative input"), std::string::npos) << text;
  EXPECT_NE(text.find("wasm backtrace"), std::string::npos) << text;
  size_t checked = text.find("checked");
  size_t outer_at = text.find("outer");
  EXPECT_NE(checked, std::string::npos) << text;
  EXPECT_NE(outer_at, std::string::npos) << text;
  EXPECT_LT(checked, outer_at) << "innermost frame first: " << text;

  Result<int32_t> thrown = outer->call(13);
  ASSERT_FALSE(thrown.ok());
  EXPECT_EQ(thrown.error().code(), ErrorCode::TrapHost);
  EXPECT_NE(thrown.error().to_string().find("unlucky"), std::string::npos);

  Result<int32_t> again = outer->call(2);
  ASSERT_TRUE(again.ok()) << again.error().to_string();
  EXPECT_EQ(*again, 21);
}

// Covers: a wasm trap surfaces with its code and backtrace; a later call in the same
// store works; deep recursion hits the store's call-depth limit as a trap.
TEST(EmbedCall, WasmTrapsAndCallDepthLimit) {
  Engine engine;
  Module m = load(engine, "api_pure");
  StoreLimits limits;
  limits.max_call_depth = 1000;
  Store store(engine, limits);
  Linker l;
  Result<Instance> inst = l.instantiate(store, m);
  ASSERT_TRUE(inst.ok()) << inst.error().to_string();
  auto div = inst->get_typed_func<int32_t(int32_t, int32_t)>("div_outer");
  ASSERT_TRUE(div.ok());
  Result<int32_t> z = div->call(1, 0);
  ASSERT_FALSE(z.ok());
  EXPECT_EQ(z.error().code(), ErrorCode::TrapIntegerDivideByZero);
  std::string text = z.error().to_string();
  EXPECT_NE(text.find("div"), std::string::npos) << text;
  EXPECT_NE(text.find("wasm backtrace"), std::string::npos) << text;
  Result<int32_t> ok = div->call(7, 2);
  ASSERT_TRUE(ok.ok()) << ok.error().to_string();
  EXPECT_EQ(*ok, 3);

  auto down = inst->get_typed_func<int32_t(int32_t)>("down");
  ASSERT_TRUE(down.ok());
  EXPECT_TRUE(down->call(500).ok());
  Result<int32_t> deep = down->call(100'000);
  ASSERT_FALSE(deep.ok());
  EXPECT_EQ(deep.error().code(), ErrorCode::TrapCallStackExhausted);
}

// Covers: get_typed_func checks the signature once: wrong parameter, result or arity,
// and a missing export, are errors naming both types; Func::call checks Values.
TEST(EmbedCall, TypedFuncSignatureMismatch) {
  Engine engine;
  Module m = load(engine, "api_pure");
  Store store(engine);
  Linker l;
  Result<Instance> inst = l.instantiate(store, m);
  ASSERT_TRUE(inst.ok()) << inst.error().to_string();

  auto wrong_result = inst->get_typed_func<int64_t(int32_t)>("fib");
  ASSERT_FALSE(wrong_result.ok());
  EXPECT_EQ(wrong_result.error().code(), ErrorCode::ArgumentMismatch);
  std::string text = wrong_result.error().to_string();
  EXPECT_NE(text.find("(i32) -> (i64)"), std::string::npos) << text;
  EXPECT_NE(text.find("(i32) -> (i32)"), std::string::npos) << text;

  EXPECT_FALSE(inst->get_typed_func<int32_t(uint64_t)>("fib").ok());
  EXPECT_FALSE(inst->get_typed_func<int32_t(int32_t, int32_t)>("fib").ok());
  EXPECT_FALSE(inst->get_typed_func<void(int32_t)>("fib").ok());
  EXPECT_TRUE(inst->get_typed_func<uint32_t(uint32_t)>("fib").ok());  // signedness is C++'s business

  auto missing = inst->get_typed_func<int32_t(int32_t)>("nope");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), ErrorCode::InvalidArgument);
  auto not_a_func = inst->get_typed_func<void()>("memory");
  EXPECT_FALSE(not_a_func.ok());
  EXPECT_FALSE(inst->get_func("memory"));

  std::optional<Func> fib = inst->get_func("fib");
  ASSERT_TRUE(fib);
  Result<std::vector<Value>> wrong_type = fib->call({Value(int64_t{3})});
  ASSERT_FALSE(wrong_type.ok());
  EXPECT_EQ(wrong_type.error().code(), ErrorCode::ArgumentMismatch);
  Result<std::vector<Value>> wrong_count = fib->call({Value(3), Value(4)});
  ASSERT_FALSE(wrong_count.ok());
  EXPECT_EQ(wrong_count.error().code(), ErrorCode::ArgumentMismatch);
  Result<std::vector<Value>> right = fib->call({Value(10)});
  ASSERT_TRUE(right.ok()) << right.error().to_string();
  EXPECT_EQ((*right)[0].i32(), 55);
}

// Covers: bounds-checked reads and writes (inside, at the edge, past the edge, offset
// overflow), the guest seeing host writes, grow within and past the maximum.
TEST(EmbedMemory, BoundsCheckedAccessAndGrow) {
  Engine engine;
  Module m = load(engine, "api_pure");
  Store store(engine);
  Linker l;
  Result<Instance> inst = l.instantiate(store, m);
  ASSERT_TRUE(inst.ok()) << inst.error().to_string();
  std::optional<Memory> mem = inst->get_memory("memory");
  ASSERT_TRUE(mem);
  EXPECT_EQ(mem->size(), 65536u);
  EXPECT_EQ(mem->pages(), 1u);

  ASSERT_TRUE(mem->write<uint32_t>(100, 0xdeadbeef).ok());
  auto load_fn = inst->get_typed_func<uint32_t(uint32_t)>("load");
  ASSERT_TRUE(load_fn.ok());
  EXPECT_EQ(*load_fn->call(100), 0xdeadbeefu);
  auto store_fn = inst->get_typed_func<void(uint32_t, uint32_t)>("store");
  ASSERT_TRUE(store_fn.ok());
  ASSERT_TRUE(store_fn->call(65532, 0x01020304).ok());
  EXPECT_EQ(*mem->read<uint32_t>(65532), 0x01020304u);

  uint8_t buf[8] = {};
  EXPECT_TRUE(mem->read(65528, buf).ok());
  Result<void> past = mem->read(65530, buf);
  ASSERT_FALSE(past.ok());
  EXPECT_EQ(past.error().code(), ErrorCode::TrapOutOfBoundsMemory);
  EXPECT_FALSE(mem->write(65536, std::span<const uint8_t>(buf, 1)).ok());
  EXPECT_TRUE(mem->write(65536, std::span<const uint8_t>()).ok());  // empty at the end is fine
  EXPECT_FALSE(mem->read<uint64_t>(UINT64_MAX - 2).ok());          // offset + len overflows
  EXPECT_FALSE(mem->span(1, UINT64_MAX).ok());
  EXPECT_FALSE(mem->string_view(65000, 1000).ok());

  Result<uint32_t> grown = mem->grow(2);
  ASSERT_TRUE(grown.ok()) << grown.error().to_string();
  EXPECT_EQ(*grown, 1u);
  EXPECT_EQ(mem->pages(), 3u);
  EXPECT_TRUE(mem->write<uint64_t>(3 * 65536 - 8, 1).ok());
  Result<uint32_t> too_far = mem->grow(1);  // maximum is 3
  ASSERT_FALSE(too_far.ok());
  EXPECT_EQ(mem->pages(), 3u);
}

// Covers: the store's page limit caps growth below the memory's own maximum.
TEST(EmbedMemory, StoreLimitCapsGrowth) {
  Engine engine;
  Module m = load(engine, "api_pure");
  StoreLimits limits;
  limits.max_memory_pages = 2;
  Store store(engine, limits);
  Linker l;
  Result<Instance> inst = l.instantiate(store, m);
  ASSERT_TRUE(inst.ok()) << inst.error().to_string();
  Memory mem = *inst->get_memory("memory");
  EXPECT_TRUE(mem.grow(1).ok());
  EXPECT_FALSE(mem.grow(1).ok());
}

// Covers: exported globals read and written from the host and seen by the guest;
// immutable globals and wrong types refused.
TEST(EmbedGlobal, GetSetAndChecks) {
  Engine engine;
  Module m = load(engine, "api_pure");
  Store store(engine);
  Linker l;
  Result<Instance> inst = l.instantiate(store, m);
  ASSERT_TRUE(inst.ok()) << inst.error().to_string();
  Global counter = *inst->get_global("counter");
  EXPECT_EQ(counter.type(), ValType::I32);
  EXPECT_TRUE(counter.is_mutable());
  auto inc = inst->get_typed_func<void()>("inc");
  ASSERT_TRUE(inc.ok());
  ASSERT_TRUE(inc->call().ok());
  EXPECT_EQ(counter.get().i32(), 1);
  ASSERT_TRUE(counter.set(Value(41)).ok());
  ASSERT_TRUE(inc->call().ok());
  EXPECT_EQ(counter.get(), Value(42));
  EXPECT_FALSE(counter.set(Value(1.0)).ok());

  Global half = *inst->get_global("half");
  EXPECT_FALSE(half.is_mutable());
  EXPECT_EQ(half.get().f64(), 0.5);
  EXPECT_FALSE(half.set(Value(1.0)).ok());
}

// Covers: a funcref goes into a store (call arguments, Global::set) only if it is one of
// that store's functions. Another store's ran on this store's machine (a data race with
// that store's thread), a dead store's was a use after free, a made-up one a wild call.
TEST(EmbedCall, FuncrefsOfOtherStoresAreRefused) {
  Engine engine;
  Module m = load(engine, "api_pure");
  Linker l;
  Store a(engine), b(engine);
  Result<Instance> ia = l.instantiate(a, m), ib = l.instantiate(b, m);
  ASSERT_TRUE(ia.ok() && ib.ok());
  Func call_ref = *ib->get_func("call_ref");
  Value own = ib->get_func("seven")->to_value();
  Value foreign = ia->get_func("seven")->to_value();
  int x = 0;
  for (const Value& bad : {foreign, Value::ref(ValType::FuncRef, &x)}) {
    Result<std::vector<Value>> r = call_ref.call({bad});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code(), ErrorCode::InvalidArgument) << r.error().to_string();
    Global fn = *ib->get_global("fn");
    Result<void> set = fn.set(bad);
    ASSERT_FALSE(set.ok());
    EXPECT_EQ(set.error().code(), ErrorCode::InvalidArgument);
  }
  EXPECT_EQ((*call_ref.call({own}))[0], Value(7));
  ASSERT_TRUE(ib->get_global("fn")->set(own).ok());
  EXPECT_EQ((*ib->get_func("call_global")->call({}))[0], Value(7));
  Result<std::vector<Value>> null = call_ref.call({Value::null(ValType::FuncRef)});
  ASSERT_FALSE(null.ok());
  EXPECT_EQ(null.error().code(), ErrorCode::TrapUninitializedElement) << null.error().to_string();
}

// Covers: an InterruptHandle stops a guest that loops forever from another thread; the
// request stays until clear_interrupt(); a handle outliving its store does nothing.
TEST(EmbedCall, InterruptStopsALoopFromAnotherThread) {
  EngineOptions opts;
  opts.interruptible = true;
  Engine engine(opts);
  Module m = load(engine, "api_pure");
  InterruptHandle handle = [&] {
    Store store(engine);
    Result<Instance> inst = Linker().instantiate(store, m);
    EXPECT_TRUE(inst.ok());
    InterruptHandle h = store.interrupt_handle();
    std::thread stopper([h] {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      h.interrupt();
    });
    Result<std::vector<Value>> spun = inst->get_func("spin")->call({});
    stopper.join();
    EXPECT_FALSE(spun.ok());
    if (!spun.ok()) {
      EXPECT_EQ(spun.error().code(), ErrorCode::TrapInterrupted) << spun.error().to_string();
    }
    Result<std::vector<Value>> next = inst->get_func("fib")->call({Value(10)});
    EXPECT_FALSE(next.ok()) << "still interrupted";
    store.clear_interrupt();
    next = inst->get_func("fib")->call({Value(10)});
    EXPECT_TRUE(next.ok() && (*next)[0] == Value(55));
    return h;
  }();
  handle.interrupt();  // its store is gone: nothing happens
}

// Covers: fuel through the API: a budget stops an endless loop; without consume_fuel,
// set_fuel and get_fuel are errors.
TEST(EmbedCall, FuelStopsALoop) {
  EngineOptions opts;
  opts.consume_fuel = true;
  Engine engine(opts);
  Module m = load(engine, "api_pure");
  Store store(engine);
  Result<Instance> inst = Linker().instantiate(store, m);
  ASSERT_TRUE(inst.ok());
  ASSERT_TRUE(store.set_fuel(100'000).ok());
  Result<std::vector<Value>> spun = inst->get_func("spin")->call({});
  ASSERT_FALSE(spun.ok());
  EXPECT_EQ(spun.error().code(), ErrorCode::TrapOutOfFuel);
  EXPECT_LT(*store.get_fuel(), 100u);
  ASSERT_TRUE(store.set_fuel(1'000'000).ok());
  EXPECT_EQ((*inst->get_func("fib")->call({Value(10)}))[0], Value(55));
  EXPECT_LT(*store.get_fuel(), 1'000'000u);
  Engine plain;
  Store unmetered(plain);
  EXPECT_EQ(unmetered.set_fuel(5).error().code(), ErrorCode::InvalidArgument);
  EXPECT_EQ(unmetered.get_fuel().error().code(), ErrorCode::InvalidArgument);
}

// Covers: max_call_frames near 2^32 reserves that many frames (its size computed in 32
// bits wrapped to one page, which deep recursion then overran), or fails cleanly.
TEST(EmbedCall, HugeFrameLimitsDoNotWrap) {
  for (uint32_t frames : {0xFFFFFFFEu, 0xFFFFFFFFu}) {
    EngineOptions opts;
    opts.max_call_frames = frames;
    Engine engine(opts);
    Module m = load(engine, "api_pure");
    Store store(engine);
    Result<Instance> inst = Linker().instantiate(store, m);
    ASSERT_TRUE(inst.ok()) << inst.error().to_string();
    Result<std::vector<Value>> r = inst->get_func("down")->call({Value(50'000)});
    if (r.ok()) {
      EXPECT_EQ((*r)[0], Value(0));
    } else {
      EXPECT_NE(r.error().code(), ErrorCode::TrapCallStackExhausted) << "50,000 frames fit";
    }
  }
}

// Covers: a linker's items name their store by an id that is never reused: items of a
// store that is gone are refused, also when a new store gets its address (which the
// allocator tends to hand out again at once); moved-from stores and linkers give errors.
TEST(EmbedLinker, ItemsOfAGoneStoreAreRefused) {
  Engine engine;
  Module pure = load(engine, "api_pure");
  Module host = load(engine, "api_host");
  Linker l = host_linker();
  {
    Store gone(engine);
    Result<Instance> i = Linker().instantiate(gone, pure);
    ASSERT_TRUE(i.ok());
    l.define("host", "add", *i->get_func("div"));
  }
  for (int k = 0; k < 4; ++k) {
    Store next(engine);
    Result<Instance> r = l.instantiate(next, host);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code(), ErrorCode::InvalidArgument) << r.error().to_string();
  }
  Store moved(engine);
  Store taker(std::move(moved));
  Result<Instance> from_moved = Linker().instantiate(moved, pure);  // NOLINT(bugprone-use-after-move)
  ASSERT_FALSE(from_moved.ok());
  EXPECT_EQ(from_moved.error().code(), ErrorCode::InvalidArgument);
  EXPECT_EQ(moved.limits().max_instances, StoreLimits{}.max_instances);  // NOLINT(bugprone-use-after-move)
  Linker gave = host_linker();
  Linker took(std::move(gave));
  Result<Instance> bare = gave.instantiate(taker, pure);  // NOLINT(bugprone-use-after-move)
  EXPECT_TRUE(bare.ok()) << "a moved-from linker is empty, and api_pure needs nothing";
  Result<Instance> missing = gave.instantiate(taker, host);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), ErrorCode::UnknownImport);
  gave.func_wrap("host", "add", &add_i32);  // usable again
  EXPECT_TRUE(took.instantiate(taker, host).ok());
}

// Covers: an unresolved import is UnknownImport naming it at its offset; a host
// function of the wrong type is IncompatibleImportType; an item of another store is
// refused.
TEST(EmbedLinker, ImportErrors) {
  Engine engine;
  Module m = load(engine, "api_host");
  Store store(engine);
  Linker empty;
  Result<Instance> unknown = empty.instantiate(store, m);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code(), ErrorCode::UnknownImport);
  EXPECT_TRUE(unknown.error().has_offset());
  EXPECT_NE(unknown.error().to_string().find("all_types"), std::string::npos);

  Linker plain = host_linker();  // the function-pointer "add" and the mutable lambda "check"
  Result<Instance> fine = plain.instantiate(store, m);
  ASSERT_TRUE(fine.ok()) << fine.error().to_string();
  EXPECT_EQ(*fine->get_typed_func<int32_t(int32_t, int32_t)>("call_add")->call(40, 2), 42);
  EXPECT_EQ(*fine->get_typed_func<int32_t(int32_t)>("checked")->call(5), 6);

  Linker wrong = host_linker();
  wrong.func_wrap("host", "add", [](int64_t a, int64_t b) { return a + b; });
  Result<Instance> incompatible = wrong.instantiate(store, m);
  ASSERT_FALSE(incompatible.ok());
  EXPECT_EQ(incompatible.error().code(), ErrorCode::IncompatibleImportType);

  Store other(engine);
  Linker first_linker = host_linker();
  Result<Instance> first = first_linker.instantiate(other, m);
  ASSERT_TRUE(first.ok()) << first.error().to_string();
  Linker cross = host_linker();
  cross.define("host", "add", *first->get_func("call_add"));
  Result<Instance> crossed = cross.instantiate(store, m);
  ASSERT_FALSE(crossed.ok());
  EXPECT_EQ(crossed.error().code(), ErrorCode::InvalidArgument);
}

// Covers: one linker instantiates in several stores, each with its own binding of the
// shared callable; exports of one instance satisfy another's imports
// (define_instance); a wasm function can stand in for a host import.
TEST(EmbedLinker, SharedAcrossStoresAndInstances) {
  Engine engine;
  Module m = load(engine, "api_host");
  Linker l = host_linker();
  int adds = 0;
  l.func_wrap("host", "add", [&adds](int32_t a, int32_t b) { ++adds; return a + b; });
  Store s1(engine);
  Store s2(engine);
  Result<Instance> i1 = l.instantiate(s1, m);
  Result<Instance> i2 = l.instantiate(s2, m);
  ASSERT_TRUE(i1.ok() && i2.ok());
  Result<Instance> i1b = l.instantiate(s1, m);
  ASSERT_TRUE(i1b.ok()) << i1b.error().to_string();
  for (Instance* i : {&*i1, &*i2, &*i1b}) {
    auto add = i->get_typed_func<int32_t(int32_t, int32_t)>("call_add");
    ASSERT_TRUE(add.ok());
    EXPECT_EQ(*add->call(2, 3), 5);
  }
  EXPECT_EQ(adds, 3);

  // "host"."add" provided by a wasm export (call_add itself calls the host add).
  Linker chained = host_linker();
  chained.define_instance("other", *i1);
  chained.define("host", "add", *i1->get_func("call_add"));
  Result<Instance> i3 = chained.instantiate(s1, m);
  ASSERT_TRUE(i3.ok()) << i3.error().to_string();
  auto add3 = i3->get_typed_func<int32_t(int32_t, int32_t)>("call_add");
  ASSERT_TRUE(add3.ok());
  EXPECT_EQ(*add3->call(20, 22), 42);
  EXPECT_EQ(adds, 4);
}

// Covers: a host function calls back into the calling instance (Caller::get_func);
// errors of the inner call propagate out.
TEST(EmbedHost, ReentersTheCallingInstance) {
  Engine engine;
  Module m = load(engine, "api_host");
  Linker l = host_linker();
  l.func_wrap("host", "reenter", [](Caller& c, int32_t x) -> Result<int32_t> {
    std::optional<Func> dbl = c.get_func("double");
    if (!dbl) return trap("no double");
    SKIFF_TRY_ASSIGN(auto typed, dbl->typed<int32_t(int32_t)>());
    SKIFF_TRY_ASSIGN(int32_t y, typed.call(x));
    return y + 1;
  });
  Store store(engine);
  Result<Instance> inst = l.instantiate(store, m);
  ASSERT_TRUE(inst.ok()) << inst.error().to_string();
  auto via = inst->get_typed_func<int32_t(int32_t)>("via_host");
  ASSERT_TRUE(via.ok());
  Result<int32_t> r = via->call(20);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(*r, 41);
}

// Covers: host -> wasm -> host re-entry on a thread with a small stack (128 KiB, as in
// many pools) traps with "call stack exhausted" when the stack runs low, under a
// re-entry bound that would allow more; before, it overflowed the thread's stack.
TEST(EmbedHost, DeepReentryOnASmallStackTraps) {
  struct Run {
    Result<int32_t> result = 0;
    static void* go(void* p) {
      EngineOptions opts;
      opts.max_reentry = 10'000;
      Engine engine(opts);
      Module m = load(engine, "api_host");
      Linker l = host_linker();
      l.func_wrap("host", "reenter", [](Caller& c, int32_t x) -> Result<int32_t> {
        if (x == 0) return 0;
        SKIFF_TRY_ASSIGN(auto via, c.get_func("via_host")->typed<int32_t(int32_t)>());
        SKIFF_TRY_ASSIGN(int32_t y, via.call(x - 1));
        return y + 1;
      });
      Store store(engine);
      Result<Instance> inst = l.instantiate(store, m);
      if (!inst.ok()) {
        static_cast<Run*>(p)->result = std::move(inst).error();
        return nullptr;
      }
      static_cast<Run*>(p)->result = inst->get_typed_func<int32_t(int32_t)>("via_host")->call(5'000);
      return nullptr;
    }
  } run;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 128 * 1024);
  pthread_t t;
  ASSERT_EQ(pthread_create(&t, &attr, &Run::go, &run), 0);
  pthread_join(t, nullptr);
  pthread_attr_destroy(&attr);
  ASSERT_FALSE(run.result.ok());
  EXPECT_EQ(run.result.error().code(), ErrorCode::TrapCallStackExhausted) << run.result.error().to_string();
}

// Covers: a trap in wasm called back from a host function comes out of the outer call
// once, with one backtrace listing the inner and the outer wasm frames.
TEST(EmbedHost, TrapInReenteredWasmHasOneBacktrace) {
  Engine engine;
  Module m = load(engine, "api_host");
  Linker l = host_linker();
  l.func_wrap("host", "reenter", [](Caller& c, int32_t x) -> Result<int32_t> {
    SKIFF_TRY_ASSIGN(auto boom, c.get_func("boom")->typed<int32_t(int32_t)>());
    return boom.call(x);
  });
  Store store(engine);
  Result<Instance> inst = l.instantiate(store, m);
  ASSERT_TRUE(inst.ok()) << inst.error().to_string();
  auto via = inst->get_typed_func<int32_t(int32_t)>("via_host");
  ASSERT_TRUE(via.ok());
  Result<int32_t> r = via->call(1);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::TrapUnreachable);
  std::string text = r.error().to_string();
  size_t first = text.find("wasm backtrace");
  ASSERT_NE(first, std::string::npos) << text;
  EXPECT_EQ(text.find("wasm backtrace", first + 1), std::string::npos) << text;
  size_t boom = text.find("boom");
  size_t via_host = text.find("via_host");
  ASSERT_NE(boom, std::string::npos) << text;
  ASSERT_NE(via_host, std::string::npos) << text;
  EXPECT_LT(boom, via_host) << text;
}

// Covers: a trapping start function fails instantiation with its backtrace; a data
// segment's trap has none (no code ran), not even a stale one from an earlier trap.
TEST(EmbedLinker, InstantiationTraps) {
  Engine engine;
  Store store(engine);
  Linker l;
  Module start_trap = load(engine, "api_start_trap");
  Result<Instance> s = l.instantiate(store, start_trap);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::TrapUnreachable);
  EXPECT_NE(s.error().to_string().find("boom"), std::string::npos) << s.error().to_string();
  EXPECT_NE(s.error().to_string().find("start"), std::string::npos) << s.error().to_string();

  Module segment_trap = load(engine, "api_segment_trap");
  Result<Instance> d = l.instantiate(store, segment_trap);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error().code(), ErrorCode::TrapOutOfBoundsMemory);
  EXPECT_EQ(d.error().to_string().find("backtrace"), std::string::npos) << d.error().to_string();
}

// Covers: Values print and compare by bits.
TEST(EmbedValue, PrintsAndCompares) {
  EXPECT_EQ(Value(-7).to_string(), "i32:-7");
  EXPECT_EQ(Value(uint64_t{1} << 40).to_string(), "i64:1099511627776");
  EXPECT_EQ(Value(1.5).to_string(), "f64:1.5");
  EXPECT_EQ(Value::null(ValType::ExternRef).to_string(), "externref:null");
  EXPECT_EQ(Value(uint32_t{0xffffffff}), Value(-1));
  EXPECT_NE(Value(1), Value(int64_t{1}));
  float nan1 = std::bit_cast<float>(0x7fc00001u);
  float nan2 = std::bit_cast<float>(0x7fc00002u);
  EXPECT_EQ(Value(nan1), Value(nan1));
  EXPECT_NE(Value(nan1), Value(nan2));
}

}  // namespace
}  // namespace skiff
