#include "wasi/fd_table.h"

#include <unistd.h>

#include <cerrno>

namespace skiff::wasi {

namespace {
// A guest can hold at most this many descriptors (the host's RLIMIT_NOFILE bounds it
// further: open fails with EMFILE first).
constexpr size_t kMaxFds = 1 << 16;
}  // namespace

FdTable::~FdTable() {
  for (auto& [fd, e] : m_entries) release(e);
}

void FdTable::release(FdEntry& e) {
  if (e.owned && e.host >= 0) ::close(e.host);
  e.host = -1;
}

FdEntry* FdTable::get(uint32_t fd) {
  auto it = m_entries.find(fd);
  return it == m_entries.end() ? nullptr : &it->second;
}

FdEntry* FdTable::get(uint32_t fd, uint64_t needed, Errno& err) {
  FdEntry* e = get(fd);
  if (!e) {
    err = Errno::Badf;
    return nullptr;
  }
  if ((e->rights_base & needed) != needed) {
    err = Errno::NotCapable;
    return nullptr;
  }
  err = Errno::Success;
  return e;
}

Errno FdTable::insert(FdEntry e, uint32_t& fd_out) {
  if (m_entries.size() >= kMaxFds) return Errno::Nfile;
  uint32_t fd = 3;
  for (const auto& [n, unused] : m_entries) {
    if (n < fd) continue;
    if (n != fd) break;
    ++fd;
  }
  m_entries.emplace(fd, std::move(e));
  fd_out = fd;
  return Errno::Success;
}

void FdTable::insert_at(uint32_t fd, FdEntry e) {
  auto it = m_entries.find(fd);
  if (it != m_entries.end()) {
    release(it->second);
    m_entries.erase(it);
  }
  m_entries.emplace(fd, std::move(e));
}

Errno FdTable::close(uint32_t fd) {
  auto it = m_entries.find(fd);
  if (it == m_entries.end()) return Errno::Badf;
  release(it->second);
  m_entries.erase(it);
  return Errno::Success;
}

Errno FdTable::renumber(uint32_t from, uint32_t to) {
  auto src = m_entries.find(from);
  if (src == m_entries.end() || !m_entries.count(to)) return Errno::Badf;
  if (from == to) return Errno::Success;
  FdEntry moved = std::move(src->second);
  m_entries.erase(src);
  insert_at(to, std::move(moved));
  return Errno::Success;
}

}  // namespace skiff::wasi
