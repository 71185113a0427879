#include "wasi/wasi.h"

#include <gtest/gtest.h>

#include <string>

#include "engine/interp/interpreter.h"
#include "support/fixtures.h"

// Covers the embedding side of WASI that `skiff serve` relies on (the guest-facing
// calls are covered by tests/wasi and the official wasi-testsuite):
//   - in-memory stdio: MemoryInput as stdin (read in pieces to the end), MemoryOutput
//     capturing stdout and stderr, and its cap (a write past it fails with Fbig and keeps
//     nothing of that write);
//   - define_shared: one set of WASI functions in a long-lived store, one InstancePre,
//     many stores each with its own WasiCtx in host slot kWasiSlot: each sees only its
//     own stdin, output and exit code; a store without a context traps.

namespace skiff::wasi {
namespace {

using namespace skiff::engine;

constexpr int kExitOk = 7;

std::shared_ptr<const interp::CompiledModule> echo_module() {
  auto cm = interp::compile(test::fixture_bytes("wasi_echo"));
  EXPECT_TRUE(cm.ok()) << (cm.ok() ? "" : cm.error().to_string());
  return cm.ok() ? *cm : nullptr;
}

struct Streams {
  std::string input;  // MemoryInput borrows its bytes: kept here
  MemoryInput in;
  MemoryOutput out, err;
  explicit Streams(std::string bytes, size_t out_limit = SIZE_MAX)
      : input(std::move(bytes)), in({reinterpret_cast<const uint8_t*>(input.data()), input.size()}), out(out_limit) {}
  WasiConfig config() {
    WasiConfig c;
    c.args = {"echo"};
    c.stdin_stream = &in;
    c.stdout_stream = &out;
    c.stderr_stream = &err;
    return c;
  }
};

// Runs _start; returns the proc_exit code (or -1 on any other outcome, with a failure).
int run_start(interp::Machine& machine, runtime::Store& store, runtime::Instance& inst, WasiCtx& ctx) {
  auto start = inst.find_export("_start");
  if (!start || !start->func) {
    ADD_FAILURE() << "no _start";
    return -1;
  }
  auto r = machine.call(store, *start->func, {}, {});
  if (r.ok() || r.error().code() != ErrorCode::WasiExit || !ctx.exit_code()) {
    ADD_FAILURE() << "expected proc_exit, got " << (r.ok() ? "a return" : r.error().to_string());
    return -1;
  }
  return *ctx.exit_code();
}

TEST(WasiStreams, StdinFromMemoryAndOutputCaptured) {
  auto cm = echo_module();
  ASSERT_TRUE(cm);
  // Larger than the guest's first read size would be if it read in small pieces, and
  // with bytes of every value.
  std::string input;
  for (int i = 0; i < 70'000; ++i) input.push_back(static_cast<char>(i * 7));
  Streams s(input);
  auto ctx = WasiCtx::create(s.config());
  ASSERT_TRUE(ctx.ok()) << ctx.error().to_string();
  runtime::Store store;
  runtime::Linker linker;
  (*ctx)->define(store, linker);
  auto imports = linker.resolve(cm->module());
  ASSERT_TRUE(imports.ok()) << imports.error().to_string();
  interp::Machine machine;
  auto inst = interp::instantiate(machine, store, *cm, *imports);
  ASSERT_TRUE(inst.ok()) << inst.error().to_string();
  EXPECT_EQ(run_start(machine, store, **inst, **ctx), kExitOk);
  EXPECT_EQ(s.out.data(), "echo:" + input);
  EXPECT_EQ(s.err.data(), "bye");
}

TEST(WasiStreams, OutputPastItsCapFailsWithFbig) {
  auto cm = echo_module();
  ASSERT_TRUE(cm);
  Streams s("0123456789", /*out_limit=*/12);  // "echo:" fits, the 10 bytes after it do not
  auto ctx = WasiCtx::create(s.config());
  ASSERT_TRUE(ctx.ok());
  runtime::Store store;
  runtime::Linker linker;
  (*ctx)->define(store, linker);
  auto imports = linker.resolve(cm->module());
  ASSERT_TRUE(imports.ok());
  interp::Machine machine;
  auto inst = interp::instantiate(machine, store, *cm, *imports);
  ASSERT_TRUE(inst.ok());
  EXPECT_EQ(run_start(machine, store, **inst, **ctx), static_cast<int>(Errno::Fbig));
  EXPECT_EQ(s.out.data(), "echo:");
}

TEST(WasiShared, EachStoreUsesTheContextInItsSlot) {
  auto cm = echo_module();
  ASSERT_TRUE(cm);
  runtime::Store host;  // the shared functions live here, for every request store
  runtime::Linker linker;
  WasiCtx::define_shared(host, linker);
  auto imports = linker.resolve(cm->module());
  ASSERT_TRUE(imports.ok()) << imports.error().to_string();
  auto pre = interp::prepare(cm, std::move(*imports));
  ASSERT_TRUE(pre.ok()) << pre.error().to_string();
  runtime::MemoryPool pool;
  interp::Machine machine;
  for (int i = 0; i < 5; ++i) {
    const std::string input = "request " + std::to_string(i);
    Streams s(input);
    auto ctx = WasiCtx::create(s.config());
    ASSERT_TRUE(ctx.ok());
    runtime::Store store({}, &pool);
    store.set_host_slot(kWasiSlot, ctx->get());
    auto inst = interp::instantiate(machine, store, **pre);
    ASSERT_TRUE(inst.ok()) << inst.error().to_string();
    EXPECT_EQ(run_start(machine, store, **inst, **ctx), kExitOk);
    EXPECT_EQ(s.out.data(), "echo:" + input);
  }
}

TEST(WasiShared, AStoreWithoutAContextTraps) {
  auto cm = echo_module();
  ASSERT_TRUE(cm);
  runtime::Store host;
  runtime::Linker linker;
  WasiCtx::define_shared(host, linker);
  auto imports = linker.resolve(cm->module());
  ASSERT_TRUE(imports.ok());
  auto pre = interp::prepare(cm, std::move(*imports));
  ASSERT_TRUE(pre.ok());
  interp::Machine machine;
  runtime::Store store;
  auto inst = interp::instantiate(machine, store, **pre);
  ASSERT_TRUE(inst.ok());
  auto r = machine.call(store, *(*inst)->find_export("_start")->func, {}, {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::TrapHost);
  EXPECT_NE(r.error().context().find("without a WASI context"), std::string::npos) << r.error().to_string();
}

}  // namespace
}  // namespace skiff::wasi
