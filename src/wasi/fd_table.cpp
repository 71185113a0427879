#include "wasi/fd_table.h"

#include <unistd.h>

#include <cerrno>

namespace skiff::wasi {

namespace {
// A guest can hold at most this many descriptors, the usual soft RLIMIT_NOFILE: guests
// share the process's descriptors (skiff serve runs many at once), and one must not take
// them from the others, nor the server's sockets. (The host's limit may bound it first:
// open then fails with EMFILE.)
constexpr size_t kMaxFds = 1024;
}  // namespace

FdTable::~FdTable() {
  for (auto& e : m_low)
    if (e) release(*e);
  for (auto& [fd, e] : m_high) release(e);
}

void FdTable::release(FdEntry& e) {
  if (e.owned && e.host >= 0) ::close(e.host);
  e.host = -1;
}

FdEntry* FdTable::get(uint32_t fd) {
  if (fd < kInline) return m_low[fd] ? &*m_low[fd] : nullptr;
  auto it = m_high.find(fd);
  return it == m_high.end() ? nullptr : &it->second;
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

void FdTable::erase(uint32_t fd) {
  if (fd < kInline) {
    if (m_low[fd]) --m_count;
    m_low[fd].reset();
  } else {
    m_count -= m_high.erase(fd);
  }
}

Errno FdTable::insert(FdEntry e, uint32_t& fd_out) {
  if (m_count >= kMaxFds) return Errno::Nfile;
  for (uint32_t fd = 3; fd < kInline; ++fd) {
    if (m_low[fd]) continue;
    m_low[fd].emplace(std::move(e));
    ++m_count;
    fd_out = fd;
    return Errno::Success;
  }
  uint32_t fd = kInline;
  for (const auto& [n, unused] : m_high) {
    if (n != fd) break;
    ++fd;
  }
  m_high.emplace(fd, std::move(e));
  ++m_count;
  fd_out = fd;
  return Errno::Success;
}

void FdTable::insert_at(uint32_t fd, FdEntry e) {
  if (FdEntry* old = get(fd)) {
    release(*old);
    erase(fd);
  }
  if (fd < kInline)
    m_low[fd].emplace(std::move(e));
  else
    m_high.emplace(fd, std::move(e));
  ++m_count;
}

Errno FdTable::close(uint32_t fd) {
  FdEntry* e = get(fd);
  if (!e) return Errno::Badf;
  release(*e);
  erase(fd);
  return Errno::Success;
}

Errno FdTable::renumber(uint32_t from, uint32_t to) {
  FdEntry* src = get(from);
  if (!src || !get(to)) return Errno::Badf;
  if (from == to) return Errno::Success;
  FdEntry moved = std::move(*src);
  erase(from);
  insert_at(to, std::move(moved));
  return Errno::Success;
}

}  // namespace skiff::wasi
