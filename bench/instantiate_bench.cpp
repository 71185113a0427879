// Instantiation cost, in process: for each module, the median and p99 time of one cycle
// of instantiate + call its `run` export (when it has one) + tear down, over many cycles
// after a warm-up; then the density test: N live instances of the first module, each in
// its own store, with the resident memory they add.
// Output lines, parsed by bench/instantiate.sh:
//   cycle <file> <median_us> <p99_us> <cycles> <run result or -> <fast|general>
//   density <file> <instances> <rss_bytes_per_instance> <guest_resident_bytes_per_instance>
//   deadline <runs> <median_overshoot_us> <max_overshoot_us>   (an endless loop stopped by a
//                                                               20 ms Watchdog deadline)
// Imports, if any, are satisfied by host functions that trap (they are never called by
// `run`; a real program's imports make its instantiation cost realistic).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

#include "engine/interp/interpreter.h"
#include "engine/runtime/linker.h"
#include "engine/runtime/watchdog.h"
#include "platform/file.h"

using namespace skiff;
using namespace skiff::engine;
using Clock = std::chrono::steady_clock;

namespace {

Result<void> trap_stub(void*, runtime::Caller&, uint64_t*) { return Error(ErrorCode::TrapHost); }

size_t rss_bytes() {
  FILE* f = std::fopen("/proc/self/statm", "r");
  unsigned long size = 0, resident = 0;
  if (f) {
    if (std::fscanf(f, "%lu %lu", &size, &resident) != 2) resident = 0;
    std::fclose(f);
  }
  return resident * static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

// Bytes of a guest memory mapped into this process (pages the guest or its image put
// there; /proc/self/pagemap's present bit), as opposed to the reservation around them.
size_t resident_in(const uint8_t* base, size_t len) {
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  static const int pagemap = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
  std::vector<uint64_t> entries((len + page - 1) / page);
  const off_t at = static_cast<off_t>(reinterpret_cast<uintptr_t>(base) / page * sizeof(uint64_t));
  const ssize_t want = static_cast<ssize_t>(entries.size() * sizeof(uint64_t));
  if (len == 0 || pagemap < 0 || pread(pagemap, entries.data(), static_cast<size_t>(want), at) != want) return 0;
  size_t n = 0;
  for (uint64_t e : entries) n += e >> 63;
  return n * page;
}

struct Subject {
  std::string path;
  std::shared_ptr<const interp::CompiledModule> code;
  runtime::Store host_store;  // owns the trap stubs shared by every cycle
  std::shared_ptr<const runtime::InstancePre> pre;
  bool has_run = false;
};

// One pool for every store, as a server would have.
runtime::MemoryPool g_pool;

Result<void> load(Subject& s) {
  SKIFF_TRY_ASSIGN(std::vector<uint8_t> bytes, platform::read_file(s.path));
  SKIFF_TRY_ASSIGN(s.code, interp::compile(bytes));
  SKIFF_TRY(s.code->translate_all());
  const ir::Module& m = s.code->module();
  std::vector<runtime::Extern> imports;
  for (const ir::Import& imp : m.imports) {
    runtime::Extern x;
    x.kind = imp.kind;
    switch (imp.kind) {
      case ir::ExternKind::Func:
        x.func = s.host_store.add_host_func(m.types[imp.func_type.value], runtime::HostFunc{trap_stub, nullptr});
        break;
      case ir::ExternKind::Memory: {
        SKIFF_TRY_ASSIGN(x.memory, s.host_store.add_memory(imp.memory));
        break;
      }
      case ir::ExternKind::Table: {
        SKIFF_TRY_ASSIGN(x.table, s.host_store.add_table(imp.table));
        break;
      }
      case ir::ExternKind::Global:
        x.global = s.host_store.add_global(imp.global, runtime::RawValue{});
        break;
    }
    imports.push_back(x);
  }
  SKIFF_TRY_ASSIGN(s.pre, interp::prepare(s.code, std::move(imports)));
  for (const ir::Export& e : m.exports)
    if (e.name == "run" && e.kind == ir::ExternKind::Func) s.has_run = true;
  return ok();
}

// One cycle; returns run's result (or 0).
Result<uint32_t> cycle(Subject& s, interp::Machine& machine) {
  runtime::Store store({}, &g_pool);
  SKIFF_TRY_ASSIGN(runtime::Instance * inst, interp::instantiate(machine, store, *s.pre));
  if (!s.has_run) return 0u;
  runtime::Value result[1];
  SKIFF_TRY(machine.call(store, *inst->find_export("run")->func, {}, result));
  return result[0].raw.i32;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> files;
  size_t density = 10'000;
  double seconds = 1.0;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--density" && i + 1 < argc) density = std::strtoull(argv[++i], nullptr, 10);
    else if (a == "--seconds" && i + 1 < argc) seconds = std::strtod(argv[++i], nullptr);
    else files.push_back(a);
  }
  if (files.empty()) {
    std::fprintf(stderr, "usage: skiff_instantiate_bench [--density N] [--seconds S] MODULE.wasm...\n");
    return 2;
  }
  interp::Machine machine;
  std::vector<std::unique_ptr<Subject>> subjects;
  for (const std::string& f : files) {
    auto s = std::make_unique<Subject>();
    s->path = f;
    if (auto r = load(*s); !r) {
      std::fprintf(stderr, "%s: %s\n", f.c_str(), r.error().to_string().c_str());
      return 1;
    }
    subjects.push_back(std::move(s));
  }
  for (auto& s : subjects) {
    std::vector<double> us;
    uint32_t result = 0;
    for (int i = 0; i < 100; ++i) (void)cycle(*s, machine);  // warm-up
    const auto end = Clock::now() + std::chrono::duration<double>(seconds);
    while (Clock::now() < end || us.size() < 1000) {
      const auto t0 = Clock::now();
      auto r = cycle(*s, machine);
      const auto t1 = Clock::now();
      if (!r) {
        std::fprintf(stderr, "%s: %s\n", s->path.c_str(), r.error().to_string().c_str());
        return 1;
      }
      result = *r;
      us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
    }
    std::sort(us.begin(), us.end());
    std::printf("cycle %s %.3f %.3f %zu %s %s\n", s->path.c_str(), us[us.size() / 2], us[us.size() * 99 / 100],
                us.size(), s->has_run ? std::to_string(result).c_str() : "-", s->pre->fast() ? "fast" : "general");
    std::fflush(stdout);
  }
  {
    // How late an endless loop stops after its deadline: interruptible code, a 20 ms
    // deadline, the time from the deadline to the trap's return.
    static const uint8_t kSpin[] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,  // header
                                    0x01, 0x04, 0x01, 0x60, 0x00, 0x00,              // type () -> ()
                                    0x03, 0x02, 0x01, 0x00,                          // func 0
                                    0x07, 0x08, 0x01, 0x04, 's', 'p', 'i', 'n', 0x00, 0x00,
                                    0x0a, 0x09, 0x01, 0x07, 0x00, 0x03, 0x40, 0x0c, 0x00, 0x0b, 0x0b};
    interp::CodeOptions code;
    code.interruptible = true;
    auto cm = interp::compile(std::span<const uint8_t>(kSpin), {}, code);
    if (!cm) {
      std::fprintf(stderr, "deadline: %s\n", cm.error().to_string().c_str());
      return 1;
    }
    runtime::Watchdog dog;
    std::vector<double> late;
    for (int i = 0; i < 50; ++i) {
      runtime::Store store;
      auto inst = interp::instantiate(machine, store, **cm, {});
      if (!inst) return 1;
      const auto deadline = Clock::now() + std::chrono::milliseconds(20);
      auto ticket = dog.arm(store, deadline);
      auto r = machine.call(store, *(*inst)->find_export("spin")->func, {}, {});
      const auto stopped = Clock::now();
      if (r || r.error().code() != ErrorCode::TrapDeadline) {
        std::fprintf(stderr, "deadline: the loop did not stop with TrapDeadline\n");
        return 1;
      }
      late.push_back(std::chrono::duration<double, std::micro>(stopped - deadline).count());
    }
    std::sort(late.begin(), late.end());
    std::printf("deadline %zu %.1f %.1f\n", late.size(), late[late.size() / 2], late.back());
  }
  if (density > 0) {
    Subject& s = *subjects.front();
    std::vector<std::unique_ptr<runtime::Store>> stores;
    stores.reserve(density);
    size_t guest = 0;
    const size_t before = rss_bytes();
    for (size_t i = 0; i < density; ++i) {
      auto store = std::make_unique<runtime::Store>(runtime::StoreLimits{}, &g_pool);
      auto inst = interp::instantiate(machine, *store, *s.pre);
      if (!inst) {
        std::fprintf(stderr, "density: instance %zu: %s\n", i, inst.error().to_string().c_str());
        break;
      }
      for (runtime::Memory* m : (*inst)->memories) guest += resident_in(m->data(), m->size_bytes());
      stores.push_back(std::move(store));
    }
    const size_t after = rss_bytes();
    const size_t n = stores.size();
    std::printf("density %s %zu %.0f %.0f\n", s.path.c_str(), n, n ? double(after - before) / double(n) : 0.0,
                n ? double(guest) / double(n) : 0.0);
  }
  return 0;
}
