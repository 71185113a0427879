// Decode + validate throughput, in process, on real modules.
// For each file: median wall time of decode_and_validate over repeated runs (one-shot)
// and of a streamed decode in 64 KiB chunks, as MB/s (10^6 bytes), plus the number of
// heap allocations per run (a global operator new counter) against the number of
// instructions, to show there is no allocation per instruction.
// Output lines: `skiff <file> <MB/s> <median_ms> <allocs> <instrs>` (default: bodies
// validated on every core), `skiff-1t ...` (one thread) and
// `skiff-stream <file> <MB/s> <median_ms>` (64 KiB chunks, bodies validated as they
// arrive on the calling thread), parsed by bench/validate.sh.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <string>
#include <vector>

#include "engine/binary/reader.h"
#include "engine/binary/sections.h"
#include "engine/validate/validated_module.h"
#include "platform/file.h"

namespace {
std::atomic<uint64_t> g_allocs{0};
}

void* operator new(size_t n) {
  g_allocs.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
void* operator new(size_t n, const std::nothrow_t&) noexcept {
  g_allocs.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(n ? n : 1);
}
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }

using namespace skiff;
using Clock = std::chrono::steady_clock;

namespace {

// Counts instructions by walking every body with the decoder's instruction skipper.
uint64_t count_instructions(const engine::ir::Module& m) {
  uint64_t n = 0;
  for (const auto& body : m.codes) {
    const uint8_t* base = m.bytes.data();
    engine::binary::Reader r(base, base + body.code_offset, base + body.body.offset + body.body.size);
    while (!r.at_end()) {
      auto op = engine::binary::read_opcode(r);
      if (!op || *op == engine::ir::Opcode::Invalid) break;
      if (!engine::binary::skip_immediates(r, *op)) break;
      ++n;
    }
  }
  return n;
}

template <typename F>
double median_ms(F&& f, double min_seconds) {
  std::vector<double> times;
  auto start = Clock::now();
  f();  // warm-up
  do {
    auto t0 = Clock::now();
    f();
    times.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  } while (std::chrono::duration<double>(Clock::now() - start).count() < min_seconds || times.size() < 5);
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s FILE.wasm...\n", argv[0]);
    return 2;
  }
  double min_seconds = 1.0;
  if (const char* s = std::getenv("SKIFF_BENCH_SECONDS")) min_seconds = std::atof(s);
  int status = 0;
  for (int i = 1; i < argc; ++i) {
    std::string path = argv[i];
    auto bytes = platform::read_file(path);
    if (!bytes) {
      std::fprintf(stderr, "%s: %s\n", path.c_str(), bytes.error().to_string().c_str());
      status = 1;
      continue;
    }
    auto first = engine::validate::decode_and_validate(*bytes);
    if (!first) {
      std::fprintf(stderr, "%s: %s\n", path.c_str(), first.error().to_string().c_str());
      status = 1;
      continue;
    }
    uint64_t instrs = count_instructions(first->module());
    uint64_t before = g_allocs.load();
    { auto again = engine::validate::decode_and_validate(*bytes); (void)again; }
    uint64_t allocs = g_allocs.load() - before;

    double mb = static_cast<double>(bytes->size()) / 1e6;
    double ms = median_ms([&] { auto r = engine::validate::decode_and_validate(*bytes); (void)r; }, min_seconds);
    std::printf("skiff %s %.1f %.3f %llu %llu\n", path.c_str(), mb / (ms / 1e3), ms,
                static_cast<unsigned long long>(allocs), static_cast<unsigned long long>(instrs));
    engine::validate::ValidateOptions one_thread;
    one_thread.threads = 1;
    before = g_allocs.load();
    { auto again = engine::validate::decode_and_validate(*bytes, one_thread); (void)again; }
    uint64_t allocs1 = g_allocs.load() - before;
    double ms1 = median_ms([&] { auto r = engine::validate::decode_and_validate(*bytes, one_thread); (void)r; }, min_seconds);
    std::printf("skiff-1t %s %.1f %.3f %llu %llu\n", path.c_str(), mb / (ms1 / 1e3), ms1,
                static_cast<unsigned long long>(allocs1), static_cast<unsigned long long>(instrs));
    double sms = median_ms([&] {
      engine::validate::StreamingValidator sv;
      std::span<const uint8_t> all(*bytes);
      for (size_t pos = 0; pos < all.size(); pos += 65536) {
        auto r = sv.feed(all.subspan(pos, std::min<size_t>(65536, all.size() - pos)));
        (void)r;
      }
      auto r = sv.finish();
      (void)r;
    }, min_seconds);
    std::printf("skiff-stream %s %.1f %.3f\n", path.c_str(), mb / (sms / 1e3), sms);
    std::fflush(stdout);
  }
  return status;
}
