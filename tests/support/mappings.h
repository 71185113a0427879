#pragma once
// What the kernel says about this process's own mappings, for tests that check a
// memory's pages really were protected, dropped or kept (pooled reservations).

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

namespace skiff::test {

// The protection of the mapping holding `p` as /proc/self/maps shows it ("rw-p",
// "---p"), or "unmapped".
inline std::string protection_at(const void* p) {
  std::ifstream maps("/proc/self/maps");
  const auto a = reinterpret_cast<unsigned long>(p);
  std::string line;
  while (std::getline(maps, line)) {
    unsigned long lo = 0, hi = 0;
    char perms[8] = {};
    if (std::sscanf(line.c_str(), "%lx-%lx %4s", &lo, &hi, perms) != 3) continue;
    if (a >= lo && a < hi) return perms;
  }
  return "unmapped";
}

// How many host pages of [p, p+len) are resident (mincore); SIZE_MAX if mincore fails.
inline size_t resident_pages(const uint8_t* p, size_t len) {
  const size_t ps = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  std::vector<unsigned char> vec(len / ps);
  if (::mincore(const_cast<uint8_t*>(p), len, vec.data()) != 0) return SIZE_MAX;
  size_t n = 0;
  for (unsigned char c : vec) n += c & 1;
  return n;
}

// How many host pages of [p, p+len) have a page-table entry in this process
// (/proc/self/pagemap's present bit): unlike mincore, a file page counts only if this
// mapping maps it. SIZE_MAX if pagemap cannot be read.
inline size_t mapped_pages(const uint8_t* p, size_t len) {
  const size_t ps = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  std::vector<uint64_t> entries(len / ps);
  std::FILE* f = std::fopen("/proc/self/pagemap", "rb");
  if (!f) return SIZE_MAX;
  const bool ok = std::fseek(f, static_cast<long>(reinterpret_cast<uintptr_t>(p) / ps * 8), SEEK_SET) == 0 &&
                  std::fread(entries.data(), 8, entries.size(), f) == entries.size();
  std::fclose(f);
  if (!ok) return SIZE_MAX;
  size_t n = 0;
  for (uint64_t e : entries) n += e >> 63;
  return n;
}

}  // namespace skiff::test
